// `@switchboard/client` as the page uses it. Inside the app the runtime injects its client as
// `window.switchboard` before the page's scripts run: use that one (it owns the page's link
// to Rust). Outside the app (unit tests in Node) fall back to the package, whose default
// client `mockDefaultClient` from "@switchboard/client/mocks" replaces.
import * as Client from "@switchboard/client";

const injected = (globalThis as { switchboard?: typeof Client }).switchboard;

export const { emit, invoke, isSwitchboardError, listen, once, stream } = injected ?? Client;
export type { InvokeOptions, Listener, StreamOptions, SwitchboardError, Unlisten } from "@switchboard/client";
