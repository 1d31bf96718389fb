/**
 * The webview bridge transport: how a page talks to `switchboard-runtime-wry`.
 *
 * - Calls: `POST {base}/ipc` with one encoded frame as the body and **no** `Content-Type`
 *   (a CORS-simple request, no preflight). `200` carries the direct answer (one frame),
 *   `204` means none is due.
 * - Push: one `POST {base}/poll` (empty body) is kept outstanding; the host answers it when
 *   frames are queued, with a batch (PROTOCOL.md §7), and the client polls again at once
 *   (`204`: nothing came for a while, poll again; `410`: the window is closed, stop).
 *   Errors and instant empty answers back off (50 ms doubling to 2 s), never a hot loop.
 * - The reply route (WebKitGTK 2.40+): `window.webkit.messageHandlers.switchboard.postMessage(
 *   base64(frame))` returns a promise the host resolves with the base64 of the direct
 *   answer (`""`: none). A poll is the message `"!"`, whose reply the host holds until
 *   frames are queued (then the base64 of a batch; `""` after a while, poll again; `null`
 *   once the session is over). The top frame's guard script (runtime-wry) gives this handler
 *   the document's token. Only strings cross this route (a typed array does not survive it),
 *   so frames are base64, by JavaScriptCore's native `Uint8Array.fromBase64`/`toBase64`
 *   where present. Chosen at start-up when the handler exists (`route: "auto"`): frames up
 *   to 8 KiB and every `event` go this way, larger frames by `fetch`, and the held-open push
 *   is its poll; measured in the real app it is the fastest small round trip WebKitGTK has
 *   (`benches/e2e`).
 * - The string channel: `window.ipc.postMessage(base64(frame))`, answered by the host
 *   evaluating `window.__SWITCHBOARD_RECEIVE__("<base64 frame or batch>")`, which this module
 *   installs (the host may use it for pushes in either mode). It is the fallback when `fetch`
 *   to the scheme fails, and, by default (`route: "auto"`), the path of small frames in the
 *   top frame: measured in the real app it answers a small call about twice as fast as a
 *   `fetch`, while `fetch` moves large payloads 3–4× faster (runtime-wry's bridge docs).
 *   `auto` sends frames up to 8 KiB, and every `event` (so emits keep their order), through
 *   `postMessage`, larger frames through `fetch`, and keeps pushes on the held-open poll.
 *   Calls on the two paths are not ordered with each other (concurrent fetches never were);
 *   a `cancel` can overtake a large request still uploading, and the host then ignores it:
 *   the caller has its `cancelled` rejection at once, the handler runs to its end unheard.
 *
 * `base` is `switchboard://localhost` on Linux and macOS, `http://switchboard.localhost` on
 * Windows and Android, or `window.__SWITCHBOARD_BRIDGE__.base` when the runtime sets it.
 *
 * @example
 * ```ts
 * import { bridgeTransport, connect } from "@switchboard/client";
 * const client = await connect(bridgeTransport());
 * ```
 * @module
 */

import { isBatch } from "./codec.js";
import { SwitchboardError } from "./errors.js";
import { PushReceivers, type Transport } from "./transport.js";

/** What the bridge reads from (and installs on) the page's global object. */
export interface BridgeGlobals {
  /**
   * Set by the runtime's init script: the base URL, and (for measurements, from the
   * runtime's `SWITCHBOARD_BRIDGE_ROUTE`/`SWITCHBOARD_BRIDGE_PUSH`) the default route and
   * push path.
   */
  __SWITCHBOARD_BRIDGE__?: { base?: string; route?: BridgeOptions["route"]; push?: BridgeOptions["push"] };
  /** Installed by this module: the host's evaluate-script delivery path. */
  __SWITCHBOARD_RECEIVE__?: (base64: string) => void;
  /** wry's string channel to the host. */
  ipc?: { postMessage(message: string): void };
  /** WebKit's message handlers; `switchboard` is the reply route (WebKitGTK 2.40+). */
  webkit?: { messageHandlers?: { switchboard?: ReplyHandler } };
  /** The top frame's window (the string channel is only trusted from the top frame). */
  top?: unknown;
  /** For platform detection. */
  navigator?: { userAgent?: string };
}

/** A message handler whose `postMessage` returns the host's reply (the reply route). */
export interface ReplyHandler {
  postMessage(message: string): Promise<unknown>;
}

/** Options of {@link bridgeTransport}. */
export interface BridgeOptions {
  /** The base URL (default: {@link bridgeBase}). */
  base?: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** The global object to read and install hooks on (default: `globalThis`). */
  global?: BridgeGlobals;
  /**
   * Which path calls take: `"auto"` (default: small frames and events by the reply route
   * in the top frame when its handler exists, else by `postMessage` when `window.ipc`
   * exists, the rest by `fetch`; pushes by the reply route's poll when it exists, else by
   * `fetch`), `"fetch"` (always `fetch`, `postMessage` only as the fallback),
   * `"postMessage"` (always the string channel) or `"reply"` (always the reply route).
   */
  route?: "auto" | "fetch" | "postMessage" | "reply";
  /** Largest frame `auto` sends by `postMessage`, in bytes (default 8 KiB). */
  smallFrame?: number;
  /**
   * How pushes arrive when the reply route exists: `"auto"` (default: its held poll) or
   * `"fetch"` (the held `POST /poll`).
   */
  push?: "auto" | "fetch";
}

/** A bridge transport, with its current mode for diagnostics. */
export interface BridgeTransport extends Transport {
  /** `"fetch"` while the custom scheme works, `"postMessage"` after falling back. */
  readonly mode: "fetch" | "postMessage";
  /** Whether small frames and pushes take the reply route. */
  readonly reply: boolean;
}

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;
/** A poll answered faster than this with nothing in it counts as a failure (no hot loop). */
const INSTANT_MS = 20;
const SMALL_FRAME = 8 * 1024;
// What a canonical `event` frame starts with after its map header: "v" 1 "k" "event".
const EVENT_HEAD = [0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xa5, 0x65, 0x76, 0x65, 0x6e, 0x74];

function isEventFrame(frame: Uint8Array): boolean {
  for (let i = 0; i < EVENT_HEAD.length; i++) if (frame[i + 1] !== EVENT_HEAD[i]) return false;
  return true;
}

/**
 * The bridge's base URL for this platform: `window.__SWITCHBOARD_BRIDGE__.base` if set,
 * else `http://switchboard.localhost` on Windows/Android, `switchboard://localhost` elsewhere.
 *
 * @example
 * ```ts
 * bridgeBase({ navigator: { userAgent: "Mozilla/5.0 (Windows NT 10.0)" } }); // "http://switchboard.localhost"
 * ```
 */
export function bridgeBase(global: BridgeGlobals = globalThis as BridgeGlobals): string {
  const configured = global.__SWITCHBOARD_BRIDGE__?.base;
  if (typeof configured === "string" && configured !== "") return configured.replace(/\/+$/, "");
  const ua = global.navigator?.userAgent ?? "";
  return /Windows|Android/i.test(ua) ? "http://switchboard.localhost" : "switchboard://localhost";
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Two base64 characters per 12 bits, built on first use: one table load per 12 bits of input.
let pairs: string[] | null = null;
function base64Pairs(): string[] {
  if (pairs === null) {
    const table = new Array<string>(4096);
    for (let i = 0; i < 4096; i++) table[i] = (B64[i >> 6] as string) + (B64[i & 63] as string);
    pairs = table;
  }
  return pairs;
}

/**
 * Standard base64 of `bytes` (padded, the same text as `btoa` of the bytes as latin1).
 *
 * Table-driven: `String.fromCharCode(...bytes)` + `btoa` cost 4.5-9 µs for a 52-byte ping
 * frame and 2.7-3.3 ms for 62 KB in WebKitGTK (argument spreading); this 1.5 µs and
 * 0.26-0.38 ms (`bench/webkit/steps.html`).
 *
 * @example
 * ```ts
 * toBase64(new Uint8Array([1, 2, 3])); // "AQID"
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  if (nativeToBase64 !== null) return nativeToBase64.call(bytes);
  return bytes.length >= LARGE_BASE64 ? toBase64Large(bytes) : toBase64Small(bytes);
}

// JavaScriptCore (WebKitGTK 2.50) and recent engines have native base64 on Uint8Array
// (TC39 "Uint8Array to/from base64"); feature-detected, the table-driven code otherwise.
const nativeToBase64: ((this: Uint8Array) => string) | null = (() => {
  const f = (Uint8Array.prototype as unknown as { toBase64?: unknown }).toBase64;
  return typeof f === "function" ? (f as (this: Uint8Array) => string) : null;
})();
const nativeFromBase64: ((text: string) => Uint8Array) | null = (() => {
  const f = (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64;
  return typeof f === "function" ? (f as (text: string) => Uint8Array) : null;
})();

// From this size on, writing ASCII codes into bytes and decoding them once is cheaper than
// concatenating strings.
const LARGE_BASE64 = 512;
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const ascii = typeof TextDecoder === "function" ? new TextDecoder("latin1") : null;

function toBase64Small(bytes: Uint8Array): string {
  const table = base64Pairs();
  const n = bytes.length;
  const whole = n - (n % 3);
  let out = "";
  for (let i = 0; i < whole; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += (table[v >> 12] as string) + (table[v & 0xfff] as string);
  }
  if (n - whole === 1) {
    const v = (bytes[whole] as number) << 16;
    out += (table[v >> 12] as string) + "==";
  } else if (n - whole === 2) {
    const v = ((bytes[whole] as number) << 16) | ((bytes[whole + 1] as number) << 8);
    out += (table[v >> 12] as string) + (B64[(v >> 6) & 63] as string) + "=";
  }
  return out;
}

function toBase64Large(bytes: Uint8Array): string {
  if (ascii === null) return toBase64Small(bytes);
  const n = bytes.length;
  const whole = n - (n % 3);
  const out = new Uint8Array(4 * Math.floor((n + 2) / 3));
  const c = B64_CODES;
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o] = c[v >> 18] as number;
    out[o + 1] = c[(v >> 12) & 63] as number;
    out[o + 2] = c[(v >> 6) & 63] as number;
    out[o + 3] = c[v & 63] as number;
    o += 4;
  }
  if (n - whole === 1) {
    const v = (bytes[whole] as number) << 16;
    out[o] = c[v >> 18] as number;
    out[o + 1] = c[(v >> 12) & 63] as number;
    out[o + 2] = 0x3d;
    out[o + 3] = 0x3d;
  } else if (n - whole === 2) {
    const v = ((bytes[whole] as number) << 16) | ((bytes[whole + 1] as number) << 8);
    out[o] = c[v >> 18] as number;
    out[o + 1] = c[(v >> 12) & 63] as number;
    out[o + 2] = c[(v >> 6) & 63] as number;
    out[o + 3] = 0x3d;
  }
  return ascii.decode(out);
}

/** Bytes of standard base64 `text`; throws `malformed` on bad input. */
export function fromBase64(text: string): Uint8Array {
  if (nativeFromBase64 !== null) {
    try {
      return nativeFromBase64.call(Uint8Array, text);
    } catch {
      throw new SwitchboardError("malformed", "pushed data is not valid base64");
    }
  }
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new SwitchboardError("malformed", "pushed data is not valid base64");
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// Every live bridge transport of the page, fed by the one `__SWITCHBOARD_RECEIVE__`.
const sinks = new Map<BridgeGlobals, Set<(bytes: Uint8Array) => void>>();

function installReceiver(global: BridgeGlobals, sink: (bytes: Uint8Array) => void): () => void {
  let set = sinks.get(global);
  if (set === undefined) {
    const fresh = new Set<(bytes: Uint8Array) => void>();
    set = fresh;
    sinks.set(global, fresh);
    global.__SWITCHBOARD_RECEIVE__ = (base64: string): void => {
      const bytes = fromBase64(base64);
      for (const deliver of [...fresh]) deliver(bytes);
    };
  }
  set.add(sink);
  const mine = set;
  return () => {
    mine.delete(sink);
  };
}

/**
 * The transport to `switchboard-runtime-wry`'s bridge (see the module docs for the wire
 * contract). The poll loop runs while someone listens for pushes.
 *
 * @example
 * ```ts
 * const t = bridgeTransport({ base: "switchboard://localhost" });
 * const stop = t.onPush((frame) => console.log(frame.length));
 * ```
 */
export function bridgeTransport(opts: BridgeOptions = {}): BridgeTransport {
  const global = opts.global ?? (globalThis as BridgeGlobals);
  const base = opts.base ?? bridgeBase(global);
  const doFetch: typeof fetch | undefined = opts.fetch ?? (typeof fetch === "function" ? fetch.bind(globalThis) : undefined);
  const configured = global.__SWITCHBOARD_BRIDGE__;
  const route = opts.route ?? configured?.route ?? "auto";
  const push = opts.push ?? configured?.push ?? "auto";
  const smallFrame = opts.smallFrame ?? SMALL_FRAME;
  let mode: "fetch" | "postMessage" = route === "postMessage" || doFetch === undefined ? "postMessage" : "fetch";
  // The host only trusts the top frame's string channel (it carries a per-window token).
  const stringChannel = (): boolean =>
    route === "auto" && typeof global.ipc?.postMessage === "function" && (global.top === undefined || global.top === global);
  // The reply route, decided once at start-up: the guard's wrapper of the handler (top frame)
  const replyHandler = ((): ReplyHandler | null => {
    if (route !== "auto" && route !== "reply") return null;
    if (global.top !== undefined && global.top !== global) return null;
    const h = global.webkit?.messageHandlers?.switchboard;
    return h !== undefined && typeof h.postMessage === "function" ? h : null;
  })();
  let reply = replyHandler !== null;
  const receivers = new PushReceivers();
  let closed = false;
  let polling = false;
  let pollAbort: AbortController | null = null;
  const removeReceiver = installReceiver(global, (bytes) => {
    if (!closed) receivers.deliver(bytes);
  });

  const postMessage = (frame: Uint8Array): null => {
    const ipc = global.ipc;
    if (ipc === undefined || typeof ipc.postMessage !== "function") {
      throw new SwitchboardError("internal", "no bridge: fetch to the scheme failed and window.ipc is missing");
    }
    ipc.postMessage(toBase64(frame));
    return null;
  };

  // One message by the reply route; `undefined` when the route is unusable (the guard gave
  // this document no token): the caller then takes another route for good.
  const viaReply = async (message: string): Promise<string | null | undefined> => {
    let answer: unknown;
    try {
      answer = await (replyHandler as ReplyHandler).postMessage(message);
    } catch (e) {
      if (e instanceof Error && /no bridge token/.test(e.message)) {
        reply = false;
        return undefined;
      }
      throw new SwitchboardError("internal", `the reply route failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (answer === null || answer === undefined) return null;
    if (typeof answer !== "string") throw new SwitchboardError("protocol_violation", "the reply route answered something else than text");
    return answer;
  };

  const replyPollLoop = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    let backoff = 0;
    try {
      while (!closed && reply && receivers.size > 0) {
        let text: string | null | undefined;
        const started = Date.now();
        try {
          text = await viaReply("!");
        } catch {
          if (closed) break;
          backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoff * 2));
          await sleep(backoff);
          continue;
        }
        if (text === undefined) {
          polling = false;
          if (mode === "fetch") void pollLoop();
          return;
        }
        if (text === null) break; // the session is over
        if (text !== "") {
          backoff = 0;
          if (!closed) receivers.deliver(fromBase64(text));
        } else if (Date.now() - started < INSTANT_MS) {
          // replaced at once (another poller of this session?): back off, never a hot loop
          backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoff * 2));
          await sleep(backoff);
        } else {
          backoff = 0;
        }
      }
    } finally {
      polling = false;
    }
  };

  // Whether a fetch to the scheme ever got an answer: after that, a failing fetch is an error
  // (the frame may have reached the host), not a reason to resend it another way.
  let fetchWorked = false;

  // Switches to the postMessage path for good, if the page has one and fetch never worked.
  const fallBack = (): boolean => {
    if (global.ipc === undefined || fetchWorked) return false;
    if (mode !== "postMessage") {
      mode = "postMessage";
      pollAbort?.abort();
    }
    return true;
  };

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const pollLoop = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    let backoff = 0;
    try {
      while (!closed && mode === "fetch" && receivers.size > 0 && doFetch !== undefined) {
        const started = Date.now();
        let delivered = false;
        pollAbort = new AbortController();
        try {
          const res = await doFetch(`${base}/poll`, { method: "POST", signal: pollAbort.signal });
          fetchWorked = true;
          if (res.status === 200) {
            const body = new Uint8Array(await res.arrayBuffer());
            if (body.length > 0 && !closed) {
              receivers.deliver(body);
              // A poll is answered with a batch; a lone frame is a refusal (an unknown or
              // closing window), answered at once: deliver it but do not poll straight again.
              delivered = isBatch(body);
            }
          } else if (res.status === 410) {
            break; // the window is closed: nothing will ever be pushed again
          } else if (res.status !== 204) {
            await res.arrayBuffer().catch(() => undefined);
            backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoff * 2));
            await sleep(backoff);
            continue;
          }
        } catch {
          if (closed || mode !== "fetch") break;
          if (fallBack()) break;
          backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoff * 2));
          await sleep(backoff);
          continue;
        }
        if (delivered || Date.now() - started >= INSTANT_MS) {
          backoff = 0;
        } else {
          backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoff * 2));
          await sleep(backoff);
        }
      }
    } finally {
      polling = false;
      pollAbort = null;
    }
  };

  return {
    get mode() {
      return mode;
    },
    get reply() {
      return reply;
    },
    async send(frame: Uint8Array): Promise<Uint8Array | null> {
      if (closed) throw new SwitchboardError("window_closed", "the bridge transport is closed");
      if (reply && (route === "reply" || frame.length <= smallFrame || isEventFrame(frame))) {
        const text = await viaReply(toBase64(frame));
        if (text !== undefined) return text === null || text === "" ? null : fromBase64(text);
      }
      const viaString = stringChannel() && (frame.length <= smallFrame || isEventFrame(frame));
      if (mode === "fetch" && doFetch !== undefined && !viaString) {
        let res: Response | undefined;
        try {
          res = await doFetch(`${base}/ipc`, { method: "POST", body: frame as Uint8Array<ArrayBuffer> });
          fetchWorked = true;
        } catch (e) {
          if (!fallBack()) {
            throw new SwitchboardError("internal", `bridge unreachable at ${base}/ipc: ${e instanceof Error ? e.message : String(e)}`, {
              cause: e,
            });
          }
        }
        if (res !== undefined) {
          if (res.status === 204) return null;
          const body = new Uint8Array(await res.arrayBuffer());
          if (res.status === 200) return body.length > 0 ? body : null;
          throw new SwitchboardError("internal", `the bridge answered HTTP ${res.status}`);
        }
      }
      return postMessage(frame);
    },
    onPush(cb: (frame: Uint8Array) => void): () => void {
      const remove = receivers.add(cb);
      if (reply && push !== "fetch") void replyPollLoop();
      else if (mode === "fetch") void pollLoop();
      return remove;
    },
    close(): void {
      if (closed) return;
      closed = true;
      pollAbort?.abort();
      receivers.clear();
      removeReceiver();
    },
  };
}
