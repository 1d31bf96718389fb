//! `switchboard.toml` as a user meets it: the committed JSON Schema is current, and a broken
//! file is refused with its path, line and column, what is wrong and what is accepted.

use std::path::Path;
use std::process::Command;

const SWITCHBOARD: &str = env!("CARGO_BIN_EXE_switchboard");

/// Run `switchboard <args>` in `dir`: (success, stdout, stderr).
fn switchboard(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(SWITCHBOARD)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("running switchboard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_committed_schema_is_current() {
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("switchboard.schema.json"),
    )
    .expect("cli/switchboard.schema.json");
    let (ok, fresh, _) = switchboard(Path::new("."), &["schema"]);
    assert!(ok);
    assert!(
        committed == fresh,
        "cli/switchboard.schema.json is stale: run `cargo run -p switchboard-cli -- schema > cli/switchboard.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&fresh).unwrap();
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown top-level keys are refused"
    );
    assert!(schema["properties"]["windows"].is_object());
}

fn broken(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("switchboard.toml"), text).unwrap();
    let (ok, _, stderr) = switchboard(dir.path(), &["build"]);
    assert!(!ok, "a broken config must fail");
    stderr.replace(
        &dir.path().canonicalize().unwrap().display().to_string(),
        "<dir>",
    )
}

const GOOD: &str = "name = \"demo\"\nidentifier = \"com.example.demo\"\n";

#[test]
fn an_unknown_key_is_named_with_its_line_column_and_the_accepted_keys() {
    let stderr = broken(&format!(
        "{GOOD}[[windows]]\nlabel = \"main\"\ntitel = \"Demo\"\n"
    ));
    assert!(
        stderr.contains("error: <dir>/switchboard.toml:5:1: unknown field `titel`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`title`"),
        "the accepted keys are listed: {stderr}"
    );
    assert!(
        stderr.contains("5 | titel = \"Demo\""),
        "the line is shown: {stderr}"
    );
    assert!(stderr.contains("next:"), "a next step is given: {stderr}");
}

#[test]
fn a_bad_value_is_named_with_the_accepted_values() {
    let stderr = broken(&format!("{GOOD}[bundle]\ncategory = \"Toys\"\n"));
    assert!(
        stderr.contains("switchboard.toml:4:12: unknown variant `Toys`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`Utility`") && stderr.contains("`Development`"),
        "{stderr}"
    );

    let stderr = broken(&format!("{GOOD}[[windows]]\nlabel = \"main window\"\n"));
    assert!(
        stderr.contains("switchboard.toml:4:9: invalid window label `main window`"),
        "{stderr}"
    );

    let stderr = broken("name = \"demo\"\nidentifier = \"demo\"\n");
    assert!(
        stderr.contains("switchboard.toml:2:14: invalid identifier `demo`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("com.example.demo"),
        "an example is given: {stderr}"
    );

    let stderr = broken(&format!(
        "{GOOD}[[windows]]\nlabel = \"main\"\nwidth = -3\n"
    ));
    assert!(
        stderr.contains("switchboard.toml:5:9: invalid size -3"),
        "{stderr}"
    );

    let stderr = broken(&format!("{GOOD}[frontend]\ndev_url = 5173\n"));
    assert!(
        stderr.contains("switchboard.toml:4:11: invalid type: integer `5173`; expected a string"),
        "{stderr}"
    );
}

#[test]
fn a_folder_without_config_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = switchboard(dir.path(), &["info"]);
    assert!(!ok);
    assert!(stderr.contains("no switchboard.toml in"), "{stderr}");
    assert!(stderr.contains("switchboard new <name>"), "{stderr}");
}

#[test]
fn doctor_names_each_missing_piece_with_the_command_that_installs_it() {
    // nothing on the PATH: everything is missing
    let out = Command::new(SWITCHBOARD)
        .arg("doctor")
        .env("PATH", "")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("missing  WebKitGTK 4.1"), "{stderr}");
    assert!(
        stderr.contains("apt-get install -y libwebkit2gtk-4.1-dev"),
        "{stderr}"
    );
    assert!(stderr.contains("apt-get install -y xvfb xauth"), "{stderr}");
    assert!(stderr.contains("https://sh.rustup.rs"), "{stderr}");
    assert!(
        stderr.contains("next: run: "),
        "one command for everything: {stderr}"
    );

    // this machine builds and runs apps (the other tests need it)
    let (ok, _, stderr) = switchboard(Path::new("."), &["doctor"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("ok       WebKitGTK 4.1"), "{stderr}");
}
