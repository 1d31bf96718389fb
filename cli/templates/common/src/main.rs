//! {{product_name}}: opens the windows of switchboard.toml and runs the app.
//! `SWITCHBOARD_BINDINGS=<path>` writes the TypeScript bindings instead (what
//! `switchboard bindings` does).
#![forbid(unsafe_code)]

use switchboard::bindings::Bindings;
use switchboard::App;
use switchboard_runtime_wry::WryRuntime;
use {{crate_name}}::{api, CONFIG};

fn main() {
    if let Some(path) = switchboard::bindings::requested() {
        let written = api(App::builder())
            .build()
            .map_err(|e| e.to_string())
            .and_then(|app| {
                Bindings::new(&app)
                    .import_from("./client")
                    .export(&path)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = written {
            eprintln!("{}: {e}", CONFIG.name);
            std::process::exit(1);
        }
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = WryRuntime::from_config(&CONFIG);
    let app = api(CONFIG.builder(&runtime)).build().unwrap_or_else(|e| {
        eprintln!("{}: {e}", CONFIG.name);
        std::process::exit(1)
    });
    runtime.run(app);
}
