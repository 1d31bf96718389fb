// `@switchboard/client` as this page sees it: the runtime injects the client's bundle as
// `window.switchboard` before any page script runs, so a page without a bundler re-exports
// it from here (the types come from the package itself). A page built with a bundler imports
// "@switchboard/client" instead, and generates its bindings with that import.
import type * as Client from "@switchboard/client";

const sb = (globalThis as unknown as { switchboard: typeof Client }).switchboard;

export const { emit, invoke, isSwitchboardError, listen, once, stream } = sb;
export type { InvokeOptions, Listener, StreamOptions, SwitchboardError, Unlisten } from "@switchboard/client";
