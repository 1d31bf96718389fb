// The hello frontend, shared by both windows. It reaches Rust only through the typed
// bindings generated from the Rust code (bindings.ts): change a command's signature in
// Rust and this file stops compiling.
import { commands, errors, events, plugins } from "./bindings.js";

const me = document.body.dataset["window"] ?? "main";

function element<T extends HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

function showError(e: unknown): void {
  const out = element("error");
  if (!out) return;
  if (errors.greet(e)) {
    // the command's own error, typed from Rust's `GreetError`
    out.textContent = e.data.kind === "TooLong" ? `${e.message} (${e.data.len} > ${e.data.max})` : e.message;
  } else if (e instanceof Error && "code" in e) {
    out.textContent = `${String(e.code)}: ${e.message}`;
  } else {
    out.textContent = String(e);
  }
}

async function greet(name: string): Promise<string> {
  const reply = await commands.greet(name);
  const out = element("reply");
  if (out) out.textContent = reply;
  const error = element("error");
  if (error) error.textContent = "";
  return reply;
}

element<HTMLFormElement>("greet-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = element<HTMLInputElement>("name")?.value ?? "";
  greet(name).catch(showError);
});

element("open-second")?.addEventListener("click", () => {
  commands.openSecond().catch(showError);
});

// the two windows talk through one topic; each shows what the other said
events.helloChat
  .listen((message) => {
    const item = document.createElement("li");
    item.textContent = `${message.from === me ? "me" : message.from}: ${message.text}`;
    element("messages")?.appendChild(item);
  })
  .catch(showError);

element<HTMLFormElement>("chat-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = element<HTMLInputElement>("chat");
  const text = input?.value.trim() ?? "";
  if (!input || !text) return;
  input.value = "";
  events.helloChat.emit({ from: me, text }).catch(showError);
});

// File › Export… (or the button): save the greeting where the user chooses. The dialog
// grants this page that one path in its fs scope; a notification says when it is done.
async function exportGreeting(): Promise<void> {
  const text = element("reply")?.textContent || "Nobody greeted yet.";
  const path = await plugins.dialog.save("Export the greeting", [{ name: "Text", extensions: ["txt"] }], null, "greeting.txt");
  if (!path) return;
  await plugins.fs.writeText(path, `${text}\n`);
  const status = element("export-status");
  if (status) status.textContent = `Exported to ${path}`;
  // no notification server (a bare session): the export is done all the same
  await plugins.notification.send("Export finished", `The greeting is saved in ${path}`, null, null).catch(() => undefined);
}

if (me === "main") {
  element("export")?.addEventListener("click", () => {
    exportGreeting().catch(showError);
  });
  events.menuExportClicked.listen(() => void exportGreeting().catch(showError)).catch(showError);
}

// `cargo xtask demo`: greet by ourselves, then tell Rust the reply is on screen
async function autorun(): Promise<void> {
  if (me !== "main" || !(await commands.autorun())) return;
  const input = element<HTMLInputElement>("name");
  if (input) input.value = "Switchboard";
  const reply = await greet("Switchboard");
  requestAnimationFrame(() => requestAnimationFrame(() => void commands.demoShown(reply).catch(showError)));
}
autorun().catch(showError);
