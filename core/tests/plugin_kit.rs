//! The plugin kit: permissions declared as data, granted by name from code and files,
//! scopes checked before the plugin's code runs, permissions listed, events typed.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard::permission::{PermissionDef, PluginPermissions};
use switchboard::protocol::ErrorCode;
use switchboard::scope::{CallerScope, ScopeError, ScopeSchema};
use switchboard::{args, App, AppBuilder, Call, Capability, Grant, Plugin, Type};

/// Every test gives up after this long instead of hanging.
async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .expect("the test timed out")
}

// ---- a small scoped plugin: shelves of a library, scoped by shelf name ----

/// The shelves a caller may touch.
#[derive(Debug)]
struct Shelves {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl std::fmt::Display for Shelves {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shelves {:?} except {:?}", self.allow, self.deny)
    }
}

/// An entry is `{ shelf = "fiction" }` or a bare `"fiction"`; `*` is every shelf.
#[derive(Deserialize)]
#[serde(untagged)]
enum ShelfEntry {
    Bare(String),
    Table { shelf: String },
}

struct ShelfSchema {
    /// Threads the check ran on.
    checked_on: Arc<Mutex<Vec<std::thread::ThreadId>>>,
    blocking: bool,
}

impl ScopeSchema for ShelfSchema {
    type Entry = ShelfEntry;
    type Scope = Shelves;

    fn resolve(
        &self,
        allow: Vec<ShelfEntry>,
        deny: Vec<ShelfEntry>,
    ) -> Result<Shelves, ScopeError> {
        let name = |e: ShelfEntry| {
            let s = match e {
                ShelfEntry::Bare(s) | ShelfEntry::Table { shelf: s } => s,
            };
            if s.is_empty() || s.contains('/') {
                Err(ScopeError::new(format!("`{s}` is not a shelf name")))
            } else {
                Ok(s)
            }
        };
        Ok(Shelves {
            allow: allow.into_iter().map(name).collect::<Result<_, _>>()?,
            deny: deny.into_iter().map(name).collect::<Result<_, _>>()?,
        })
    }

    fn check(&self, scope: &Shelves, call: &Call) -> Result<(), ScopeError> {
        self.checked_on
            .lock()
            .unwrap()
            .push(std::thread::current().id());
        let args = call.args().map_err(|e| ScopeError::new(e.message))?;
        let Some(shelf) = args
            .get::<Option<String>>("shelf")
            .map_err(|e| ScopeError::new(e.message))?
        else {
            return Ok(()); // methods without a shelf are not scoped
        };
        let matches = |s: &String| s == "*" || *s == shelf;
        if scope.deny.iter().any(matches) || !scope.allow.iter().any(matches) {
            return Err(ScopeError::new(format!("shelf `{shelf}`")));
        }
        Ok(())
    }

    fn check_blocks(&self) -> bool {
        self.blocking
    }
}

/// Emitted on `library/shelved`.
#[derive(Debug, Serialize, Deserialize, Type)]
struct Shelved {
    shelf: String,
    title: String,
}

#[derive(Clone)]
struct Library {
    /// How many times plugin code ran.
    runs: Arc<AtomicU32>,
}

#[switchboard::actor]
impl Library {
    /// Put a book on a shelf; answers the scope the plugin was handed.
    fn shelve(
        &mut self,
        shelf: String,
        title: String,
        scope: CallerScope<Shelves>,
        app: switchboard::AppHandle,
    ) -> Vec<String> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let _ = app.emit("library/shelved", &Shelved { shelf, title });
        scope.allow.clone()
    }

    /// Count the books (no shelf: not scoped).
    fn count(&self) -> u32 {
        self.runs.load(Ordering::SeqCst)
    }
}

struct LibraryPlugin {
    runs: Arc<AtomicU32>,
    checked_on: Arc<Mutex<Vec<std::thread::ThreadId>>>,
    blocking: bool,
}

impl LibraryPlugin {
    fn new() -> Self {
        LibraryPlugin {
            runs: Arc::new(AtomicU32::new(0)),
            checked_on: Arc::default(),
            blocking: false,
        }
    }

    fn permissions(
        checked_on: Arc<Mutex<Vec<std::thread::ThreadId>>>,
        blocking: bool,
    ) -> PluginPermissions {
        PluginPermissions::new("library")
            .scope(ShelfSchema {
                checked_on,
                blocking,
            })
            .permission(
                PermissionDef::new("allow-shelve")
                    .description("Shelve books on the shelves of the scope.")
                    .methods(["shelve"]),
            )
            .permission(
                PermissionDef::new("allow-count")
                    .description("Count the books.")
                    .methods(["count"]),
            )
            .permission(
                // a built-in scope flows down to what the permission includes
                PermissionDef::new("allow-shelve-poetry")
                    .description("Shelve books on the poetry shelf.")
                    .includes(["allow-shelve"])
                    .scope_allow("poetry"),
            )
            .permission(
                PermissionDef::new("default")
                    .description("Count, and hear about new books.")
                    .includes(["allow-count"])
                    .listen(["library/shelved"]),
            )
    }
}

impl Plugin for LibraryPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("library", Library { runs: self.runs })
            .permissions(Self::permissions(self.checked_on, self.blocking))
            .event::<Shelved>("library/shelved")
    }
}

#[cfg(feature = "toml")]
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-plugin-kit-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_call_outside_its_scope_is_forbidden_before_the_plugin_runs() {
    within(async {
        let plugin = LibraryPlugin::new();
        let runs = Arc::clone(&plugin.runs);
        let app = App::builder()
            .plugin(plugin)
            .capability(
                Capability::new("main").windows(["main"]).grant(
                    Grant::new("library:allow-shelve")
                        .allow_scope("fiction")
                        .allow_scope(serde_json::json!({ "shelf": "history" })),
                ),
            )
            .build()
            .unwrap();
        let main = app.test_client("main");

        let err = main
            .invoke::<Vec<String>>(
                "plugin:library",
                "shelve",
                &args! { shelf: "restricted", title: "Necronomicon" },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        let message = err.message();
        assert!(message.contains("`plugin:library.shelve`"), "{message}");
        assert!(message.contains("`library:allow-shelve`"), "{message}");
        assert!(message.contains("shelf `restricted`"), "{message}");
        assert!(
            message.contains(r#"shelves ["fiction", "history"]"#),
            "{message}"
        );
        #[derive(Deserialize)]
        struct OutOfScope {
            permissions: Vec<String>,
            scope: String,
        }
        let data: OutOfScope = err.data().expect("typed data");
        assert_eq!(data.permissions, ["library:allow-shelve"]);
        assert!(data.scope.contains("fiction"));
        // the plugin's code never ran
        assert_eq!(runs.load(Ordering::SeqCst), 0);

        // inside the scope it runs, and is handed the scope the bus checked
        let scope: Vec<String> = main
            .invoke(
                "plugin:library",
                "shelve",
                &args! { shelf: "history", title: "SPQR" },
            )
            .await
            .unwrap();
        assert_eq!(scope, ["fiction", "history"]);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    })
    .await
}

#[tokio::test]
async fn a_scoped_plugin_granted_without_a_scope_gets_an_empty_scope() {
    within(async {
        let plugin = LibraryPlugin::new();
        let runs = Arc::clone(&plugin.runs);
        let app = App::builder()
            .plugin(plugin)
            .capability(Capability::new("main").windows(["main"]).allow(["*"]))
            .build()
            .unwrap();
        let main = app.test_client("main");
        let err = main
            .invoke::<Vec<String>>(
                "plugin:library",
                "shelve",
                &args! { shelf: "fiction", title: "x" },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(err.message().contains("`*`"), "{}", err.message());
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        // a method the schema does not scope still answers
        let n: u32 = main
            .invoke("plugin:library", "count", &args! {})
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await
}

#[tokio::test]
async fn deny_entries_win_and_builtin_scopes_come_with_their_permission() {
    within(async {
        let app = App::builder()
            .plugin(LibraryPlugin::new())
            .capability(
                Capability::new("main").windows(["main"]).grant(
                    Grant::new("library:allow-shelve")
                        .allow_scope("*")
                        .deny_scope("attic"),
                ),
            )
            .capability(
                Capability::new("poet")
                    .windows(["poet"])
                    .allow(["library:allow-shelve-poetry"]),
            )
            .build()
            .unwrap();
        let main = app.test_client("main");
        let shelve = |client: &switchboard::Client, shelf: &'static str| {
            let client = client.clone();
            async move {
                client
                    .invoke::<Vec<String>>(
                        "plugin:library",
                        "shelve",
                        &args! { shelf: shelf, title: "t" },
                    )
                    .await
            }
        };
        assert!(shelve(&main, "fiction").await.is_ok());
        let err = shelve(&main, "attic").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);

        let poet = app.test_client("poet");
        assert_eq!(shelve(&poet, "poetry").await.unwrap(), ["poetry"]);
        let err = shelve(&poet, "fiction").await.unwrap_err();
        assert!(
            err.message().contains("library:allow-shelve-poetry"),
            "{}",
            err.message()
        );
    })
    .await
}

#[cfg(feature = "toml")]
#[tokio::test]
async fn scopes_and_names_load_from_json_and_toml_files() {
    within(async {
        let dir = temp_dir("files");
        std::fs::write(
            dir.join("main.json"),
            r#"{ "identifier": "main", "windows": ["main"],
                 "permissions": ["library:default",
                   { "identifier": "library:allow-shelve", "allow": ["fiction", { "shelf": "history" }], "deny": ["history"] }] }"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("second.toml"),
            "identifier = \"second\"\nwindows = [\"second\"]\npermissions = [\n  \"library:default\",\n  { identifier = \"library:allow-shelve\", allow = [{ shelf = \"history\" }] },\n]\n",
        )
        .unwrap();
        let app = App::builder()
            .plugin(LibraryPlugin::new())
            .capabilities_dir(&dir)
            .build()
            .unwrap();
        let main = app.test_client("main");
        let second = app.test_client("second");
        let mut heard = second.subscribe("library/shelved").await.unwrap();
        main.invoke::<Vec<String>>("plugin:library", "shelve", &args! { shelf: "fiction", title: "Dune" })
            .await
            .unwrap();
        let event: Shelved = heard.next().await.unwrap().decode().unwrap();
        assert_eq!(event.title, "Dune");
        // denied in main.json, allowed in second.toml
        let err = main
            .invoke::<Vec<String>>("plugin:library", "shelve", &args! { shelf: "history", title: "x" })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        second
            .invoke::<Vec<String>>("plugin:library", "shelve", &args! { shelf: "history", title: "SPQR" })
            .await
            .unwrap();
        let n: u32 = second.invoke("plugin:library", "count", &args! {}).await.unwrap();
        assert_eq!(n, 2);
    })
    .await
}

#[cfg(feature = "toml")]
#[test]
fn an_unknown_permission_in_a_capability_file_fails_the_build_naming_the_file() {
    for (file, text) in [
        (
            "typo.json",
            r#"{ "identifier": "main", "windows": ["main"], "permissions": ["library:allow-shelf"] }"#,
        ),
        (
            "typo.toml",
            "identifier = \"main\"\nwindows = [\"main\"]\npermissions = [\"library:allow-shelf\"]\n",
        ),
    ] {
        let dir = temp_dir(file);
        std::fs::write(dir.join(file), text).unwrap();
        let err = App::builder()
            .plugin(LibraryPlugin::new())
            .capabilities_dir(&dir)
            .build()
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                switchboard::Error::Capability(
                    switchboard::capability::CapabilityError::UnknownPermission { .. }
                )
            ),
            "{text}"
        );
        assert!(text.contains(file), "{text}");
        assert!(text.contains("unknown permission `library:allow-shelf`"), "{text}");
        assert!(text.contains("library:allow-shelve"), "the known names are listed: {text}");
    }

    // a plugin that is not added at all
    let dir = temp_dir("no-plugin");
    std::fs::write(
        dir.join("sql.toml"),
        "identifier = \"main\"\nwindows = [\"main\"]\npermissions = [\"sql:default\"]\n",
    )
    .unwrap();
    let text = App::builder()
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("sql.toml") && text.contains("is the plugin added"),
        "{text}"
    );

    // a scope entry the plugin's schema refuses, in a file
    let dir = temp_dir("bad-scope");
    std::fs::write(
        dir.join("scope.json"),
        r#"{ "identifier": "main", "windows": ["main"], "permissions": [{ "identifier": "library:allow-shelve", "allow": ["a/b"] }] }"#,
    )
    .unwrap();
    let text = App::builder()
        .plugin(LibraryPlugin::new())
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("scope.json") && text.contains("`a/b` is not a shelf name"),
        "{text}"
    );

    // a scope on a plain pattern has nothing to attach to
    let text = App::builder()
        .plugin(LibraryPlugin::new())
        .capability(
            Capability::new("main")
                .windows(["main"])
                .grant(Grant::new("plugin:library.*").allow_scope("fiction")),
        )
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("not to a pattern"), "{text}");
}

#[cfg(feature = "toml")]
#[test]
fn every_permission_of_every_plugin_is_listed() {
    struct Other;
    #[derive(Clone)]
    struct Echo;
    #[switchboard::actor]
    impl Echo {
        fn echo(&self, text: String) -> String {
            text
        }
    }
    impl Plugin for Other {
        fn build(self, app: AppBuilder) -> AppBuilder {
            app.plugin_actor("echo", Echo).permissions(
                PluginPermissions::from_toml(
                    "echo",
                    "[[permission]]\nidentifier = \"default\"\ndescription = \"Echo.\"\nmethods = [\"echo\"]\n",
                )
                .unwrap(),
            )
        }
    }
    let app = App::builder()
        .plugin(LibraryPlugin::new())
        .plugin(Other)
        .build()
        .unwrap();
    let listed: Vec<(&str, &str)> = app
        .permissions()
        .iter()
        .map(|p| (p.identifier(), p.describe()))
        .collect();
    assert_eq!(
        listed,
        [
            ("echo:default", "Echo."),
            ("library:allow-count", "Count the books."),
            (
                "library:allow-shelve",
                "Shelve books on the shelves of the scope."
            ),
            (
                "library:allow-shelve-poetry",
                "Shelve books on the poetry shelf."
            ),
            ("library:default", "Count, and hear about new books."),
        ]
    );
    let default = &app.permissions()[4];
    assert_eq!(default.patterns(), ["event:library/shelved"]);
    assert_eq!(default.included(), ["library:allow-count"]);
    assert_eq!(
        app.permissions()[3].scope().allow,
        [serde_json::json!("poetry")]
    );
    let table = switchboard::permission::markdown_table(app.permissions());
    assert!(
        table.contains("| `library:allow-shelve-poetry` | Shelve books on the poetry shelf. | includes `library:allow-shelve`, scope `poetry` |"),
        "{table}"
    );
}

#[test]
fn a_permission_naming_a_missing_method_or_permission_fails_the_build() {
    struct Broken(PermissionDef);
    impl Plugin for Broken {
        fn build(self, app: AppBuilder) -> AppBuilder {
            app.plugin_actor(
                "library",
                Library {
                    runs: Arc::default(),
                },
            )
            .permissions(PluginPermissions::new("library").permission(self.0))
        }
    }
    let text = App::builder()
        .plugin(Broken(PermissionDef::new("allow-burn").methods(["burn"])))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("`library:allow-burn` names method `burn`") && text.contains("shelve"),
        "{text}"
    );
    let text = App::builder()
        .plugin(Broken(
            PermissionDef::new("default").includes(["allow-everything"]),
        ))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("includes `library:allow-everything`"),
        "{text}"
    );
    let text = App::builder()
        .plugin(Broken(PermissionDef::new("default").scope_allow("x")))
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("declares no scope"), "{text}");
}

#[cfg(feature = "bindings")]
#[test]
fn a_plugins_events_are_typed_in_the_bindings_without_the_app_declaring_them() {
    let app = App::builder().plugin(LibraryPlugin::new()).build().unwrap();
    let ts = switchboard::bindings::Bindings::new(&app)
        .typescript()
        .unwrap();
    assert!(
        ts.contains("export type Shelved = { shelf: string; title: string }"),
        "{ts}"
    );
    assert!(ts.contains("libraryShelved: {"), "{ts}");
    assert!(
        ts.contains("listen<Shelved>(\"library/shelved\", cb)"),
        "{ts}"
    );
    // the injected scope is not an argument of the page's function
    assert!(
        ts.contains("shelve(shelf: string, title: string, options?: InvokeOptions)"),
        "{ts}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_blocking_scope_check_runs_off_the_async_thread() {
    within(async {
        let mut plugin = LibraryPlugin::new();
        plugin.blocking = true;
        let checked_on = Arc::clone(&plugin.checked_on);
        let app = App::builder()
            .plugin(plugin)
            .capability(
                Capability::new("main")
                    .windows(["main"])
                    .grant(Grant::new("library:allow-shelve").allow_scope("fiction")),
            )
            .build()
            .unwrap();
        app.test_client("main")
            .invoke::<Vec<String>>(
                "plugin:library",
                "shelve",
                &args! { shelf: "fiction", title: "t" },
            )
            .await
            .unwrap();
        let threads = checked_on.lock().unwrap().clone();
        assert_eq!(threads.len(), 1);
        // a current-thread runtime runs every task on this thread: the check ran elsewhere
        assert_ne!(threads[0], std::thread::current().id());
    })
    .await
}

#[tokio::test]
async fn rust_calls_to_a_scoped_plugin_are_checked_on_behalf_of_a_window() {
    within(async {
        let plugin = LibraryPlugin::new();
        let runs = Arc::clone(&plugin.runs);
        let app = App::builder()
            .plugin(plugin)
            .capability(
                Capability::new("main")
                    .windows(["main"])
                    .grant(Grant::new("library:allow-shelve").allow_scope("fiction")),
            )
            .build()
            .unwrap();
        let handle = app.handle();
        let main = switchboard::Caller::new("main", "app://localhost");
        // on behalf of `main`: its scope applies, before the plugin runs
        let err = handle
            .call_as::<Vec<String>>(
                &main,
                "plugin:library",
                "shelve",
                &serde_json::json!({ "shelf": "restricted", "title": "x" }),
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("outside the scope"), "{err}");
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        let scope: Vec<String> = handle
            .call_as(
                &main,
                "plugin:library",
                "shelve",
                &serde_json::json!({ "shelf": "fiction", "title": "x" }),
            )
            .await
            .unwrap();
        assert_eq!(scope, ["fiction"]);
        // the app itself has no scope to hand over: it is told to name a window
        let err = handle
            .call::<Vec<String>>(
                "plugin:library",
                "shelve",
                &serde_json::json!({ "shelf": "fiction", "title": "x" }),
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("on behalf of a window"), "{err}");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    })
    .await
}
