//! A second launch's arguments reach the first instance as an event, over the real socket.
//! (Two real processes: `plugins/desktop-tests`.)

use std::path::Path;
use std::time::Duration;

use switchboard::{args, App, Capability};
use switchboard_plugin_single_instance::{Launch, Launched, SingleInstance};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_hands_its_arguments_to_the_first() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let dir = std::env::temp_dir().join(format!("switchboard-si-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("app.sock");
        // a crashed instance left its socket file behind
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        assert!(socket.exists());

        let Launch::Primary(instance) = SingleInstance::new("x").at(&socket).acquire().unwrap()
        else {
            panic!("the stale socket should have been replaced");
        };
        let app = App::builder()
            .plugin(instance.plugin())
            .capability(
                Capability::new("main")
                    .windows(["main"])
                    .allow(["single-instance:default"]),
            )
            .build()
            .unwrap();
        let main = app.test_client("main");
        let mut heard = main.subscribe("single-instance/launched").await.unwrap();
        instance.forward_to(&app);

        let second = tokio::task::spawn_blocking(move || {
            SingleInstance::new("x")
                .at(&socket)
                .args(vec!["--open".into(), "notes.md".into()])
                .acquire()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(matches!(second, Launch::Forwarded));
        let launched: Launched = heard.next().await.unwrap().decode().unwrap();
        assert_eq!(launched.args, vec!["--open", "notes.md"]);
        assert_eq!(
            launched.cwd,
            std::env::current_dir().unwrap().display().to_string()
        );
        let all: Vec<Launched> = main
            .invoke("plugin:single-instance", "launches", &args! {})
            .await
            .unwrap();
        assert_eq!(all, vec![launched]);
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await
    .expect("the test timed out")
}

#[test]
fn the_readme_lists_every_permission() {
    let dir = std::env::temp_dir().join(format!("switchboard-si-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let Launch::Primary(instance) = SingleInstance::new("x")
        .at(dir.join("readme.sock"))
        .acquire()
        .unwrap()
    else {
        panic!("nobody else uses this socket")
    };
    let app = App::builder().plugin(instance.plugin()).build().unwrap();
    let table = switchboard::permission::markdown_table(app.permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}\n"
    );
}
