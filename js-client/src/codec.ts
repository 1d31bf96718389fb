/**
 * The codec: frames and payloads to bytes and back, byte-for-byte with the Rust codec
 * (PROTOCOL.md v1, pinned by the golden vectors in `ipc-protocol/vectors/`).
 *
 * Encoding writes the canonical form (keys in table order, absent optionals omitted,
 * smallest formats, payloads as `bin`). Decoding is strict: the input is checked by an
 * iterative structural scan (limits, lengths, depth, UTF-8, duplicate keys, no trailing
 * bytes) before it is decoded, and every failure is a {@link SwitchboardError} with code
 * `malformed`, `too_large`, `unknown_frame` or `unsupported_version`.
 *
 * Payload integers follow §8: within ±(2^53 − 1) they decode to `number`, outside they are
 * rejected (`malformed`); `bigint`s encode exactly, integral `number`s past 2^53 − 1 throw.
 *
 * @example
 * ```ts
 * import { encodePayload, decodePayload } from "@switchboard/client";
 * const bytes = encodePayload({ name: "Ada", id: 7 });
 * decodePayload(bytes); // { name: "Ada", id: 7 }
 * ```
 * @module
 */

import { SwitchboardError, malformed } from "./errors.js";
import {
  type Frame,
  type OutgoingFrame,
  type RequestFrame,
  type WireError,
  MAX_VERSIONS,
  frameVersion,
  addressProblem,
  checkUint,
  nameProblem,
  topicProblem,
} from "./frames.js";
import { decodeValue } from "./decoder.js";
import { readFrame } from "./reader.js";
import { scan } from "./scan.js";
import { Writer } from "./writer.js";

/** Limits a decoder enforces before it allocates anything sized by its input (PROTOCOL.md §5). */
export interface DecodeLimits {
  /** Longest frame, batch or payload in bytes (default 64 MiB). */
  maxFrame: number;
  /** Deepest nesting of arrays and maps (default 64). */
  maxDepth: number;
}

/** PROTOCOL.md §5's defaults. */
export const DEFAULT_LIMITS: Readonly<DecodeLimits> = Object.freeze({ maxFrame: 64 * 1024 * 1024, maxDepth: 64 });

const U32_MAX = 0xffff_ffff;
function decodeChecked(bytes: Uint8Array): unknown {
  try {
    return decodeValue(bytes);
  } catch (e) {
    if (e instanceof SwitchboardError) throw e;
    throw new SwitchboardError("malformed", `undecodable value: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

function checkLength(bytes: Uint8Array, limits: DecodeLimits): void {
  if (bytes.length > limits.maxFrame) {
    throw new SwitchboardError("too_large", `frame is ${bytes.length} bytes, the limit is ${limits.maxFrame}`);
  }
}

function scanWhole(bytes: Uint8Array, limits: DecodeLimits, payload: boolean): void {
  const end = scan(bytes, { maxDepth: limits.maxDepth, safeIntegers: payload });
  if (end !== bytes.length) throw malformed(`${bytes.length - end} trailing bytes after the value`);
}

// ---------------------------------------------------------------------------------------------
// Payloads

/**
 * Encodes a payload value (PROTOCOL.md §8) as MessagePack: objects and `Map`s as maps,
 * `Uint8Array` as `bin`, safe integers as integers, other numbers as float64, `bigint` as an
 * exact integer. Throws `bad_payload` for an integral number past 2^53 − 1, a value nested
 * deeper than 64 levels, or a value that has no MessagePack form.
 *
 * @example
 * ```ts
 * encodePayload({ a: 1 }); // Uint8Array [0x81, 0xa1, 0x61, 0x01]
 * encodePayload(2n ** 63n); // uint64, exact
 * ```
 */
export function encodePayload(value: unknown, maxDepth = DEFAULT_LIMITS.maxDepth): Uint8Array {
  const w = new Writer();
  w.value(value, maxDepth);
  return w.finish();
}

/**
 * Decodes one payload value, strictly: structure checked first (limits, lengths, depth,
 * UTF-8, duplicate keys, trailing bytes), integers outside ±(2^53 − 1) rejected with
 * `malformed`. Maps decode to plain objects, `bin` to `Uint8Array` (a view of the input).
 *
 * @example
 * ```ts
 * decodePayload(new Uint8Array([0x92, 0x01, 0xc3])); // [1, true]
 * decodePayload(new Uint8Array([0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0])); // throws: malformed
 * ```
 */
export function decodePayload<T = unknown>(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): T {
  checkLength(bytes, limits);
  scanWhole(bytes, limits, true);
  return decodeChecked(bytes) as T;
}

// ---------------------------------------------------------------------------------------------
// Frames

function putWireError(w: Writer, e: WireError): void {
  const hasData = e.data !== undefined && e.data !== null;
  w.mapHeader(hasData ? 3 : 2);
  w.str("code");
  w.str(e.code);
  w.str("message");
  w.str(e.message);
  if (hasData && e.data !== undefined) {
    w.str("data");
    w.bin(e.data);
  }
}

function putUintArray(w: Writer, field: string, values: readonly number[]): void {
  w.arrayHeader(values.length);
  for (const v of values) w.int(checkUint(field, v, U32_MAX));
}

function present<T>(v: T | undefined | null): v is T {
  return v !== undefined && v !== null;
}

function checkAddress(field: string, v: string): string {
  const problem = addressProblem(v);
  if (problem !== null) throw malformed(`field \`${field}\`: ${problem}`);
  return v;
}

function checkTopic(v: string): string {
  const problem = topicProblem(v);
  if (problem !== null) throw malformed(`field \`topic\`: ${problem}`);
  return v;
}

function checkMethod(v: string): string {
  const problem = v === "" ? null : nameProblem(v);
  if (problem !== null) throw malformed(`field \`method\`: ${problem}`);
  return v;
}

/** A `request` frame's fields but its payload. */
export type RequestHead = Omit<RequestFrame, "k" | "v" | "payload"> & { v?: number };

function putRequest(w: Writer, frame: RequestHead, payload: () => void): void {
  w.mapHeader(6 + Number(present(frame.deadline)) + Number(present(frame.credit)));
  w.str("v");
  w.int(checkUint("v", frame.v ?? frameVersion("request"), U32_MAX));
  w.str("k");
  w.str("request");
  w.str("id");
  w.int(checkUint("id", frame.id));
  w.str("to");
  w.str(checkAddress("to", frame.to));
  w.str("method");
  w.str(checkMethod(frame.method));
  w.str("payload");
  payload();
  if (present(frame.deadline)) {
    w.str("deadline");
    w.int(checkUint("deadline", frame.deadline));
  }
  if (present(frame.credit)) {
    w.str("credit");
    w.int(checkUint("credit", frame.credit, U32_MAX));
  }
}

/**
 * Encodes a `request` frame with `args` as its payload, written once, straight into the
 * frame: the same bytes as `encodeFrame({ k: "request", ...frame, payload: encodePayload(args) })`
 * without encoding the payload into a buffer of its own first (a 16 MiB `Uint8Array`
 * argument is copied once, not twice). Throws as `encodePayload` and `encodeFrame` do.
 *
 * @example
 * ```ts
 * encodeRequest({ id: 1, to: "cmd:ping", method: "" }, { n: 1 });
 * // the bytes of encodeFrame({ k: "request", id: 1, to: "cmd:ping", method: "", payload: encodePayload({ n: 1 }) })
 * ```
 */
export function encodeRequest(frame: RequestHead, args: unknown, maxDepth = DEFAULT_LIMITS.maxDepth): Uint8Array {
  const w = new Writer();
  putRequest(w, frame, () => w.binOf(args, maxDepth));
  return w.finish();
}

/**
 * Encodes a frame in its canonical form. Checks what the decoder on the other side would
 * refuse (ids past 2^53 − 1, addresses and topics that do not parse, more than 16 versions)
 * and throws `malformed` (`too_large` for the versions) instead of writing it.
 *
 * @example
 * ```ts
 * encodeFrame({ k: "cancel", id: 7 }); // {"v":1,"k":"cancel","id":7}
 * ```
 */
export function encodeFrame(frame: OutgoingFrame): Uint8Array {
  const w = new Writer(
    frame.k === "request" || frame.k === "event"
      ? 64 + frame.payload.length
      : frame.k === "events"
        ? 64 + frame.payloads.reduce((n, p) => n + p.length + 5, 0)
        : 64,
  );
  const head = (fields: number): void => {
    w.mapHeader(fields + 2);
    w.str("v");
    w.int(checkUint("v", frame.v ?? frameVersion(frame.k), U32_MAX));
    w.str("k");
    w.str(frame.k);
  };
  const id = (v: number): void => {
    w.str("id");
    w.int(checkUint("id", v));
  };
  switch (frame.k) {
    case "hello":
      if (frame.versions.length > MAX_VERSIONS) {
        throw new SwitchboardError("too_large", `field \`versions\` has ${frame.versions.length} entries, the limit is ${MAX_VERSIONS}`);
      }
      head(3);
      w.str("versions");
      putUintArray(w, "versions", frame.versions);
      w.str("client");
      w.str(frame.client);
      w.str("name");
      w.str(frame.name);
      break;
    case "welcome":
      head(5);
      w.str("version");
      w.int(checkUint("version", frame.version, U32_MAX));
      w.str("session");
      w.str(frame.session);
      w.str("window");
      w.str(frame.window);
      w.str("grants");
      w.arrayHeader(frame.grants.length);
      for (const g of frame.grants) w.str(g);
      w.str("limits");
      w.mapHeader(3);
      w.str("max_frame");
      w.int(checkUint("max_frame", frame.limits.max_frame));
      w.str("max_depth");
      w.int(checkUint("max_depth", frame.limits.max_depth, U32_MAX));
      w.str("max_pending");
      w.int(checkUint("max_pending", frame.limits.max_pending, U32_MAX));
      break;
    case "request":
      putRequest(w, frame, () => w.bin(frame.payload));
      break;
    case "response":
      if (present(frame.ok) === present(frame.err)) {
        throw malformed("a response holds exactly one of `ok` and `err`");
      }
      head(2);
      id(frame.id);
      if (present(frame.ok)) {
        w.str("ok");
        w.bin(frame.ok);
      } else if (present(frame.err)) {
        w.str("err");
        putWireError(w, frame.err);
      }
      break;
    case "event":
      head(2 + Number(present(frame.from)));
      w.str("topic");
      w.str(checkTopic(frame.topic));
      w.str("payload");
      w.bin(frame.payload);
      if (present(frame.from)) {
        w.str("from");
        w.str(checkAddress("from", frame.from));
      }
      break;
    case "events":
      head(2 + Number(present(frame.from)));
      w.str("topic");
      w.str(checkTopic(frame.topic));
      w.str("payloads");
      w.arrayHeader(frame.payloads.length);
      for (const p of frame.payloads) w.bin(p);
      if (present(frame.from)) {
        w.str("from");
        w.str(checkAddress("from", frame.from));
      }
      break;
    case "subscribe":
    case "unsubscribe":
      head(2);
      id(frame.id);
      w.str("topic");
      w.str(checkTopic(frame.topic));
      break;
    case "cancel":
      head(1);
      id(frame.id);
      break;
    case "stream_item":
      head(3);
      id(frame.id);
      w.str("seq");
      w.int(checkUint("seq", frame.seq));
      w.str("payload");
      w.bin(frame.payload);
      break;
    case "stream_end":
      head(2 + Number(present(frame.err)));
      id(frame.id);
      w.str("seq");
      w.int(checkUint("seq", frame.seq));
      if (present(frame.err)) {
        w.str("err");
        putWireError(w, frame.err);
      }
      break;
    case "credit":
      head(2);
      id(frame.id);
      w.str("n");
      w.int(checkUint("n", frame.n, U32_MAX));
      break;
    case "error":
      head(2 + Number(present(frame.data)) + Number(present(frame.id)) + Number(present(frame.versions)));
      w.str("code");
      w.str(frame.code);
      w.str("message");
      w.str(frame.message);
      if (present(frame.data)) {
        w.str("data");
        w.bin(frame.data);
      }
      if (present(frame.id)) id(frame.id);
      if (present(frame.versions)) {
        w.str("versions");
        putUintArray(w, "versions", frame.versions);
      }
      break;
    default: {
      const unknown: { k: string } = frame;
      throw new SwitchboardError("unknown_frame", `unknown frame kind \`${unknown.k}\``);
    }
  }
  return w.finish();
}

/**
 * Decodes one frame, strictly (PROTOCOL.md §1 "Rejected"): `too_large` past
 * `limits.maxFrame`, `unsupported_version` for a `v` this client does not speak (except on
 * `hello`), `unknown_frame` for an unknown `k`, `malformed` for everything else. Payload
 * fields stay encoded (`Uint8Array` views of the input); unknown keys are skipped.
 *
 * @example
 * ```ts
 * const frame = decodeFrame(bytes);
 * if (frame.k === "response" && frame.ok) console.log(decodePayload(frame.ok));
 * ```
 */
export function decodeFrame(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): Frame {
  checkLength(bytes, limits);
  const first = bytes[0];
  if (first === undefined) throw malformed("input ends inside the value starting at offset 0");
  if (!((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf)) {
    throw malformed("a frame must be a map with string keys");
  }
  scanWhole(bytes, limits, false);
  return readFrame(bytes);
}

// ---------------------------------------------------------------------------------------------
// Batches (PROTOCOL.md §7)

/**
 * Encodes a batch: a MessagePack array whose elements are `bin`s, each one encoded frame.
 *
 * @example
 * ```ts
 * const batch = encodeBatch([encodeFrame({ k: "cancel", id: 1 })]);
 * ```
 */
export function encodeBatch(frames: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(16 + frames.reduce((n, f) => n + f.length + 5, 0));
  w.arrayHeader(frames.length);
  for (const f of frames) w.bin(f);
  return w.finish();
}

/**
 * Splits a batch into its encoded frames (views of the input, not yet decoded). A batch has
 * the limits of a frame; anything but an array of `bin`s is `malformed`.
 *
 * @example
 * ```ts
 * for (const bytes of splitBatch(body)) handle(decodeFrame(bytes));
 * ```
 */
export function splitBatch(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): Uint8Array[] {
  checkLength(bytes, limits);
  // One pass over the headers only (a batch is an array of `bin`s, nothing else): the same
  // checks the generic scan + decode made (every length against the bytes left, no trailing
  // bytes), without a generic decoder's work per element. ~2x faster for one-frame batches.
  const end = bytes.length;
  const m = bytes[0];
  let count: number;
  let pos: number;
  if (m === undefined) throw malformed("input ends inside the value starting at offset 0");
  if (m >= 0x90 && m <= 0x9f) {
    count = m & 0x0f;
    pos = 1;
  } else if (m === 0xdc) {
    if (end < 3) throw malformed("input ends inside the value starting at offset 0");
    count = ((bytes[1] as number) << 8) | (bytes[2] as number);
    pos = 3;
  } else if (m === 0xdd) {
    if (end < 5) throw malformed("input ends inside the value starting at offset 0");
    count = ((bytes[1] as number) * 0x100_0000 + (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number))) >>> 0;
    pos = 5;
  } else {
    throw malformed("a batch must be an array of binaries");
  }
  // Each element takes at least 2 bytes: refuse a count the input cannot hold before looping.
  if (count * 2 > end - pos) throw malformed(`value at offset 0 declares ${count} (bytes or entries) but only ${end - pos} bytes are left`);
  // Past the first 1,024, a batch must average 16 bytes a frame (the shortest frame is 17):
  // PROTOCOL.md §7, so the list of views stays within a bound of the batch's size.
  const maxFrames = 1024 + Math.floor(end / 16);
  if (count > maxFrames) throw new SwitchboardError("too_large", `a batch of ${end} bytes holds at most ${maxFrames} frames, not ${count}`);
  const frames = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    const at = pos;
    const b = bytes[pos];
    let len: number;
    if (b === 0xc4) {
      if (pos + 2 > end) throw malformed(`input ends inside the value starting at offset ${at}`);
      len = bytes[pos + 1] as number;
      pos += 2;
    } else if (b === 0xc5) {
      if (pos + 3 > end) throw malformed(`input ends inside the value starting at offset ${at}`);
      len = ((bytes[pos + 1] as number) << 8) | (bytes[pos + 2] as number);
      pos += 3;
    } else if (b === 0xc6) {
      if (pos + 5 > end) throw malformed(`input ends inside the value starting at offset ${at}`);
      len = ((bytes[pos + 1] as number) * 0x100_0000 + (((bytes[pos + 2] as number) << 16) | ((bytes[pos + 3] as number) << 8) | (bytes[pos + 4] as number))) >>> 0;
      pos += 5;
    } else if (b === undefined) {
      throw malformed(`input ends inside the value starting at offset ${at}`);
    } else {
      throw malformed("a batch must be an array of binaries");
    }
    if (len > end - pos) throw malformed(`value at offset ${at} declares ${len} (bytes or entries) but only ${end - pos} bytes are left`);
    frames[i] = bytes.subarray(pos, pos + len);
    pos += len;
  }
  if (pos !== end) throw malformed(`${end - pos} trailing bytes after the value`);
  return frames;
}

/**
 * Whether `bytes` looks like a batch (an array) rather than a single frame (a map), by its
 * first byte. Push paths may carry either.
 */
export function isBatch(bytes: Uint8Array): boolean {
  const b = bytes[0];
  return b !== undefined && ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd);
}
