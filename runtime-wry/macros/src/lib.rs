//! # switchboard-runtime-wry-macros
//!
//! The `assets!` macro, re-exported as `switchboard_runtime_wry::assets!`: it walks a folder
//! (relative to the calling crate's `Cargo.toml`) at build time and expands to a
//! `switchboard_runtime_wry::Assets` whose files are embedded with `include_bytes!`, so
//! editing a file rebuilds the app. Adding or removing a file needs a `touch` of the
//! calling source file (proc macros cannot watch folders on stable Rust).
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::path::{Path, PathBuf};

use proc_macro::{Literal, TokenStream, TokenTree};

/// Embeds every file under a folder as a `switchboard_runtime_wry::Assets`.
///
/// `assets!("frontend")` reads `<CARGO_MANIFEST_DIR>/frontend` recursively; each file is
/// served at its path relative to the folder, with `/` separators. Hidden files (a name
/// starting with `.`) are skipped.
#[proc_macro]
pub fn assets(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(message) => format!("::core::compile_error!({message:?})")
            .parse()
            .unwrap_or_default(),
    }
}

fn expand(input: TokenStream) -> Result<TokenStream, String> {
    let folder = folder_argument(input)?;
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "assets!: CARGO_MANIFEST_DIR is not set (build with cargo)".to_owned())?;
    let root = Path::new(&manifest).join(&folder);
    if !root.is_dir() {
        return Err(format!("assets!: `{}` is not a folder", root.display()));
    }
    let mut files = Vec::new();
    walk(&root, &root, &mut files)?;
    files.sort();
    let mut entries = String::new();
    for (name, path) in &files {
        let path = path
            .to_str()
            .ok_or_else(|| format!("assets!: path `{}` is not UTF-8", path.display()))?;
        entries.push_str(&format!(
            "({name:?}, ::core::include_bytes!({path:?}) as &[u8]),"
        ));
    }
    format!("::switchboard_runtime_wry::Assets::from_static(&[{entries}])")
        .parse()
        .map_err(|e| format!("assets!: {e}"))
}

fn folder_argument(input: TokenStream) -> Result<String, String> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let literal: Option<&Literal> = match tokens.as_slice() {
        [TokenTree::Literal(lit)] => Some(lit),
        [TokenTree::Group(group)] => {
            // macro_rules! forwarding wraps the argument in an invisible group
            let inner: Vec<TokenTree> = group.stream().into_iter().collect();
            return match inner.as_slice() {
                [TokenTree::Literal(lit)] => unquote(&lit.to_string()),
                _ => Err(USAGE.to_owned()),
            };
        }
        _ => None,
    };
    let literal = literal.ok_or_else(|| USAGE.to_owned())?;
    unquote(&literal.to_string())
}

const USAGE: &str = "assets!: expected one string literal, the folder: assets!(\"frontend\")";

fn unquote(text: &str) -> Result<String, String> {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| USAGE.to_owned())?;
    if inner.contains('\\') {
        return Err("assets!: write the folder without escapes".to_owned());
    }
    Ok(inner.to_owned())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("assets!: reading `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("assets!: reading `{}`: {e}", dir.display()))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if path.is_file() {
            let relative = path
                .strip_prefix(root)
                .map_err(|e| format!("assets!: {e}"))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((relative, path));
        }
    }
    Ok(())
}
