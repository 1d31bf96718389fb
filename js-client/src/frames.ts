/**
 * The frames of protocol version 1 as TypeScript values (PROTOCOL.md §2), with the names,
 * addresses and topics of §3.
 *
 * A frame object uses the wire's own keys (`v`, `k`, `id`, `to`, `payload`, ...), so the
 * golden vectors' JSON and these types read the same. Payload fields are `Uint8Array`s
 * holding encoded MessagePack (see `encodePayload` / `decodePayload` in the codec).
 *
 * @example
 * ```ts
 * import { encodeFrame, encodePayload, type RequestFrame } from "@switchboard/client";
 * const frame: RequestFrame = {
 *   v: 1, k: "request", id: 1, to: "cmd:greet", method: "", payload: encodePayload({ name: "Ada" }),
 * };
 * const bytes = encodeFrame(frame);
 * ```
 * @module
 */

import { SwitchboardError, malformed } from "./errors.js";

/** The newest protocol version this client speaks: 2 adds the `events` frame to 1. */
export const PROTOCOL_VERSION = 2;
/** Every protocol version this client can speak, newest first. */
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION, 1];
/** The first protocol version with the `events` frame. */
export const EVENTS_VERSION = 2;

/**
 * The `v` a frame of kind `k` carries: the version that defines the kind (1 for every kind
 * of version 1, unchanged since; 2 for `events`).
 */
export function frameVersion(k: string): number {
  return k === "events" ? EVENTS_VERSION : 1;
}
/** The stream credit a request gets when it names none. */
export const DEFAULT_STREAM_CREDIT = 16;
/** Longest name (address names, methods) in bytes. */
export const MAX_NAME_LEN = 64;
/** Longest topic in bytes. */
export const MAX_TOPIC_LEN = 128;
/** Most entries in a `versions` array. */
export const MAX_VERSIONS = 16;

/** An error as it crosses the wire: `{ code, message, data? }` (PROTOCOL.md §6). */
export interface WireError {
  /** The stable code. */
  code: string;
  /** For a person. */
  message: string;
  /** Typed error data, encoded like a payload. */
  data?: Uint8Array;
}

/** The limits a host enforces on a session, announced in `welcome`. */
export interface SessionLimits {
  /** Largest frame in bytes. */
  max_frame: number;
  /** Deepest nesting of arrays and maps. */
  max_depth: number;
  /** Most requests a session may have unanswered. */
  max_pending: number;
}

/** `hello` (client → host): the first frame a client sends. */
export interface HelloFrame {
  v: number;
  k: "hello";
  /** Protocol versions the client speaks, at most 16. */
  versions: number[];
  /** What the client is: `webview`, `rust`, `test`, ... */
  client: string;
  /** A name for logs. */
  name: string;
}

/** `welcome` (host → client): the answer to a good `hello`. */
export interface WelcomeFrame {
  v: number;
  k: "welcome";
  /** The chosen version. */
  version: number;
  /** The session id, for logs. */
  session: string;
  /** The window label the runtime assigned to this client. */
  window: string;
  /** Permission patterns this client holds. */
  grants: string[];
  /** Limits enforced on the session. */
  limits: SessionLimits;
}

/** `request`: call `method` on the actor at `to`. */
export interface RequestFrame {
  v: number;
  k: "request";
  /** Correlation id, ≤ 2^53 − 1. */
  id: number;
  /** The target address. */
  to: string;
  /** The method; `""` for a command. */
  method: string;
  /** Encoded arguments (a MessagePack map). */
  payload: Uint8Array;
  /** Milliseconds the caller will wait. */
  deadline?: number;
  /** Initial stream credit, if the reply is a stream. */
  credit?: number;
}

/** `response`: the one answer to a request; exactly one of `ok` and `err`. */
export interface ResponseFrame {
  v: number;
  k: "response";
  /** The request's id. */
  id: number;
  /** The encoded return value, on success. */
  ok?: Uint8Array;
  /** The error, on failure. */
  err?: WireError;
}

/** `event`: a value published on a topic (from a client: an emit). */
export interface EventFrame {
  v: number;
  k: "event";
  /** The topic. */
  topic: string;
  /** The encoded value. */
  payload: Uint8Array;
  /** The publisher's address, set by the host on delivery. */
  from?: string;
}

/** `events` (version 2, host → client): events of one topic and publisher, in order. */
export interface EventsFrame {
  v: number;
  k: "events";
  /** The topic. */
  topic: string;
  /** The encoded values, in the order they were published. */
  payloads: Uint8Array[];
  /** The publisher's address, as in `event`. */
  from?: string;
}

/** `subscribe` (client → host), answered by a `response`. */
export interface SubscribeFrame {
  v: number;
  k: "subscribe";
  /** Request id for the answer. */
  id: number;
  /** The topic. */
  topic: string;
}

/** `unsubscribe` (client → host), answered by a `response`. */
export interface UnsubscribeFrame {
  v: number;
  k: "unsubscribe";
  /** Request id for the answer. */
  id: number;
  /** The topic. */
  topic: string;
}

/** `cancel`: drop a pending request. */
export interface CancelFrame {
  v: number;
  k: "cancel";
  /** The request to cancel. */
  id: number;
}

/** `stream_item` (host → client): one item of a streamed reply. */
export interface StreamItemFrame {
  v: number;
  k: "stream_item";
  /** The request whose reply this stream is. */
  id: number;
  /** The item's position, from 0. */
  seq: number;
  /** The encoded item. */
  payload: Uint8Array;
}

/** `stream_end` (host → client): the end of a streamed reply. */
export interface StreamEndFrame {
  v: number;
  k: "stream_end";
  /** The request. */
  id: number;
  /** How many items were sent. */
  seq: number;
  /** Why the stream stopped early, if it did. */
  err?: WireError;
}

/** `credit` (client → host): let a stream's producer send `n` more items. */
export interface CreditFrame {
  v: number;
  k: "credit";
  /** The streaming request. */
  id: number;
  /** Additional items allowed. */
  n: number;
}

/** `error` (host → client): a frame-level error. */
export interface ErrorFrame {
  v: number;
  k: "error";
  /** The code (PROTOCOL.md §6). */
  code: string;
  /** For a person. */
  message: string;
  /** Typed error data, as in `response.err`. */
  data?: Uint8Array;
  /** The request concerned, when one could be read. */
  id?: number;
  /** With `unsupported_version`: what the host speaks. */
  versions?: number[];
}

/** Any frame of protocol versions 1 and 2. */
export type Frame =
  | HelloFrame
  | WelcomeFrame
  | RequestFrame
  | ResponseFrame
  | EventFrame
  | EventsFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | CancelFrame
  | StreamItemFrame
  | StreamEndFrame
  | CreditFrame
  | ErrorFrame;

/** A frame's kind: the `k` field. */
export type FrameKind = Frame["k"];

/** A frame to encode: `v` may be left out (it defaults to {@link frameVersion} of its kind). */
export type OutgoingFrame = Frame extends infer F ? (F extends Frame ? Omit<F, "v"> & { v?: number } : never) : never;

/** Every frame kind, in PROTOCOL.md's order. */
export const FRAME_KINDS: readonly FrameKind[] = [
  "hello",
  "welcome",
  "request",
  "response",
  "event",
  "events",
  "subscribe",
  "unsubscribe",
  "cancel",
  "stream_item",
  "stream_end",
  "credit",
  "error",
];

const NAME_RE = /^[A-Za-z0-9_-]+$/;
const TOPIC_RE = /^[A-Za-z0-9_\-.:/]+$/;

/**
 * Why `text` is not a name (1 to 64 bytes of `A-Z a-z 0-9 _ -`), or `null` when it is one.
 *
 * @example
 * ```ts
 * nameProblem("greet"); // null
 * nameProblem("no spaces"); // "name `no spaces` holds a character outside A-Z a-z 0-9 _ -"
 * ```
 */
export function nameProblem(text: string): string | null {
  if (text.length === 0) return "empty name";
  if (text.length > MAX_NAME_LEN) return `name \`${text.slice(0, MAX_NAME_LEN)}\` is ${text.length} bytes long, the limit is ${MAX_NAME_LEN}`;
  if (!NAME_RE.test(text)) return `name \`${text}\` holds a character outside A-Z a-z 0-9 _ -`;
  return null;
}

/**
 * Why `text` is not a topic (1 to 128 bytes of name characters and `. : /`), or `null`.
 *
 * @example
 * ```ts
 * topicProblem("download/progress"); // null
 * ```
 */
export function topicProblem(text: string): string | null {
  if (text.length === 0) return "empty name";
  if (text.length > MAX_TOPIC_LEN) return `name \`${text.slice(0, MAX_TOPIC_LEN)}\` is ${text.length} bytes long, the limit is ${MAX_TOPIC_LEN}`;
  if (!TOPIC_RE.test(text)) return `name \`${text}\` holds a character outside A-Z a-z 0-9 _ - . : /`;
  return null;
}

/**
 * Why `text` is not an address (`cmd:<name>`, `plugin:<name>`, `window:<name>` or a bare
 * actor `<name>`), or `null` when it is one.
 *
 * @example
 * ```ts
 * addressProblem("cmd:greet"); // null
 * addressProblem("nope:x"); // "address `nope:x` has an unknown prefix: ..."
 * ```
 */
export function addressProblem(text: string): string | null {
  const colon = text.indexOf(":");
  if (colon < 0) return nameProblem(text);
  const prefix = text.slice(0, colon);
  if (prefix !== "cmd" && prefix !== "plugin" && prefix !== "window") {
    return `address \`${text}\` has an unknown prefix: expected cmd:, plugin:, window: or a bare actor name`;
  }
  return nameProblem(text.slice(colon + 1));
}

/** A call target split into its address and method. */
export interface Target {
  /** The actor's address. */
  to: string;
  /** The method; `""` for a command. */
  method: string;
}

/**
 * Splits a call target: `"cmd:greet"` → `{to: "cmd:greet", method: ""}`; otherwise at the
 * last `.`: `"counter.add"` → `{to: "counter", method: "add"}`,
 * `"plugin:fs.read"` → `{to: "plugin:fs", method: "read"}`. Throws `unknown_target` for a
 * target that cannot be an address.
 *
 * @example
 * ```ts
 * parseTarget("window:main.set_title"); // { to: "window:main", method: "set_title" }
 * ```
 */
export function parseTarget(target: string): Target {
  let to = target;
  let method = "";
  if (!target.startsWith("cmd:")) {
    const dot = target.lastIndexOf(".");
    if (dot >= 0) {
      to = target.slice(0, dot);
      method = target.slice(dot + 1);
    }
  }
  const problem = addressProblem(to) ?? (method === "" ? null : nameProblem(method));
  if (problem !== null) {
    throw new SwitchboardError("unknown_target", `target \`${target}\` is not an address: ${problem}`);
  }
  return { to, method };
}

/** Throws a `malformed` error unless `v` is an integer in `0..=max`. @internal */
export function checkUint(field: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw malformed(`field \`${field}\` must be an unsigned integer`);
  if (v < 0 || v > max) throw malformed(`field \`${field}\` holds ${v}, out of range`);
  return v;
}
