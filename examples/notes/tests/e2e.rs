//! The notes example end to end, in a real WebKitGTK window driven by WebKitWebDriver (under
//! a private Xvfb when `DISPLAY` is unset): the main flow through the UI (create, search,
//! export, theme), then each plugin — sql, fs, store, log, shell — called from the page
//! through the generated bindings. One app launch for all of it (CI has two cores).
//!
//! `NOTES_SCREENSHOT=<path.png>` also saves the window, mid-search, as the README's picture.

#[path = "../../../runtime-wry/e2e/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{serial, Driver};

const NOTES: &str = env!("CARGO_BIN_EXE_switchboard-example-notes");
const WAIT: Duration = Duration::from_secs(20);

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "switchboard-notes-e2e-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("creating {}: {e}", d.display()));
    d
}

/// Run `body` (an async function body using `plugins`, `errors` and `commands` from the page's
/// own generated bindings) in the page; answers what it returns, or `{ error, code }`.
fn in_page(driver: &Driver, body: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         import(new URL('bindings.js', location.href).href)
           .then(async ({{ plugins, errors, commands }}) => {{ {body} }})
           .then(done, (e) => done({{ error: String(e && e.message || e), code: e && e.code }}));"
    );
    driver.run_async(&script)
}

/// Wait for a file to hold `needle` (the log file is written by a writer thread).
fn wait_for_file(path: &Path, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never held {needle:?}:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn screenshot(driver: &Driver, to: &str) {
    use base64::Engine as _;
    let png = driver.call("GET", "/screenshot", None);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap_or_default())
        .unwrap_or_default();
    std::fs::write(to, bytes).unwrap_or_else(|e| panic!("writing {to}: {e}"));
}

#[test]
fn notes_create_search_export_and_every_plugin_from_the_page() {
    let _serial = serial();
    let data = dir("data");
    let docs = dir("docs");
    let opened = data.join("opened.txt");
    let opener = data.join("opener.sh");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&opener)
        .status()
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    let data_s = data.display().to_string();
    let docs_s = docs.display().to_string();
    let opener_s = opener.display().to_string();
    let driver = Driver::launch(
        NOTES,
        &[
            ("NOTES_DATA_DIR", &data_s),
            ("NOTES_DOCUMENTS_DIR", &docs_s),
            ("NOTES_OPENER", &opener_s),
            ("NOTES_E2E", "1"),
        ],
    );
    driver.wait_for(
        "the app to start",
        "return document.body.dataset.ready === '1';",
        WAIT,
    );
    let titles = "return [...document.querySelectorAll('#notes li[data-id] .note-title')].map(e => e.textContent).join('|');";
    assert_eq!(
        driver.run(titles),
        json!("Welcome to Notes|Groceries|Ideas for the trip"),
        "first run: the welcome notes"
    );

    // ---- create: a new note, typed, saved as you type
    driver.click("#new-note");
    driver.type_into("#title", "Camping checklist");
    driver.type_into("#body", "Headlamp, spare batteries, the blue tarp.");
    driver.wait_for(
        "the note to be saved",
        "return document.getElementById('status').textContent === 'Saved' && document.getElementById('title').value === 'Camping checklist';",
        WAIT,
    );
    driver.wait_for(
        "the new note on top of the list",
        "return document.querySelector('#notes li[data-id] .note-title').textContent === 'Camping checklist';",
        WAIT,
    );

    // ---- search: full-text, prefix, with the hits marked
    driver.type_into("#search", "headl");
    let found = driver.wait_for(
        "one match for `headl`",
        "return document.body.dataset.searched === 'headl' && [...document.querySelectorAll('#notes li[data-id]')].map(li => li.querySelector('.note-title').textContent + '/' + [...li.querySelectorAll('mark')].map(m => m.textContent).join(','));",
        WAIT,
    );
    assert_eq!(found, json!(["Camping checklist/Headlamp"]));
    driver.type_into("#search", "tarp tent");
    driver.wait_for(
        "the search to run",
        "return document.body.dataset.searched === 'tarp tent';",
        WAIT,
    );
    assert_eq!(
        driver.run("return document.getElementById('count').textContent;"),
        json!("0 matches")
    );
    driver.type_into("#search", "tent");
    let found = driver.wait_for(
        "one match for `tent`",
        "return document.body.dataset.searched === 'tent' && [...document.querySelectorAll('#notes li[data-id] .note-title')].map(e => e.textContent);",
        WAIT,
    );
    assert_eq!(found, json!(["Ideas for the trip"]));
    driver.click("#notes li[data-id]");
    driver.wait_for(
        "the found note in the editor",
        "return document.getElementById('title').value === 'Ideas for the trip';",
        WAIT,
    );
    if let Ok(path) = std::env::var("NOTES_SCREENSHOT") {
        screenshot(&driver, &path);
    }
    driver.type_into("#search", "");
    driver.wait_for(
        "the search to clear",
        "return document.body.dataset.searched === '';",
        WAIT,
    );

    // ---- export: every note, as Markdown, in the documents folder
    driver.click("#export");
    let shown = driver.wait_for(
        "the export",
        "return document.body.dataset.exported || '';",
        WAIT,
    );
    let exported = PathBuf::from(shown.as_str().unwrap_or_default());
    assert!(
        exported.starts_with(docs.join("Switchboard Notes")),
        "{}",
        exported.display()
    );
    let markdown = std::fs::read_to_string(&exported)
        .unwrap_or_else(|e| panic!("{}: {e}", exported.display()));
    assert!(
        markdown.contains("## Camping checklist\n\nHeadlamp, spare batteries, the blue tarp."),
        "{markdown}"
    );
    assert!(markdown.contains("## Groceries"), "{markdown}");
    assert!(markdown.contains("4 notes"), "{markdown}");

    // ---- settings: the theme, kept in the store
    driver.click("#theme");
    driver.wait_for(
        "the dark theme",
        "return document.body.classList.contains('dark');",
        WAIT,
    );
    let theme = in_page(
        &driver,
        "return await plugins.store.get('settings', 'theme');",
    );
    assert_eq!(theme, json!("dark"));

    // ---- each plugin from the page, through the generated bindings

    // sql: typed values, a named constraint error, a transaction dropped by the page
    let sql = in_page(
        &driver,
        "const [row] = await plugins.sql.select('notes', 'SELECT 9007199254740993 AS big, 42 AS small, x\\'00ff\\' AS blob, NULL AS absent', null, null);
         await plugins.sql.execute('notes', 'CREATE TABLE IF NOT EXISTS e2e (k TEXT UNIQUE)', null, null);
         await plugins.sql.execute('notes', 'INSERT INTO e2e (k) VALUES (?)', ['once'], null);
         let constraint = null;
         try { await plugins.sql.execute('notes', 'INSERT INTO e2e (k) VALUES (?)', ['once'], null); }
         catch (e) { if (errors.pluginSqlExecute(e)) constraint = e.data.kind + ':' + e.data.constraint; }
         const handle = plugins.sql.begin('notes');
         const tx = (await handle.next()).value;
         await plugins.sql.execute('notes', 'INSERT INTO e2e (k) VALUES (?)', ['draft'], tx);
         const inside = await plugins.sql.select('notes', 'SELECT COUNT(*) AS n FROM e2e', null, tx);
         await handle.return();
         await plugins.sql.execute('notes', 'INSERT INTO e2e (k) VALUES (?)', ['after'], null);
         const after = await plugins.sql.select('notes', 'SELECT k FROM e2e ORDER BY k', null, null);
         return { big: row.big, small: row.small, blob: row.blob instanceof Uint8Array ? Array.from(row.blob) : 'not bytes',
                  absent: row.absent, constraint, inside: inside[0].n, after: after.map(r => r.k) };",
    );
    assert_eq!(
        sql,
        json!({ "big": { "int64": "9007199254740993" }, "small": 42, "blob": [0, 255], "absent": null,
                "constraint": "constraint:unique", "inside": 2, "after": ["after", "once"] })
    );

    // fs: the export read back; the database file is outside the scope
    let fs = in_page(
        &driver,
        "const folder = await commands.exportFolder();
         const names = (await plugins.fs.list(folder.scoped)).map(e => e.name);
         const text = await plugins.fs.readText(folder.scoped + '/' + names[0]);
         let outside = null;
         try { await plugins.fs.readText('$APPDATA/databases/notes.sqlite3'); } catch (e) { outside = e.code; }
         return { names: names.length, camping: text.includes('Camping checklist'), outside };",
    );
    assert_eq!(
        fs,
        json!({ "names": 1, "camping": true, "outside": "forbidden" })
    );

    // store: typed values round trip; another store is forbidden
    let store = in_page(
        &driver,
        "await plugins.store.set('settings', 'e2e', { n: 3, tags: ['a'] });
         const back = await plugins.store.get('settings', 'e2e');
         let other = null;
         try { await plugins.store.get('secrets', 'k'); } catch (e) { other = e.code; }
         return { back, other };",
    );
    assert_eq!(
        store,
        json!({ "back": { "n": 3, "tags": ["a"] }, "other": "forbidden" })
    );

    // log: console.* and the log API land in tracing (and the file) with the window's label;
    // the page reads its own lines back
    let log = in_page(
        &driver,
        "console.warn('e2e console line', { n: 1 });
         await plugins.log.log('error', 'e2e log line', '/e2e');
         const lines = await plugins.log.recent(10);
         return lines.filter(l => l.message.startsWith('e2e')).map(l => l.level + ' ' + l.message);",
    );
    assert_eq!(
        log,
        json!(["warn e2e console line {\"n\":1}", "error e2e log line"])
    );
    let file = data.join("logs/notes.log");
    let text = wait_for_file(&file, "e2e log line");
    assert!(
        text.contains(
            "WARN webview: e2e console line {\"n\":1} window=main origin=app://localhost"
        ),
        "{text}"
    );

    // shell: https opens, file: is refused, a granted program runs with stdin and exit status
    let shell = in_page(
        &driver,
        "await plugins.shell.open('https://example.com/notes');
         let file = null;
         try { await plugins.shell.open('file:///etc/passwd'); } catch (e) { file = e.code; }
         let sh = null;
         try { for await (const _ of plugins.shell.spawn('sh', ['-c', 'id'])) {} } catch (e) { sh = e.code; }
         const run = plugins.shell.spawn('cat', null);
         const started = (await run.next()).value;
         await plugins.shell.write(started.id, new TextEncoder().encode('ping\\n'));
         const out = (await run.next()).value;
         await plugins.shell.closeStdin(started.id);
         let last = null;
         for await (const event of run) last = event;
         return { started: started.kind, out: new TextDecoder().decode(out.data), last, file, sh };",
    );
    assert_eq!(
        shell,
        json!({ "started": "started", "out": "ping\n", "last": { "kind": "exit", "code": 0, "signal": null },
                "file": "forbidden", "sh": "forbidden" })
    );
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap_or_default(),
        "https://example.com/notes\n"
    );
}
