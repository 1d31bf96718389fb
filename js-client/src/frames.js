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
/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = 1;
/** Every protocol version this client can speak, newest first. */
export const SUPPORTED_VERSIONS = [PROTOCOL_VERSION];
/** The stream credit a request gets when it names none. */
export const DEFAULT_STREAM_CREDIT = 16;
/** Longest name (address names, methods) in bytes. */
export const MAX_NAME_LEN = 64;
/** Longest topic in bytes. */
export const MAX_TOPIC_LEN = 128;
/** Most entries in a `versions` array. */
export const MAX_VERSIONS = 16;
/** Every frame kind, in PROTOCOL.md's order. */
export const FRAME_KINDS = [
    "hello",
    "welcome",
    "request",
    "response",
    "event",
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
export function nameProblem(text) {
    if (text.length === 0)
        return "empty name";
    if (text.length > MAX_NAME_LEN)
        return `name \`${text.slice(0, MAX_NAME_LEN)}\` is ${text.length} bytes long, the limit is ${MAX_NAME_LEN}`;
    if (!NAME_RE.test(text))
        return `name \`${text}\` holds a character outside A-Z a-z 0-9 _ -`;
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
export function topicProblem(text) {
    if (text.length === 0)
        return "empty name";
    if (text.length > MAX_TOPIC_LEN)
        return `name \`${text.slice(0, MAX_TOPIC_LEN)}\` is ${text.length} bytes long, the limit is ${MAX_TOPIC_LEN}`;
    if (!TOPIC_RE.test(text))
        return `name \`${text}\` holds a character outside A-Z a-z 0-9 _ - . : /`;
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
export function addressProblem(text) {
    const colon = text.indexOf(":");
    if (colon < 0)
        return nameProblem(text);
    const prefix = text.slice(0, colon);
    if (prefix !== "cmd" && prefix !== "plugin" && prefix !== "window") {
        return `address \`${text}\` has an unknown prefix: expected cmd:, plugin:, window: or a bare actor name`;
    }
    return nameProblem(text.slice(colon + 1));
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
export function parseTarget(target) {
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
export function checkUint(field, v, max = Number.MAX_SAFE_INTEGER) {
    if (typeof v !== "number" || !Number.isInteger(v))
        throw malformed(`field \`${field}\` must be an unsigned integer`);
    if (v < 0 || v > max)
        throw malformed(`field \`${field}\` holds ${v}, out of range`);
    return v;
}
