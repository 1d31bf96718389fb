/**
 * The default client: one lazily connected session per page, used by the convenience
 * functions `invoke`, `listen`, `once`, `emit` and `stream` (and by generated bindings).
 * It connects over the webview bridge on first use, unless a transport was set with
 * {@link setDefaultTransport} (the mocks do this).
 *
 * @example
 * ```ts
 * import { invoke, listen } from "@switchboard/client";
 * const n = await invoke<number>("counter.get");
 * const unlisten = await listen<number>("counter/changed", (v) => console.log(v));
 * ```
 * @module
 */
import { bridgeTransport } from "./bridge.js";
import { Client, connect } from "./client.js";
let makeTransport = () => bridgeTransport();
let connectOptions = {};
let current = null;
/**
 * The default client, connecting it on first use. A failed connection is not cached: the
 * next call tries again.
 */
export function defaultClient() {
    if (current === null) {
        const attempt = connect(makeTransport(), connectOptions);
        current = attempt;
        attempt.catch(() => {
            if (current === attempt)
                current = null;
        });
    }
    return current;
}
/**
 * Makes the default client use `transport` (a transport, or a function making one) from
 * now on; an already connected default client is closed.
 *
 * @example
 * ```ts
 * setDefaultTransport(memoryTransport(myFakeHost));
 * ```
 */
export function setDefaultTransport(transport, opts = {}) {
    makeTransport = typeof transport === "function" ? transport : () => transport;
    connectOptions = opts;
    resetDefaultClient();
}
/** Closes the default client (if any); the next use connects again. */
export function resetDefaultClient() {
    const old = current;
    current = null;
    old?.then((c) => c.close(), () => undefined);
}
/** `client.invoke` on the default client. */
export async function invoke(target, args, opts) {
    return (await defaultClient()).invoke(target, args, opts);
}
/** `client.listen` on the default client. */
export async function listen(topic, listener) {
    return (await defaultClient()).listen(topic, listener);
}
/** `client.once` on the default client. */
export async function once(topic, listener) {
    return (await defaultClient()).once(topic, listener);
}
/** `client.emit` on the default client. */
export async function emit(topic, value) {
    return (await defaultClient()).emit(topic, value);
}
/**
 * `client.stream` on the default client. Leaving the loop early cancels the stream.
 *
 * @example
 * ```ts
 * for await (const row of stream<Row>("db.query", { sql })) render(row);
 * ```
 */
export async function* stream(target, args, opts) {
    const client = await defaultClient();
    yield* client.stream(target, args, opts);
}
