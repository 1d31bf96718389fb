//! The store's durability guarantee, tested by killing a real process (SIGKILL): this test
//! binary runs itself again as the child (the `child` test, which does nothing unless
//! `SWITCHBOARD_STORE_CHILD` is set), reads its progress from stdout, and kills it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rmpv::Value;
use switchboard::{args, App, Capability};
use switchboard_plugin_store::{decode, StorePlugin};

const CHILD: &str = "SWITCHBOARD_STORE_CHILD";
const DIR: &str = "SWITCHBOARD_STORE_DIR";
/// Keys written each generation; with `VALUE` bytes each, a store file of ~2 MiB, so a kill
/// often lands in the middle of a write.
const KEYS: usize = 64;
const VALUE: usize = 32 * 1024;

/// The child's side. A no-op in a normal test run.
#[test]
fn child() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR).unwrap());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let mut plugin = StorePlugin::new(&dir).debounce(Duration::from_secs(3600));
            if mode == "stop-mid-write" {
                // the second save stops halfway through its write, until it is killed
                let writes = std::sync::atomic::AtomicU32::new(0);
                plugin = plugin.on_mid_write(move |_| {
                    if writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                        println!("CHILD mid-write");
                        loop {
                            std::thread::park();
                        }
                    }
                });
            }
            let app = App::builder()
                // a debounce that never fires while the child lives
                .plugin(plugin)
                .capability(
                    Capability::new("main")
                        .windows(["main"])
                        .allow(["store:default"]),
                )
                .build()
                .unwrap();
            let main = app.test_client("main");
            let set_generation = |generation: u64| {
                let main = main.clone();
                async move {
                    for k in 0..KEYS {
                        let value = format!("{generation}:{}", "x".repeat(VALUE));
                        main.invoke::<()>(
                            "plugin:store",
                            "set",
                            &args! { store: "state", key: format!("k{k:03}"), value: value },
                        )
                        .await
                        .unwrap();
                    }
                    main.invoke::<()>(
                        "plugin:store",
                        "set",
                        &args! { store: "state", key: "generation", value: generation },
                    )
                    .await
                    .unwrap();
                }
            };
            let save = || {
                let main = main.clone();
                async move {
                    main.invoke::<()>("plugin:store", "save", &args! { store: "state" })
                        .await
                        .unwrap()
                }
            };
            match mode.as_str() {
                "set-after-save" => {
                    set_generation(1).await;
                    save().await;
                    println!("CHILD saved 1");
                    set_generation(2).await;
                    println!("CHILD set 2");
                }
                "stop-mid-write" => {
                    set_generation(1).await;
                    save().await;
                    println!("CHILD saved 1");
                    set_generation(2).await;
                    save().await;
                    unreachable!("the second save stops halfway");
                }
                "hammer" => {
                    for generation in 1.. {
                        set_generation(generation).await;
                        save().await;
                        println!("CHILD saved {generation}");
                    }
                }
                other => panic!("unknown child mode {other}"),
            }
            // wait to be killed
            std::future::pending::<()>().await;
        });
}

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(mode: &str, dir: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child", "--nocapture", "--test-threads=1"])
            .env(CHILD, mode)
            .env(DIR, dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest may print `test child ... ` on the same line first
                if let Some((_, progress)) = line.split_once("CHILD ") {
                    if tx.send(progress.to_owned()).is_err() {
                        return;
                    }
                }
            }
        });
        Running { child, lines }
    }

    /// The child's next progress line; the test fails if none comes within a minute.
    fn next(&mut self) -> String {
        match self.lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.kill();
                panic!("the child said nothing more: {e}");
            }
        }
    }

    /// SIGKILL, and reap.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-store-durability-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The generation the store file holds, after checking that it is whole and that every key
/// is of that one generation.
fn consistent_generation(dir: &Path) -> u64 {
    let bytes = std::fs::read(dir.join("state.msgpack")).unwrap();
    let map =
        decode(&bytes).unwrap_or_else(|e| panic!("a torn store file ({} bytes): {e}", bytes.len()));
    let generation = map["generation"].as_u64().unwrap();
    assert_eq!(map.len(), KEYS + 1);
    for k in 0..KEYS {
        let Value::String(text) = &map[&format!("k{k:03}")] else {
            panic!("k{k:03} is not text")
        };
        let text = text.as_str().unwrap();
        assert!(
            text.starts_with(&format!("{generation}:")),
            "k{k:03} is of another generation than {generation}: the file mixes two writes"
        );
    }
    generation
}

#[test]
fn killed_between_set_and_the_debounce_the_saved_state_survives_whole() {
    let dir = fresh_dir("debounce");
    let mut child = Running::start("set-after-save", &dir);
    assert_eq!(child.next(), "saved 1");
    assert_eq!(child.next(), "set 2");
    child.kill();
    // the set after the save was in memory only: lost, and nothing half-written
    assert_eq!(consistent_generation(&dir), 1);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, ["state.msgpack"]);
}

#[test]
fn killed_halfway_through_a_write_the_file_is_the_previous_version() {
    let dir = fresh_dir("mid-write");
    let mut child = Running::start("stop-mid-write", &dir);
    assert_eq!(child.next(), "saved 1");
    assert_eq!(child.next(), "mid-write");
    child.kill();
    // half of generation 2 was on disk when the process died: not in the store file
    assert_eq!(consistent_generation(&dir), 1);
}

#[test]
fn killed_at_random_points_while_saving_the_file_is_never_torn() {
    for round in 0..4u64 {
        let dir = fresh_dir(&format!("hammer-{round}"));
        let mut child = Running::start("hammer", &dir);
        // let it save a few generations, then kill it while it is writing the next
        let mut saved = 0;
        for _ in 0..(2 + round) {
            let line = child.next();
            saved = line.strip_prefix("saved ").unwrap().parse::<u64>().unwrap();
        }
        child.kill();
        let generation = consistent_generation(&dir);
        assert!(
            generation >= saved,
            "saved generation {saved} was acknowledged but the file holds {generation}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_after_a_clean_drop_keeps_what_was_pending() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let dir = fresh_dir("drop");
        {
            let app = App::builder()
                .plugin(StorePlugin::new(&dir).debounce(Duration::from_secs(3600)))
                .capability(
                    Capability::new("main")
                        .windows(["main"])
                        .allow(["store:default"]),
                )
                .build()
                .unwrap();
            app.test_client("main")
                .invoke::<()>(
                    "plugin:store",
                    "set",
                    &args! { store: "s", key: "k", value: 7 },
                )
                .await
                .unwrap();
        }
        // the writer thread writes what is pending when the app (its last handle) is gone;
        // wait for the file rather than for time
        let path = dir.join("s.msgpack");
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while !path.exists() && std::time::Instant::now() < deadline {
                std::thread::yield_now();
            }
            let _ = tx.send(std::fs::read(&path).ok());
        });
        let bytes = rx.await.unwrap().expect("the pending write was lost");
        assert_eq!(decode(&bytes).unwrap()["k"], Value::from(7));
    })
    .await
    .unwrap();
}
