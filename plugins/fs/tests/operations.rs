//! What the fs plugin does, on real files through the in-process client.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_bytes::ByteBuf;
use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, Grant};
use switchboard_plugin_fs::{
    DirEntry, FsChange, FsError, FsPlugin, Kind, Metadata, MAX_WHOLE_FILE,
};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .expect("the test timed out")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-fs-ops-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn app(root: &Path) -> App {
    App::builder()
        .plugin(FsPlugin::new("dev", "switchboard", "fs-tests").variable("ROOT", root))
        .capability(
            Capability::new("main")
                .windows(["main", "other"])
                .grant(Grant::new("fs:allow-read").allow_scope("$ROOT/**"))
                .grant(Grant::new("fs:allow-write").allow_scope("$ROOT/**"))
                .grant(Grant::new("fs:allow-watch").allow_scope("$ROOT/**")),
        )
        .capability(
            Capability::new("reader")
                .windows(["reader"])
                .grant(Grant::new("fs:allow-read").allow_scope("$ROOT/**")),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_and_folders_round_trip() {
    within(async {
        let root = dir("roundtrip");
        let app = app(&root);
        let main = app.test_client("main");
        main.invoke::<()>(
            "plugin:fs",
            "create_dir",
            &args! { path: "$ROOT/a/b", recursive: true },
        )
        .await
        .unwrap();
        main.invoke::<()>(
            "plugin:fs",
            "write_text",
            &args! { path: "$ROOT/a/b/t.txt", contents: "héllo" },
        )
        .await
        .unwrap();
        main.invoke::<()>(
            "plugin:fs",
            "write_bytes",
            &args! { path: "$ROOT/a/bin", contents: ByteBuf::from(vec![0u8, 1, 255]) },
        )
        .await
        .unwrap();
        let text: String = main
            .invoke("plugin:fs", "read_text", &args! { path: "$ROOT/a/b/t.txt" })
            .await
            .unwrap();
        assert_eq!(text, "héllo");
        let bytes: ByteBuf = main
            .invoke("plugin:fs", "read_bytes", &args! { path: "$ROOT/a/bin" })
            .await
            .unwrap();
        assert_eq!(bytes.as_slice(), [0, 1, 255]);
        let err = main
            .invoke::<String>("plugin:fs", "read_text", &args! { path: "$ROOT/a/bin" })
            .await
            .unwrap_err();
        assert_eq!(err.data::<serde_json::Value>().unwrap()["kind"], "not_text");

        let stat: Metadata = main
            .invoke("plugin:fs", "stat", &args! { path: "$ROOT/a/b/t.txt" })
            .await
            .unwrap();
        assert_eq!((stat.kind, stat.size), (Kind::File, 6));
        let list: Vec<DirEntry> = main
            .invoke("plugin:fs", "list", &args! { path: "$ROOT/a" })
            .await
            .unwrap();
        let names: Vec<_> = list.iter().map(|e| (e.name.as_str(), e.kind)).collect();
        assert_eq!(names, [("b", Kind::Dir), ("bin", Kind::File)]);

        let n: u64 = main
            .invoke(
                "plugin:fs",
                "copy",
                &args! { from: "$ROOT/a/b/t.txt", to: "$ROOT/c.txt" },
            )
            .await
            .unwrap();
        assert_eq!(n, 6);
        main.invoke::<()>(
            "plugin:fs",
            "rename",
            &args! { from: "$ROOT/c.txt", to: "$ROOT/d.txt" },
        )
        .await
        .unwrap();
        let exists = |p: &'static str| {
            let main = main.clone();
            async move {
                main.invoke::<bool>("plugin:fs", "exists", &args! { path: p })
                    .await
                    .unwrap()
            }
        };
        assert!(!exists("$ROOT/c.txt").await);
        assert!(exists("$ROOT/d.txt").await);
        main.invoke::<()>(
            "plugin:fs",
            "remove",
            &args! { path: "$ROOT/a", recursive: true },
        )
        .await
        .unwrap();
        assert!(!exists("$ROOT/a").await);
        let err = main
            .invoke::<String>("plugin:fs", "read_text", &args! { path: "$ROOT/a/b/t.txt" })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::App);
        assert_eq!(
            err.data::<serde_json::Value>().unwrap(),
            serde_json::json!({ "kind": "not_found", "path": "$ROOT/a/b/t.txt" })
        );
        // no temporary file is left behind by the atomic writes
        let left: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["d.txt"]);

        // a read-only window cannot write
        let reader = app.test_client("reader");
        let err = reader
            .invoke::<()>(
                "plugin:fs",
                "write_text",
                &args! { path: "$ROOT/x", contents: "x" },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert!(!root.join("x").exists());
        let _: FsError = FsError::NotFound {
            path: String::new(),
        };
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_never_sees_a_half_written_file() {
    within(async {
        let root = dir("atomic");
        let app = app(&root);
        let main = app.test_client("main");
        let size = MAX_WHOLE_FILE as usize;
        let a = "a".repeat(size);
        let b = "b".repeat(size);
        main.invoke::<()>(
            "plugin:fs",
            "write_text",
            &args! { path: "$ROOT/f", contents: a.clone() },
        )
        .await
        .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let path = root.join("f");
        let reader = {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut reads = 0u32;
                while !done.load(Ordering::SeqCst) || reads == 0 {
                    let text = std::fs::read(&path).unwrap();
                    assert_eq!(
                        text.len(),
                        size,
                        "a short read: the file was rewritten in place"
                    );
                    assert!(
                        text.iter().all(|&c| c == text[0]),
                        "a mixed read: the file was rewritten in place"
                    );
                    reads += 1;
                }
                reads
            })
        };
        for i in 0..40 {
            let contents = if i % 2 == 0 { &b } else { &a };
            main.invoke::<()>(
                "plugin:fs",
                "write_text",
                &args! { path: "$ROOT/f", contents: contents.clone() },
            )
            .await
            .unwrap();
        }
        done.store(true, Ordering::SeqCst);
        assert!(reader.join().unwrap() > 0);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_stream_both_ways_under_credit() {
    within(async {
        let root = dir("streams");
        let app = app(&root);
        let main = app.test_client("main");
        let big: Vec<u8> = (0..3 * MAX_WHOLE_FILE as usize + 5)
            .map(|i| (i % 251) as u8)
            .collect();

        // up: in chunks, nothing at the target until the commit
        let id: u32 = main
            .invoke("plugin:fs", "write_begin", &args! { path: "$ROOT/big.bin" })
            .await
            .unwrap();
        for part in big.chunks(512 * 1024) {
            main.invoke::<u64>(
                "plugin:fs",
                "write_chunk",
                &args! { id: id, bytes: ByteBuf::from(part.to_vec()) },
            )
            .await
            .unwrap();
            assert!(!root.join("big.bin").exists());
        }
        // another window cannot touch this upload
        let err = app
            .test_client("other")
            .invoke::<u64>("plugin:fs", "write_commit", &args! { id: id })
            .await
            .unwrap_err();
        assert_eq!(
            err.data::<serde_json::Value>().unwrap()["kind"],
            "unknown_upload"
        );
        let size: u64 = main
            .invoke("plugin:fs", "write_commit", &args! { id: id })
            .await
            .unwrap();
        assert_eq!(size, big.len() as u64);

        // a whole read of it is refused, pointing at the stream
        let err = main
            .invoke::<ByteBuf>("plugin:fs", "read_bytes", &args! { path: "$ROOT/big.bin" })
            .await
            .unwrap_err();
        assert_eq!(
            err.data::<serde_json::Value>().unwrap()["kind"],
            "too_large"
        );

        // down: chunks arrive only as credit is granted
        let mut stream = main
            .stream::<ByteBuf>(
                "plugin:fs",
                "read_stream",
                &args! { path: "$ROOT/big.bin", chunk_size: 256 * 1024 },
                2,
            )
            .await
            .unwrap();
        let mut got = Vec::new();
        while let Some(chunk) = stream.next().await {
            got.extend_from_slice(&chunk.unwrap());
            stream.credit(1).await.unwrap();
        }
        assert_eq!(got.len(), big.len());
        assert!(got == big);
        assert_eq!(stream.sent(), Some(13));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_changes_to_the_watching_window_only() {
    within(async {
        let root = dir("watch");
        let app = app(&root);
        let main = app.test_client("main");
        let other = app.test_client("other");
        let mut changes = main.subscribe("fs/changed").await.unwrap();
        let mut elsewhere = other.subscribe("fs/changed").await.unwrap();
        let id: u32 = main
            .invoke("plugin:fs", "watch", &args! { path: "$ROOT" })
            .await
            .unwrap();
        std::fs::write(root.join("seen.txt"), "x").unwrap();
        let change: FsChange = loop {
            let change: FsChange = changes.next().await.unwrap().decode().unwrap();
            if change.paths.iter().any(|p| p.ends_with("seen.txt")) {
                break change;
            }
        };
        assert_eq!(change.watch, id);
        // the other window's subscription was offered the same publish: it got nothing
        assert!(elsewhere.try_next().is_none());
        assert!(main
            .invoke::<bool>("plugin:fs", "unwatch", &args! { id: id })
            .await
            .unwrap());
        assert!(!main
            .invoke::<bool>("plugin:fs", "unwatch", &args! { id: id })
            .await
            .unwrap());
    })
    .await
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder()
        .plugin(FsPlugin::new("dev", "switchboard", "fs-tests"))
        .build()
        .unwrap();
    let table = switchboard::permission::markdown_table(app.permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}"
    );
    let ts = switchboard::bindings::Bindings::new(&app)
        .typescript()
        .unwrap();
    assert!(ts.contains("fsChanged: {"), "{ts}");
    assert!(ts.contains("export type FsChange = "), "{ts}");
}
