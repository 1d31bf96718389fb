/**
 * Mocks for unit-testing a frontend without a window: `mockTransport(handler)` is a fake
 * host that answers the client's frames by calling `handler` with decoded requests.
 *
 * The handler returns a value (or a Promise of one), throws a `SwitchboardError` to answer
 * with that error (code `app` and `data` for a typed application error), or returns an
 * iterable/async iterable, served as a stream with credit-based flow control. `emit` pushes
 * events to the client's listeners.
 *
 * @example
 * ```ts
 * import { connect, SwitchboardError } from "@switchboard/client";
 * import { mockTransport } from "@switchboard/client/mocks";
 *
 * const host = mockTransport(({ target, args }) => {
 *   if (target === "cmd:greet") return `Hello, ${args.name}!`;
 *   throw new SwitchboardError("unknown_target", `no ${target}`);
 * });
 * const client = await connect(host);
 * await client.invoke("cmd:greet", { name: "Ada" }); // "Hello, Ada!"
 * host.emit("tick", 1); // listeners of "tick" get 1
 * ```
 * @module
 */

import { decodeFrame, decodePayload, encodeFrame, encodePayload } from "./codec.js";
import { setDefaultTransport } from "./defaults.js";
import { SwitchboardError } from "./errors.js";
import { type Frame, type OutgoingFrame, type WireError, SUPPORTED_VERSIONS } from "./frames.js";
import { type MemoryTransport, memoryTransport } from "./transport.js";

/** Topic prefixes only the host publishes on (`window/`, `app/`, `actor/`): the mock refuses a page's emit there, as the host does. */
export const RESERVED_TOPIC_PREFIXES: readonly string[] = ["window/", "app/", "actor/"];

/** A request as the mock handler sees it. */
export interface MockRequest {
  /** The target as the client wrote it: `"cmd:greet"`, `"counter.add"`. */
  target: string;
  /** The address. */
  to: string;
  /** The method (`""` for a command). */
  method: string;
  /** The decoded arguments. */
  args: Record<string, unknown>;
  /** Aborted when the client cancels the call (or its deadline passes). */
  signal: AbortSignal;
}

/** Answers one request: a value, a Promise, an (async) iterable for a stream, or a throw. */
export type MockHandler = (request: MockRequest) => unknown;

/** Options of {@link mockTransport}. */
export interface MockOptions {
  /** The window label in `welcome` (default `"main"`). */
  window?: string;
  /** The grants in `welcome` (default `["*"]`). */
  grants?: string[];
  /** The versions the fake host speaks (default: this package's). */
  versions?: number[];
  /** Topics the client may not listen to or emit on (answered `forbidden`). */
  forbiddenTopics?: string[];
}

/** The fake host, with what a test wants to look at. */
export interface MockTransport extends MemoryTransport {
  /** Publishes `value` on `topic` to the client, if it listens there. */
  emit(topic: string, value: unknown, from?: string): void;
  /** Every request the handler was called with, in order. */
  readonly calls: readonly MockRequest[];
  /** Every frame the client sent, decoded, in order. */
  readonly frames: readonly Frame[];
  /** Topics the client is subscribed to now. */
  readonly topics: ReadonlySet<string>;
  /** Events the client emitted, in order. */
  readonly emitted: readonly { topic: string; value: unknown }[];
  /** The most stream items ever in flight (sent, not yet credited back) for any stream. */
  readonly maxInFlight: number;
  /**
   * Resolves with the first frame the client sent that matches `pred`, waiting for it if
   * none has come yet: a test waits on the frame it expects (`cancel`, `unsubscribe`, ...)
   * instead of sleeping. The fake host has handled the frame when this resolves.
   */
  next(pred: (frame: Frame) => boolean): Promise<Frame>;
}

interface StreamState {
  /** Items the producer may still send. */
  credit: number;
  /** Credit the client has given back so far. */
  returned: number;
  wake: (() => void) | null;
  abort: AbortController;
}

function toWireError(e: unknown): WireError {
  if (e instanceof SwitchboardError) {
    const err: WireError = { code: e.code, message: e.message };
    if (e.data !== undefined) err.data = encodePayload(e.data);
    return err;
  }
  return { code: "internal", message: `mock handler threw: ${e instanceof Error ? e.message : String(e)}` };
}

function isStreamReply(v: unknown): v is Iterable<unknown> | AsyncIterable<unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof Uint8Array) return false;
  return Symbol.asyncIterator in v || Symbol.iterator in v;
}

/**
 * A fake host for tests: answers `hello`, requests (through `handler`), subscriptions,
 * cancels, credit and emits, the way the real host does.
 */
export function mockTransport(handler: MockHandler, opts: MockOptions = {}): MockTransport {
  const calls: MockRequest[] = [];
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  const topics = new Set<string>();
  const emitted: { topic: string; value: unknown }[] = [];
  const running = new Map<number, AbortController>();
  const streams = new Map<number, StreamState>();
  const forbidden = new Set(opts.forbiddenTopics ?? []);
  const hostVersions = opts.versions ?? [...SUPPORTED_VERSIONS];
  let maxInFlight = 0;
  let pushFn: ((frame: Uint8Array) => void) | null = null;
  const out = (frame: OutgoingFrame): Uint8Array => encodeFrame(frame);
  const push = (frame: OutgoingFrame): void => pushFn?.(out(frame));

  const serveStream = async (id: number, items: Iterable<unknown> | AsyncIterable<unknown>, state: StreamState): Promise<void> => {
    let seq = 0;
    try {
      for await (const item of items as AsyncIterable<unknown>) {
        while (state.credit <= 0 && !state.abort.signal.aborted) {
          await new Promise<void>((resolve) => {
            state.wake = resolve;
          });
        }
        if (state.abort.signal.aborted) break;
        state.credit -= 1;
        push({ k: "stream_item", id, seq, payload: encodePayload(item) });
        seq += 1;
        maxInFlight = Math.max(maxInFlight, seq - state.returned);
      }
      if (state.abort.signal.aborted) push({ k: "stream_end", id, seq, err: { code: "cancelled", message: "the caller cancelled" } });
      else push({ k: "stream_end", id, seq });
    } catch (e) {
      push({ k: "stream_end", id, seq, err: toWireError(e) });
    } finally {
      streams.delete(id);
    }
  };

  const host = async (bytes: Uint8Array, pushBytes: (frame: Uint8Array) => void): Promise<Uint8Array | null> => {
    pushFn = pushBytes;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (e) {
      return out({ k: "error", ...toWireError(e) });
    }
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        // resolved after this synchronous step: the frame is handled when the waiter runs
        w.resolve(frame);
      }
    }
    switch (frame.k) {
      case "hello": {
        const common = frame.versions.filter((v) => hostVersions.includes(v));
        if (common.length === 0) {
          return out({ k: "error", code: "unsupported_version", message: "no common protocol version", versions: hostVersions });
        }
        return out({
          k: "welcome",
          version: Math.max(...common),
          session: "00000000-0000-4000-8000-000000000000",
          window: opts.window ?? "main",
          grants: opts.grants ?? ["*"],
          limits: { max_frame: 64 * 1024 * 1024, max_depth: 64, max_pending: 1024 },
        });
      }
      case "subscribe":
      case "unsubscribe":
        if (forbidden.has(frame.topic)) {
          return out({ k: "response", id: frame.id, err: { code: "forbidden", message: `event:${frame.topic}` } });
        }
        if (frame.k === "subscribe") topics.add(frame.topic);
        else topics.delete(frame.topic);
        return out({ k: "response", id: frame.id, ok: new Uint8Array(0) });
      case "event": {
        // like the host: pages never emit on its reserved topics, and emitting needs `emit:`
        if (RESERVED_TOPIC_PREFIXES.some((p) => frame.topic.startsWith(p))) {
          return out({ k: "error", code: "forbidden", message: `topic \`${frame.topic}\` is reserved for the host` });
        }
        if (forbidden.has(frame.topic)) return out({ k: "error", code: "forbidden", message: `emit:${frame.topic}` });
        const value = decodePayload(frame.payload);
        emitted.push({ topic: frame.topic, value });
        if (topics.has(frame.topic)) push({ k: "event", topic: frame.topic, payload: frame.payload, from: "window:" + (opts.window ?? "main") });
        return null;
      }
      case "cancel":
        running.get(frame.id)?.abort();
        return null;
      case "credit": {
        const state = streams.get(frame.id);
        if (state !== undefined) {
          state.credit += frame.n;
          state.returned += frame.n;
          state.wake?.();
          state.wake = null;
        }
        return null;
      }
      case "request":
        return answer(frame.id, frame.to, frame.method, frame.payload, frame.credit);
      default:
        return out({ k: "error", code: "protocol_violation", message: `a host does not expect \`${frame.k}\`` });
    }
  };

  const answer = async (id: number, to: string, method: string, payload: Uint8Array, credit: number | undefined): Promise<Uint8Array | null> => {
    const abort = new AbortController();
    running.set(id, abort);
    const cancelled = new Promise<"cancelled">((resolve) => abort.signal.addEventListener("abort", () => resolve("cancelled")));
    try {
      const args = decodePayload<Record<string, unknown>>(payload);
      const request: MockRequest = { target: method === "" ? to : `${to}.${method}`, to, method, args, signal: abort.signal };
      calls.push(request);
      const result = await Promise.race([Promise.resolve(handler(request)), cancelled]);
      if (result === "cancelled" && abort.signal.aborted) {
        return out({ k: "response", id, err: { code: "cancelled", message: "the caller cancelled" } });
      }
      if (isStreamReply(result)) {
        const state: StreamState = { credit: credit ?? 16, returned: 0, wake: null, abort };
        abort.signal.addEventListener("abort", () => {
          state.wake?.();
          state.wake = null;
        });
        streams.set(id, state);
        void serveStream(id, result, state);
        return null;
      }
      return out({ k: "response", id, ok: encodePayload(result) });
    } catch (e) {
      return out({ k: "response", id, err: toWireError(e) });
    } finally {
      if (!streams.has(id)) running.delete(id);
    }
  };

  const transport = memoryTransport(host);
  return Object.assign(transport, {
    emit(topic: string, value: unknown, from?: string): void {
      if (!topics.has(topic)) return;
      const frame: OutgoingFrame = from === undefined ? { k: "event", topic, payload: encodePayload(value) } : { k: "event", topic, payload: encodePayload(value), from };
      transport.push(encodeFrame(frame));
    },
    get calls(): readonly MockRequest[] {
      return calls;
    },
    get frames(): readonly Frame[] {
      return frames;
    },
    get topics(): ReadonlySet<string> {
      return topics;
    },
    get emitted(): readonly { topic: string; value: unknown }[] {
      return emitted;
    },
    get maxInFlight(): number {
      return maxInFlight;
    },
    next(pred: (frame: Frame) => boolean): Promise<Frame> {
      const found = frames.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<Frame>((resolve) => waiters.push({ pred, resolve }));
    },
  });
}

/**
 * Points the package's default client (`invoke`, `listen`, ... and generated bindings) at a
 * fresh {@link mockTransport}, and returns it.
 *
 * @example
 * ```ts
 * const host = mockDefaultClient(({ target }) => (target === "counter.get" ? 41 : 0));
 * expect(await invoke("counter.get")).toBe(41);
 * ```
 */
export function mockDefaultClient(handler: MockHandler, opts: MockOptions = {}): MockTransport {
  const transport = mockTransport(handler, opts);
  setDefaultTransport(transport, { client: "test", name: "mock" });
  return transport;
}

export { type MemoryTransport, memoryTransport } from "./transport.js";
