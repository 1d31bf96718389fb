/**
 * The init-script bundle `switchboard-runtime-wry` injects into every page: defines
 * `window.switchboard` with the package's exports, plus `invoke`, `listen`, `once`, `emit`
 * and `stream` bound to a lazily connected default client over the bridge transport.
 *
 * @example
 * ```js
 * const greeting = await window.switchboard.invoke("cmd:greet", { name: "Ada" });
 * ```
 * @internal
 * @module
 */

import * as api from "./index.js";

declare global {
  interface Window {
    /** The Switchboard client, injected by the runtime. */
    switchboard: typeof api;
  }
}

const target = globalThis as unknown as { switchboard?: typeof api };
// An init script runs once per document; never replace a client a page already holds.
if (target.switchboard === undefined) {
  target.switchboard = Object.freeze({ ...api });
}
