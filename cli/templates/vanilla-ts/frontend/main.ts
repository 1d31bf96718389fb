// The page: plain TypeScript, talking to Rust through greeting.ts and the generated bindings.
import { count, greeting, selfCheck } from "./greeting";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

function show(reply: string): void {
  element("reply").textContent = reply;
}

element<HTMLFormElement>("greet-form").addEventListener("submit", (event) => {
  event.preventDefault();
  greeting(element<HTMLInputElement>("name").value).then(show, (e: unknown) => show(String(e)));
});

element("count").addEventListener("click", () => {
  count().then(
    (value) => (element("counter").textContent = String(value)),
    (e: unknown) => show(String(e)),
  );
});

selfCheck(show, document.title).catch((e: unknown) => show(String(e)));
