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
import { type ConnectOptions, type InvokeOptions, Client, connect } from "./client.js";
import type { Listener, Unlisten } from "./events.js";
import type { StreamOptions } from "./stream.js";
import type { Transport } from "./transport.js";

let makeTransport: () => Transport = () => bridgeTransport();
let connectOptions: ConnectOptions = {};
let current: Promise<Client> | null = null;

/**
 * The default client, connecting it on first use. A failed connection is not cached: the
 * next call tries again.
 */
export function defaultClient(): Promise<Client> {
  if (current === null) {
    const attempt = connect(makeTransport(), connectOptions);
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = null;
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
export function setDefaultTransport(transport: Transport | (() => Transport), opts: ConnectOptions = {}): void {
  makeTransport = typeof transport === "function" ? transport : () => transport;
  connectOptions = opts;
  resetDefaultClient();
}

/** Closes the default client (if any); the next use connects again. */
export function resetDefaultClient(): void {
  const old = current;
  current = null;
  old?.then(
    (c) => c.close(),
    () => undefined,
  );
}

/** `client.invoke` on the default client. */
export async function invoke<T = unknown>(target: string, args?: Record<string, unknown>, opts?: InvokeOptions): Promise<T> {
  return (await defaultClient()).invoke<T>(target, args, opts);
}

/** `client.listen` on the default client. */
export async function listen<T = unknown>(topic: string, listener: Listener<T>): Promise<Unlisten> {
  return (await defaultClient()).listen<T>(topic, listener);
}

/** `client.once` on the default client. */
export async function once<T = unknown>(topic: string, listener: Listener<T>): Promise<Unlisten> {
  return (await defaultClient()).once<T>(topic, listener);
}

/** `client.emit` on the default client. */
export async function emit(topic: string, value: unknown): Promise<void> {
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
export async function* stream<T = unknown>(
  target: string,
  args?: Record<string, unknown>,
  opts?: StreamOptions,
): AsyncGenerator<T, void, undefined> {
  const client = await defaultClient();
  yield* client.stream<T>(target, args, opts);
}
