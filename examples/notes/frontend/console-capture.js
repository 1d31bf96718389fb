// Switchboard log plugin: console capture (switchboard_plugin_log::CONSOLE_SCRIPT).
// Load it before the page's own scripts. Each console.debug/log/info/warn/error/trace call
// (and each uncaught error or rejection) still prints as before, and is also sent to
// `plugin:log.log`, where it becomes a Rust `tracing` event with the window's label and
// origin. Needs the client the runtime injects (`window.switchboard`) and `log:allow-log`.
(() => {
  const sb = globalThis.switchboard;
  if (!sb || typeof sb.invoke !== "function" || globalThis.__switchboardConsoleCapture) return;
  globalThis.__switchboardConsoleCapture = true;
  const levels = { trace: "trace", debug: "debug", log: "info", info: "info", warn: "warn", error: "error" };
  const text = (value) => {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.stack || `${value.name}: ${value.message}`;
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };
  let sending = false; // a failure reported on the console must not loop
  for (const [method, level] of Object.entries(levels)) {
    const original = console[method];
    if (typeof original !== "function") continue;
    console[method] = (...args) => {
      original.apply(console, args);
      if (sending) return;
      sending = true;
      try {
        const message = args.map(text).join(" ");
        sb.invoke("plugin:log.log", { level, message, location: location.pathname }).catch(() => {});
      } catch {
        // not granted, or the client is gone: the console still printed
      } finally {
        sending = false;
      }
    };
  }
  addEventListener("error", (event) => console.error(event.error ?? event.message));
  addEventListener("unhandledrejection", (event) => console.error("unhandled rejection:", event.reason));
})();
