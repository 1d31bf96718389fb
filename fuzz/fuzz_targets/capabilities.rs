//! The capability file parser (`Capability::from_file`, JSON and TOML), the plugin
//! permission file parser (`PluginPermissions::from_toml`), the permission patterns
//! (`Permission::parse`) and their wildcard matching, and the grants an app resolves for a
//! caller from a capability it loaded.
//!
//! Input: byte 0 holds flags (bit 0: the file is TOML, not JSON; bit 1: it is a plugin's
//! `permissions.toml`, not a capability; bit 2: the caller is an iframe), byte 1 the
//! length of a head split into fields by `arbitrary` (a pattern, an address, a method, a
//! topic, a window, an origin), and the rest is the file. A seed is two zero bytes and a
//! real file.
//!
//! Invariants beyond "no panic":
//! - a pattern that parses prints as written and parses again to itself;
//! - matching does what the pattern says: an exact pattern allows exactly its own target,
//!   a wildcard only a target it is a prefix of, a call pattern never a topic, `event:` only
//!   listening and `emit:` only emitting, and a topic the host reserves is never emittable;
//! - an app built from a capability grants a caller something only when the capability's
//!   `windows` match its window, its `origins` (or, without any, the app's own origin)
//!   hold the caller's origin, and it is the top frame or `iframes` is on; and every
//!   pattern granted is one the file wrote, or one a plugin permission it names (of a
//!   fixed `fs` plugin, `FS_PERMISSIONS`) grants through its `includes`;
//! - an app built from a fuzzed `permissions.toml` and a capability naming each of its
//!   permissions grants only patterns the file's permissions declare (the `includes` walk
//!   ends, cycles and all).
#![no_main]

use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use switchboard::capability::{is_reserved_topic, Permission};
use switchboard::permission::PluginPermissions;
use switchboard::protocol::{Address, Name, Topic};
use switchboard::{App, Caller, Capability, Closed, Outbound};

#[derive(Arbitrary, Debug, Default)]
struct Head<'a> {
    pattern: &'a str,
    address: &'a str,
    method: &'a str,
    topic: &'a str,
    window: &'a str,
    origin: &'a str,
}

const APP_ORIGIN: &str = "app://localhost";

/// A plugin's declarations that capability files can name (`fs:default`, ...), so the
/// registry's resolution (includes, patterns) runs; there is no `fs` actor, so any method
/// name is accepted, as for a plugin whose actor is registered later.
const FS_PERMISSIONS: &str = r#"
[[permission]]
identifier = "allow-read"
methods = ["read", "stat"]

[[permission]]
identifier = "allow-write"
methods = ["write*"]
emit = ["fs/changed"]

[[permission]]
identifier = "default"
includes = ["allow-read", "fs:allow-write", "default"]
listen = ["fs/*"]
"#;

/// What each `FS_PERMISSIONS` entry grants, its includes followed.
fn fs_patterns(identifier: &str) -> &'static [&'static str] {
    match identifier {
        "fs:allow-read" => &["plugin:fs.read", "plugin:fs.stat"],
        "fs:allow-write" => &["plugin:fs.write*", "emit:fs/changed"],
        "fs:default" => &[
            "plugin:fs.read",
            "plugin:fs.stat",
            "plugin:fs.write*",
            "emit:fs/changed",
            "event:fs/*",
        ],
        _ => &[],
    }
}

/// What `glob` in capability.rs means, restated: a trailing `*` matches any rest.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => text.starts_with(prefix),
        None => pattern == text,
    }
}

fn check_pattern(text: &str, head: &Head<'_>) {
    let Ok(p) = Permission::parse(text) else {
        return;
    };
    assert_eq!(p.as_str(), text);
    assert_eq!(Permission::parse(&p.to_string()).as_ref(), Ok(&p));
    let all = text == "*";
    if let Ok(address) = Address::parse(head.address) {
        if p.allows_call(&address, head.method) && !all {
            assert!(
                !text.starts_with("event:") && !text.starts_with("emit:"),
                "{text}"
            );
            let (pa, pm) = match text.split_once('.') {
                Some((a, m)) => (a, Some(m)),
                None => (text, None),
            };
            assert!(glob(pa, &address.to_string()), "{text} allowed {address}");
            match pm {
                None => assert!(
                    head.method.is_empty(),
                    "{text} allowed method {:?}",
                    head.method
                ),
                Some(m) => assert!(!head.method.is_empty() && glob(m, head.method), "{text}"),
            }
            if !text.contains('*') {
                let target = if head.method.is_empty() {
                    address.to_string()
                } else {
                    format!("{address}.{}", head.method)
                };
                assert_eq!(text, target, "an exact pattern allowed another target");
            }
        }
    }
    if let Ok(topic) = Topic::new(head.topic) {
        if p.allows_emit(&topic) {
            assert!(
                !is_reserved_topic(&topic),
                "{text} allowed emitting on {topic}"
            );
            assert!(
                all || text
                    .strip_prefix("emit:")
                    .is_some_and(|g| glob(g, topic.as_str()))
            );
        }
        if p.allows_listen(&topic) {
            assert!(
                all || text
                    .strip_prefix("event:")
                    .is_some_and(|g| glob(g, topic.as_str()))
            );
        }
    }
}

struct Nowhere;
impl Outbound for Nowhere {
    fn send(&self, _frame: Bytes) -> Result<(), Closed> {
        Ok(())
    }
}

/// The fields `applies_to` reads, from the file as plain data.
struct Scope {
    windows: Vec<String>,
    origins: Vec<String>,
    iframes: bool,
    permissions: Vec<String>,
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn scope_of(text: &str, toml: bool) -> Scope {
    let value: serde_json::Value = if toml {
        toml::from_str(text).expect("parsed as a capability, so as TOML")
    } else {
        serde_json::from_str(text).expect("parsed as a capability, so as JSON")
    };
    let permissions = value
        .get("permissions")
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|g| g.as_str().or_else(|| g.get("identifier")?.as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Scope {
        windows: strings(value.get("windows")),
        origins: strings(value.get("origins")),
        iframes: value
            .get("iframes")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        permissions,
    }
}

fn check_app(cap: Capability, text: &str, toml: bool, head: &Head<'_>, iframe: bool) {
    // an empty head (the seeds') calls from `main`
    let window = if head.window.is_empty() {
        "main"
    } else {
        head.window
    };
    let Ok(window) = Name::new(window) else {
        return;
    };
    let fs = PluginPermissions::from_toml("fs", FS_PERMISSIONS).expect("FS_PERMISSIONS parse");
    let Ok(app) = App::builder()
        .local_origins([APP_ORIGIN])
        .permissions(fs)
        .capability(cap)
        .build()
    else {
        return;
    };
    let scope = scope_of(text, toml);
    for origin in [head.origin, APP_ORIGIN] {
        let caller = Caller {
            window: window.clone(),
            origin: origin.to_owned(),
            top_frame: !iframe,
        };
        let session = app.session(caller, Arc::new(Nowhere));
        let grants = session.grants();
        session.close();
        if grants.is_empty() {
            continue;
        }
        assert!(!iframe || scope.iframes, "an iframe got {grants:?}");
        assert!(
            scope.windows.iter().any(|w| glob(w, window.as_str())),
            "window {window} got {grants:?}"
        );
        if scope.origins.is_empty() {
            assert_eq!(origin, APP_ORIGIN, "origin {origin:?} got {grants:?}");
        } else {
            assert!(
                scope.origins.iter().any(|o| o == origin),
                "origin {origin:?} got {grants:?}"
            );
        }
        for g in &grants {
            let via_fs = scope
                .permissions
                .iter()
                .any(|p| fs_patterns(p).contains(&g.as_str()));
            assert!(
                scope.permissions.contains(g) || via_fs,
                "{g} granted, not written"
            );
        }
        if std::env::var_os("FUZZ_SHOW_GRANTS").is_some() {
            eprintln!("{window} {origin}: {grants:?}");
        }
    }
}

/// Build an app from a plugin's declarations and a capability granting each of them: what
/// the main window gets is only what the declarations say.
fn check_declared(perms: &PluginPermissions, head: &Head<'_>) {
    let mut declared: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for def in perms.defs() {
        names.push(format!("fuzz:{}", def.name()));
        declared.extend(
            def.granted_methods()
                .iter()
                .map(|m| format!("plugin:fuzz.{m}")),
        );
        declared.extend(def.granted_listen().iter().map(|t| format!("event:{t}")));
        declared.extend(def.granted_emit().iter().map(|t| format!("emit:{t}")));
    }
    // rebuilt: `permissions` takes the declarations by value
    let mut again = PluginPermissions::new("fuzz");
    for def in perms.defs() {
        again = again.permission(def.clone());
    }
    let cap = Capability::new("fuzz").windows(["main"]).allow(names);
    let Ok(app) = App::builder()
        .local_origins([APP_ORIGIN])
        .permissions(again)
        .capability(cap)
        .build()
    else {
        return;
    };
    let session = app.session(Caller::new("main", APP_ORIGIN), Arc::new(Nowhere));
    let grants = session.grants();
    session.close();
    if std::env::var_os("FUZZ_SHOW_GRANTS").is_some() {
        eprintln!("main (declared): {grants:?}");
    }
    for g in &grants {
        assert!(declared.contains(g), "{g} granted, not declared");
        check_pattern(g, head);
    }
}

fuzz_target!(|data: &[u8]| {
    let [flags, head_len, rest @ ..] = data else {
        return;
    };
    let (head, file) = rest.split_at(usize::from(*head_len).min(rest.len()));
    let head = Head::arbitrary_take_rest(Unstructured::new(head)).unwrap_or_default();
    let Ok(text) = std::str::from_utf8(file) else {
        return;
    };
    let toml = flags & 1 != 0;
    let iframe = flags & 4 != 0;
    check_pattern(head.pattern, &head);

    if flags & 2 != 0 {
        if let Ok(perms) = PluginPermissions::from_toml("fuzz", text) {
            check_declared(&perms, &head);
            for def in perms.defs() {
                for entry in def.granted_methods() {
                    check_pattern(&format!("plugin:fuzz.{entry}"), &head);
                }
                for entry in def.granted_listen() {
                    check_pattern(&format!("event:{entry}"), &head);
                }
                for entry in def.granted_emit() {
                    check_pattern(&format!("emit:{entry}"), &head);
                }
            }
        }
        return;
    }
    // the parser reads files: a file in a fresh folder of the fuzzer's own
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().expect("a temporary folder");
    }
    let path = DIR.with(|d| d.path().join(if toml { "cap.toml" } else { "cap.json" }));
    std::fs::write(&path, file).expect("writing the capability file");
    let Ok(cap) = Capability::from_file(&path) else {
        return;
    };
    for grant in cap.grants() {
        check_pattern(grant.identifier(), &head);
    }
    check_app(cap, text, toml, &head, iframe);
});
