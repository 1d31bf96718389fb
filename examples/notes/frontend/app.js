// The notes frontend. It reaches Rust only through the typed bindings generated from the app
// and its plugins (bindings.ts): notes in SQLite with full-text search (plugins.sql), settings
// in a store (plugins.store), export to the documents folder (plugins.fs), logs to the app's
// log file (plugins.log, and console.* through console-capture.js).
import { commands, errors, events, plugins } from "./bindings.js";
const DB = "notes";
const SETTINGS = "settings";
const state = {
    notes: [],
    selected: null,
    query: "",
    sort: "updated",
    theme: "light",
    exportFolder: null,
};
function byId(id) {
    const found = document.getElementById(id);
    if (!found)
        throw new Error(`no #${id} in the page`);
    return found;
}
const ui = {
    list: byId("notes"),
    count: byId("count"),
    search: byId("search"),
    sort: byId("sort"),
    empty: byId("empty"),
    note: byId("note"),
    title: byId("title"),
    body: byId("body"),
    status: byId("status"),
    toast: byId("toast"),
    theme: byId("theme"),
};
// ---- values from SQLite -------------------------------------------------------------------
function num(v) {
    if (typeof v === "number")
        return v;
    if (v !== null && typeof v === "object" && "int64" in v)
        return Number(v.int64);
    return 0;
}
function text(v) {
    return typeof v === "string" ? v : "";
}
/** The search box's words as an FTS5 query: each word a quoted prefix (`"tent"*`), so what
 * the user types is never FTS syntax. */
function ftsQuery(input) {
    return input
        .split(/\s+/)
        .map((w) => w.replace(/"/g, ""))
        .filter((w) => w.length > 0)
        .map((w) => `"${w}"*`)
        .join(" ");
}
// ---- the database ------------------------------------------------------------------------
async function loadNotes() {
    const order = state.sort === "title" ? "title COLLATE NOCASE, updated_ms DESC" : "updated_ms DESC";
    const query = ftsQuery(state.query);
    const rows = query
        ? await plugins.sql.select(DB, `SELECT n.id, n.title, n.body, n.updated_ms,
                snippet(notes_fts, -1, char(1), char(2), '…', 12) AS snippet
           FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
          WHERE notes_fts MATCH ?
          ORDER BY rank`, [query], null)
        : await plugins.sql.select(DB, `SELECT id, title, body, updated_ms FROM notes ORDER BY ${order}`, null, null);
    state.notes = rows.map((r) => ({
        id: num(r["id"]),
        title: text(r["title"]),
        body: text(r["body"]),
        updated: num(r["updated_ms"]),
        snippet: r["snippet"] === undefined ? null : text(r["snippet"]),
    }));
    renderList();
}
async function createNote(title = "", body = "") {
    const now = Date.now();
    const done = await plugins.sql.execute(DB, "INSERT INTO notes (title, body, created_ms, updated_ms) VALUES (?, ?, ?, ?)", [title, body, now, now], null);
    return num(done.last_insert_id);
}
async function saveNote(id, title, body) {
    await plugins.sql.execute(DB, "UPDATE notes SET title = ?, body = ?, updated_ms = ? WHERE id = ?", [title, body, Date.now(), id], null);
}
async function deleteNote(id) {
    await plugins.sql.execute(DB, "DELETE FROM notes WHERE id = ?", [id], null);
}
// ---- rendering ---------------------------------------------------------------------------
const dateFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
function when(ms) {
    const d = new Date(ms);
    const today = new Date();
    return d.toDateString() === today.toDateString() ? timeFormat.format(d) : dateFormat.format(d);
}
/** Append `snippet` to `into`, the hits (between \u0001 and \u0002) as <mark>, as text only. */
function appendSnippet(into, snippet) {
    const parts = snippet.split(/(\u0001[^\u0002]*\u0002)/);
    for (const part of parts) {
        if (part.startsWith("\u0001")) {
            const mark = document.createElement("mark");
            mark.textContent = part.slice(1, -1);
            into.appendChild(mark);
        }
        else if (part) {
            into.appendChild(document.createTextNode(part));
        }
    }
}
function firstLine(body) {
    return body.split("\n").find((l) => l.trim().length > 0)?.trim() ?? "No additional text";
}
function renderList() {
    ui.list.replaceChildren();
    const n = state.notes.length;
    ui.count.textContent = state.query
        ? `${n} ${n === 1 ? "match" : "matches"}`
        : n === 0
            ? "No notes"
            : `${n} ${n === 1 ? "note" : "notes"}`;
    if (n === 0) {
        const li = document.createElement("li");
        li.className = "nothing";
        li.textContent = state.query ? `Nothing matches “${state.query}”.` : "No notes yet.";
        ui.list.appendChild(li);
        return;
    }
    for (const note of state.notes) {
        const li = document.createElement("li");
        li.dataset["id"] = String(note.id);
        if (note.id === state.selected)
            li.classList.add("selected");
        const title = document.createElement("div");
        title.className = note.title.trim() ? "note-title" : "note-title untitled";
        title.textContent = note.title.trim() || "Untitled";
        const snippet = document.createElement("div");
        snippet.className = "note-snippet";
        if (note.snippet)
            appendSnippet(snippet, note.snippet);
        else
            snippet.textContent = firstLine(note.body);
        const date = document.createElement("div");
        date.className = "note-date";
        date.textContent = when(note.updated);
        li.append(title, snippet, date);
        li.addEventListener("click", () => select(note.id));
        ui.list.appendChild(li);
    }
}
function showEditor(note) {
    ui.empty.hidden = note !== null;
    ui.note.hidden = note === null;
    if (note) {
        ui.title.value = note.title;
        ui.body.value = note.body;
        ui.status.textContent = `Edited ${when(note.updated)}`;
    }
}
let toastTimer;
function toast(message, kind = "info") {
    ui.toast.textContent = message;
    ui.toast.classList.toggle("error", kind === "error");
    ui.toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => (ui.toast.hidden = true), 5000);
}
function failed(what, e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`${what}: ${message}`); // lands in the log file through the console capture
    toast(`${what}: ${message}`, "error");
}
// ---- actions -----------------------------------------------------------------------------
async function select(id) {
    await flush();
    state.selected = id;
    const note = state.notes.find((n) => n.id === id) ?? null;
    showEditor(note);
    renderList();
    void plugins.store.set(SETTINGS, "selected", id);
}
let pending = null;
function scheduleSave() {
    const id = state.selected;
    if (id === null)
        return;
    ui.status.textContent = "Editing…";
    if (pending)
        window.clearTimeout(pending.timer);
    pending = { id, timer: window.setTimeout(() => void flush(), 400) };
}
/** Save what was typed, now. */
async function flush() {
    if (!pending)
        return;
    const { id, timer } = pending;
    pending = null;
    window.clearTimeout(timer);
    const title = ui.title.value;
    const body = ui.body.value;
    try {
        await saveNote(id, title, body);
        const note = state.notes.find((n) => n.id === id);
        if (note)
            Object.assign(note, { title, body, updated: Date.now() });
        if (state.selected === id)
            ui.status.textContent = "Saved";
        document.body.dataset["saved"] = String(Number(document.body.dataset["saved"] ?? "0") + 1);
        renderList();
    }
    catch (e) {
        failed("Could not save", e);
    }
}
async function newNote() {
    await flush();
    try {
        if (state.query) {
            state.query = "";
            ui.search.value = "";
        }
        const id = await createNote();
        await loadNotes();
        await select(id);
        ui.title.focus();
    }
    catch (e) {
        failed("Could not create a note", e);
    }
}
async function removeSelected() {
    const id = state.selected;
    if (id === null)
        return;
    pending = null;
    try {
        const title = state.notes.find((n) => n.id === id)?.title || "Untitled";
        await deleteNote(id);
        state.selected = null;
        showEditor(null);
        await loadNotes();
        toast(`Deleted “${title}”`);
    }
    catch (e) {
        failed("Could not delete", e);
    }
}
function markdown(notes) {
    const stamp = new Date().toISOString().slice(0, 16).replace("T", " ");
    const parts = notes.map((n) => `## ${n.title.trim() || "Untitled"}\n\n${n.body.trim()}\n`);
    return `# Notes\n\nExported ${stamp}, ${notes.length} ${notes.length === 1 ? "note" : "notes"}.\n\n${parts.join("\n")}`;
}
async function allNotes() {
    const rows = await plugins.sql.select(DB, "SELECT id, title, body, updated_ms FROM notes ORDER BY title COLLATE NOCASE", null, null);
    return rows.map((r) => ({
        id: num(r["id"]),
        title: text(r["title"]),
        body: text(r["body"]),
        updated: num(r["updated_ms"]),
        snippet: null,
    }));
}
// The export is done: say so in the page and, where a notification server runs, on the
// desktop (without one the export is done all the same).
async function exported(count, shown) {
    await plugins.log.log("info", `exported ${count} notes to ${shown}`, location.pathname);
    document.body.dataset["exported"] = shown;
    const what = `${count} ${count === 1 ? "note" : "notes"}`;
    toast(`Exported ${what} to ${shown}`);
    await plugins.notification.send("Export finished", `${what} saved in ${shown}`, null, null).catch(() => undefined);
}
// Export (the button, File › Export): all notes as one Markdown file in the documents folder.
async function exportAll() {
    await flush();
    try {
        const folder = state.exportFolder ?? (state.exportFolder = await commands.exportFolder());
        const notes = await allNotes();
        const name = `notes-${new Date().toISOString().slice(0, 10)}.md`;
        await plugins.fs.createDir(folder.scoped, true);
        await plugins.fs.writeText(`${folder.scoped}/${name}`, markdown(notes));
        await exported(notes.length, `${folder.shown}/${name}`);
    }
    catch (e) {
        if (errors.pluginFsWriteText(e))
            failed(`Could not export (${e.data.kind})`, e);
        else
            failed("Could not export", e);
    }
}
// File › Export As…: the same file where the user chooses, through the save dialog (the
// chosen path joins this page's fs scope for this session only).
async function exportAs() {
    await flush();
    try {
        const name = `notes-${new Date().toISOString().slice(0, 10)}.md`;
        const path = await plugins.dialog.save("Export notes as", [{ name: "Markdown", extensions: ["md"] }], null, name);
        if (path === null)
            return;
        const notes = await allNotes();
        await plugins.fs.writeText(path, markdown(notes));
        await exported(notes.length, path);
    }
    catch (e) {
        failed("Could not export", e);
    }
}
function applyTheme(theme) {
    state.theme = theme;
    document.body.classList.toggle("dark", theme === "dark");
    ui.theme.textContent = theme === "dark" ? "Light theme" : "Dark theme";
}
async function setSetting(key, value) {
    await plugins.store.set(SETTINGS, key, value);
    await plugins.store.save(SETTINGS);
}
// ---- start -------------------------------------------------------------------------------
const WELCOME = [
    [
        "Welcome to Notes",
        "Notes are kept in SQLite on this computer and searched with full-text search: type in the box on the left.\n\nEverything you type is saved as you go. Export writes all your notes to your documents folder as one Markdown file.",
    ],
    ["Groceries", "Oat milk, coffee beans, lemons, basil, parmesan, bread for the weekend."],
    ["Ideas for the trip", "Pack the tent and the small stove. Book the ferry before Friday. Check the tide tables for the bay walk."],
];
async function start() {
    const [theme, sort, selected, welcomed] = await Promise.all([
        plugins.store.get(SETTINGS, "theme"),
        plugins.store.get(SETTINGS, "sort"),
        plugins.store.get(SETTINGS, "selected"),
        plugins.store.get(SETTINGS, "welcomed"),
    ]);
    applyTheme(theme === "dark" ? "dark" : "light");
    state.sort = sort === "title" ? "title" : "updated";
    ui.sort.value = state.sort;
    await plugins.sql.open(DB); // runs the migrations, once
    if (welcomed !== true) {
        // the first note created last, so it is the most recent one
        for (const [title, body] of [...WELCOME].reverse())
            await createNote(title, body);
        await plugins.store.set(SETTINGS, "welcomed", true);
        await plugins.store.save(SETTINGS);
    }
    await loadNotes();
    const start = typeof selected === "number" && state.notes.some((n) => n.id === selected) ? selected : (state.notes[0]?.id ?? null);
    await select(start);
    // another window (or the Rust side) changing a setting
    await events.storeChanged.listen(async ({ store, key }) => {
        if (store !== SETTINGS || key !== "theme")
            return;
        const value = await plugins.store.get(SETTINGS, "theme");
        applyTheme(value === "dark" ? "dark" : "light");
    });
    console.info(`notes ready: ${state.notes.length} notes`);
    document.body.dataset["ready"] = "1";
}
let searchTimer;
function searchSoon() {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
        state.query = ui.search.value.trim();
        ui.sort.hidden = state.query.length > 0; // matches come by relevance
        loadNotes()
            .then(() => {
            document.body.dataset["searched"] = state.query;
        })
            .catch((e) => failed("Search failed", e));
    }, 120);
}
// typing, the field's clear button, and a value set at once (paste, automation)
for (const event of ["input", "search", "change"])
    ui.search.addEventListener(event, searchSoon);
ui.sort.addEventListener("change", () => {
    state.sort = ui.sort.value === "title" ? "title" : "updated";
    setSetting("sort", state.sort)
        .then(loadNotes)
        .catch((e) => failed("Could not sort", e));
});
ui.title.addEventListener("input", scheduleSave);
ui.body.addEventListener("input", scheduleSave);
byId("new-note").addEventListener("click", () => void newNote());
byId("delete").addEventListener("click", () => void removeSelected());
byId("export").addEventListener("click", () => void exportAll());
// the menu bar's File › Export and Export As… (a desktop without menus never sends them)
events.menuExportClicked.listen(() => void exportAll()).catch((e) => failed("No menu", e));
events.menuExportAsClicked.listen(() => void exportAs()).catch((e) => failed("No menu", e));
ui.theme.addEventListener("click", () => {
    const next = state.theme === "dark" ? "light" : "dark";
    applyTheme(next);
    setSetting("theme", next).catch((e) => failed("Could not save the theme", e));
});
document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "n") {
        event.preventDefault();
        void newNote();
    }
});
window.addEventListener("beforeunload", () => void flush());
start().catch((e) => failed("Notes could not start", e));
