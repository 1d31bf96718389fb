//! Embeds the JS client's IIFE bundle (`js/switchboard.iife.js`, written by the
//! js-client build) as the init script of every webview. When the bundle is missing the
//! runtime still builds, with an init script that reports the missing client in the page's
//! console, and cargo prints a warning saying how to build it.

use std::path::Path;

fn main() {
    let bundle = Path::new("js/switchboard.iife.js");
    println!("cargo:rerun-if-changed=js/switchboard.iife.js");
    println!("cargo:rerun-if-changed=js");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target = Path::new(&out).join("switchboard.iife.js");
    let text = match std::fs::read_to_string(bundle) {
        Ok(text) => text,
        Err(_) => {
            println!(
                "cargo:warning=runtime-wry/js/switchboard.iife.js is missing: pages get no \
                 `window.switchboard` (build it with `npm run build` in js-client/)"
            );
            "console.error('switchboard: the JS client bundle was missing when this app was \
             built (runtime-wry/js/switchboard.iife.js)');"
                .to_owned()
        }
    };
    if let Err(e) = std::fs::write(&target, text) {
        panic!("writing {}: {e}", target.display());
    }
}
