/**
 * The typed frame reader: reads a frame's known fields straight from bytes the structural
 * scan has accepted, the way the Rust decoder does (PROTOCOL.md §1): keys are UTF-8 strings
 * and never repeat (known or unknown), integer fields are integers (never floats) within
 * their range, `nil` is absent for an optional field and an error for a required one, and
 * unknown keys' values are skipped unread (structure checked, nothing more).
 * @internal
 * @module
 */

import { SwitchboardError, malformed } from "./errors.js";
import {
  type Frame,
  type SessionLimits,
  type WireError,
  FRAME_KINDS,
  MAX_VERSIONS,
  frameVersion,
  SUPPORTED_VERSIONS,
  addressProblem,
  nameProblem,
  topicProblem,
} from "./frames.js";
import { cachedAscii } from "./decoder.js";
import { MAX_SAFE, skipValue } from "./scan.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const U32_MAX = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;

/** A map read off the wire: each key's value offset, keys checked. */
// The last topic that passed `topicProblem` (a pure check, so a repeat needs no second run).
let lastTopic = "";

/**
 * Where each key's value starts. Frames have a handful of keys: up to {@link SMALL_MAP} they
 * are kept in two arrays (a linear search beats a `Map`'s allocation and hashing), past it
 * in a `Map` (so a frame of thousands of unknown keys is not checked for repeats in O(n²)).
 */
class Offsets {
  private readonly keys: string[] = [];
  private readonly values: number[] = [];
  private big: Map<string, number> | null = null;

  get(key: string): number | undefined {
    if (this.big !== null) return this.big.get(key);
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: number): void {
    if (this.big !== null) {
      this.big.set(key, value);
      return;
    }
    this.keys.push(key);
    this.values.push(value);
    if (this.keys.length > SMALL_MAP) {
      this.big = new Map(this.keys.map((k, i) => [k, this.values[i] as number]));
    }
  }
}

const SMALL_MAP = 16;

/** Most unknown keys one map of a frame may hold (the frame's own map, `err`, `limits`): PROTOCOL.md §5. */
export const MAX_UNKNOWN_KEYS = 64;

/** Most entries of a `welcome`'s `grants`: PROTOCOL.md §5. */
export const MAX_GRANTS = 1024;

// The keys each kind of map knows (a key another frame kind uses is still known here, as in
// the Rust decoder); anything else counts against MAX_UNKNOWN_KEYS.
const FRAME_KEYS: ReadonlySet<string> = new Set([
  "v", "k", "id", "to", "method", "payload", "deadline", "credit", "ok", "err", "topic", "from",
  "seq", "n", "code", "message", "data", "versions", "client", "name", "version", "session",
  "window", "grants", "limits",
]);
const ERR_KEYS: ReadonlySet<string> = new Set(["code", "message", "data"]);
const LIMIT_KEYS: ReadonlySet<string> = new Set(["max_frame", "max_depth", "max_pending"]);

function knownKeys(field: string): ReadonlySet<string> {
  if (field === "err") return ERR_KEYS;
  if (field === "limits") return LIMIT_KEYS;
  return FRAME_KEYS;
}

class FieldMap {
  constructor(
    private readonly r: Reader,
    private readonly offsets: Offsets,
    readonly kind: string,
  ) {}

  /** Offset of `field`'s value, or undefined when absent or `nil`. */
  private at(field: string): number | undefined {
    const pos = this.offsets.get(field);
    if (pos === undefined || this.r.bytes[pos] === 0xc0) return undefined;
    return pos;
  }

  has(field: string): boolean {
    return this.at(field) !== undefined;
  }

  private need(field: string): number {
    const pos = this.at(field);
    if (pos === undefined) throw malformed(`\`${this.kind}\` frame is missing field \`${field}\``);
    return pos;
  }

  uint(field: string, max = MAX_SAFE): number {
    return this.r.uint(this.need(field), field, max);
  }

  optUint(field: string, max = MAX_SAFE): number | undefined {
    const pos = this.at(field);
    return pos === undefined ? undefined : this.r.uint(pos, field, max);
  }

  str(field: string): string {
    return this.r.str(this.need(field), field);
  }

  bin(field: string): Uint8Array {
    return this.r.bin(this.need(field), field);
  }

  optBin(field: string): Uint8Array | undefined {
    const pos = this.at(field);
    return pos === undefined ? undefined : this.r.bin(pos, field);
  }

  map(field: string): FieldMap {
    return this.r.map(this.need(field), field, this.kind);
  }

  optMap(field: string): FieldMap | undefined {
    const pos = this.at(field);
    return pos === undefined ? undefined : this.r.map(pos, field, this.kind);
  }

  address(field: string): string {
    const text = this.str(field);
    const problem = addressProblem(text);
    if (problem !== null) throw malformed(`field \`${field}\`: ${problem}`);
    return text;
  }

  topic(): string {
    const text = this.str("topic");
    // Events in a batch mostly share a topic: the last valid one is not checked again.
    if (text === lastTopic) return text;
    const problem = topicProblem(text);
    if (problem !== null) throw malformed(`field \`topic\`: ${problem}`);
    lastTopic = text;
    return text;
  }

  uints(field: string): number[] {
    const pos = this.need(field);
    const [n, first] = this.r.arrayHeader(pos, field, "an array of unsigned integers");
    if (n > MAX_VERSIONS) {
      throw new SwitchboardError("too_large", `field \`${field}\` has ${n} entries, the limit is ${MAX_VERSIONS}`);
    }
    const out: number[] = [];
    let p = first;
    for (let i = 0; i < n; i++) {
      out.push(this.r.uint(p, field, U32_MAX));
      p = skipValue(this.r.bytes, this.r.view, p);
    }
    return out;
  }

  strs(field: string, max: number): string[] {
    const pos = this.need(field);
    const [n, first] = this.r.arrayHeader(pos, field, "an array of strings");
    if (n > max) throw new SwitchboardError("too_large", `field \`${field}\` has ${n} entries, the limit is ${max}`);
    const out: string[] = [];
    let p = first;
    for (let i = 0; i < n; i++) {
      out.push(this.r.str(p, field));
      p = skipValue(this.r.bytes, this.r.view, p);
    }
    return out;
  }

  /** An array of binaries (views into the frame, not copies). */
  bins(field: string): Uint8Array[] {
    const pos = this.need(field);
    const [n, first] = this.r.arrayHeader(pos, field, "an array of binaries");
    const out: Uint8Array[] = new Array<Uint8Array>(n);
    let p = first;
    for (let i = 0; i < n; i++) {
      const b = this.r.bin(p, field);
      out[i] = b;
      p = b.byteOffset - this.r.bytes.byteOffset + b.length;
    }
    return out;
  }

  /** The same fields, reported as fields of a `kind` frame. */
  withKind(kind: string): FieldMap {
    return new FieldMap(this.r, this.offsets, kind);
  }
}

function wireError(map: FieldMap): WireError {
  const e: WireError = { code: map.str("code"), message: map.str("message") };
  const data = map.optBin("data");
  if (data !== undefined) e.data = data;
  return e;
}

/** Typed reads at offsets of one scanned input. */
class Reader {
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  uint(pos: number, field: string, max: number): number {
    const m = this.bytes[pos] as number;
    const v = this.view;
    let value: number;
    if (m <= 0x7f) value = m;
    else if (m >= 0xe0) value = m - 0x100;
    else {
      const p = pos + 1;
      switch (m) {
        case 0xcc:
          value = v.getUint8(p);
          break;
        case 0xcd:
          value = v.getUint16(p);
          break;
        case 0xce:
          value = v.getUint32(p);
          break;
        case 0xcf:
          value = v.getUint32(p) * TWO_32 + v.getUint32(p + 4);
          break;
        case 0xd0:
          value = v.getInt8(p);
          break;
        case 0xd1:
          value = v.getInt16(p);
          break;
        case 0xd2:
          value = v.getInt32(p);
          break;
        case 0xd3:
          value = v.getInt32(p) * TWO_32 + v.getUint32(p + 4);
          break;
        default:
          throw malformed(`field \`${field}\` must be an unsigned integer`);
      }
    }
    // Past 2^53 the value is rounded, but stays past the limit, which is all we report.
    if (value < 0 || value > max) throw malformed(`field \`${field}\` holds ${value}, out of range`);
    return value;
  }

  str(pos: number, field: string): string {
    const m = this.bytes[pos] as number;
    let start: number;
    let len: number;
    if (m >= 0xa0 && m <= 0xbf) {
      start = pos + 1;
      len = m & 0x1f;
    } else if (m === 0xd9) {
      start = pos + 2;
      len = this.view.getUint8(pos + 1);
    } else if (m === 0xda) {
      start = pos + 3;
      len = this.view.getUint16(pos + 1);
    } else if (m === 0xdb) {
      start = pos + 5;
      len = this.view.getUint32(pos + 1);
    } else {
      throw malformed(`field \`${field}\` must be a string`);
    }
    const ascii = cachedAscii(this.bytes, start, len);
    if (ascii !== null) return ascii;
    try {
      return utf8.decode(this.bytes.subarray(start, start + len));
    } catch {
      throw malformed(`field \`${field}\` is not valid utf-8`);
    }
  }

  bin(pos: number, field: string): Uint8Array {
    const m = this.bytes[pos] as number;
    let start: number;
    let len: number;
    if (m === 0xc4) [start, len] = [pos + 2, this.view.getUint8(pos + 1)];
    else if (m === 0xc5) [start, len] = [pos + 3, this.view.getUint16(pos + 1)];
    else if (m === 0xc6) [start, len] = [pos + 5, this.view.getUint32(pos + 1)];
    else throw malformed(`field \`${field}\` must be a binary`);
    return this.bytes.subarray(start, start + len);
  }

  arrayHeader(pos: number, field: string, expected: string): [number, number] {
    const m = this.bytes[pos] as number;
    if (m >= 0x90 && m <= 0x9f) return [m & 0x0f, pos + 1];
    if (m === 0xdc) return [this.view.getUint16(pos + 1), pos + 3];
    if (m === 0xdd) return [this.view.getUint32(pos + 1), pos + 5];
    throw malformed(`field \`${field}\` must be ${expected}`);
  }

  /** Reads a map's keys (UTF-8 strings, no repeats) and where each value starts. */
  map(pos: number, field: string, kind: string): FieldMap {
    const m = this.bytes[pos] as number;
    let n: number;
    let p: number;
    if (m >= 0x80 && m <= 0x8f) [n, p] = [m & 0x0f, pos + 1];
    else if (m === 0xde) [n, p] = [this.view.getUint16(pos + 1), pos + 3];
    else if (m === 0xdf) [n, p] = [this.view.getUint32(pos + 1), pos + 5];
    else throw malformed(field === "" ? "a frame must be a map with string keys" : `field \`${field}\` must be a map`);
    const offsets = new Offsets();
    const known = knownKeys(field);
    let unknown = 0;
    for (let i = 0; i < n; i++) {
      const m0 = this.bytes[p] as number;
      if (!((m0 >= 0xa0 && m0 <= 0xbf) || (m0 >= 0xd9 && m0 <= 0xdb))) throw malformed(`map key at offset ${p} is not a string`);
      let key: string;
      try {
        key = this.str(p, "key");
      } catch {
        throw malformed(`map key at offset ${p} is not valid utf-8`);
      }
      if (offsets.has(key)) throw malformed(`key \`${key.slice(0, 64)}\` appears twice`);
      if (!known.has(key) && ++unknown > MAX_UNKNOWN_KEYS) {
        throw new SwitchboardError("too_large", `a map holds more than ${MAX_UNKNOWN_KEYS} unknown keys`);
      }
      p = skipValue(this.bytes, this.view, p);
      offsets.set(key, p);
      p = skipValue(this.bytes, this.view, p);
    }
    return new FieldMap(this, offsets, kind);
  }
}

function withOptional<T extends object>(frame: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) (frame as Record<string, unknown>)[key] = value;
  }
  return frame;
}

/** Reads the frame in `bytes`, which the structural scan has accepted as one whole value. */
export function readFrame(bytes: Uint8Array): Frame {
  const reader = new Reader(bytes);
  const top = reader.map(0, "", "frame");
  let v = top.uint("v");
  const k = top.str("k");
  // `hello` is read at any `v`: its shape is frozen so a newer client can be answered.
  if (k !== "hello" && !SUPPORTED_VERSIONS.includes(v)) {
    throw new SwitchboardError(
      "unsupported_version",
      `protocol version ${v} is not supported, supported: [${SUPPORTED_VERSIONS.join(", ")}]`,
    );
  }
  if (!(FRAME_KINDS as readonly string[]).includes(k)) {
    throw new SwitchboardError("unknown_frame", `unknown frame kind \`${k.slice(0, 64)}\``);
  }
  const r = top.withKind(k);
  // A `hello` of any `v` is read in version 1's frozen shape; every decoded frame says the
  // version that defines its kind (1, or 2 for `events`).
  v = frameVersion(k);
  switch (k) {
    case "hello":
      return { v, k, versions: r.uints("versions"), client: r.str("client"), name: r.str("name") };
    case "welcome": {
      const version = r.uint("version", U32_MAX);
      const session = r.str("session");
      const window = r.str("window");
      const grants = r.strs("grants", MAX_GRANTS);
      const l = r.map("limits");
      const limits: SessionLimits = {
        max_frame: l.uint("max_frame"),
        max_depth: l.uint("max_depth", U32_MAX),
        max_pending: l.uint("max_pending", U32_MAX),
      };
      return { v, k, version, session, window, grants, limits };
    }
    case "request": {
      const id = r.uint("id");
      const to = r.address("to");
      const method = r.str("method");
      const problem = method === "" ? null : nameProblem(method);
      if (problem !== null) throw malformed(`field \`method\`: ${problem}`);
      const payload = r.bin("payload");
      return withOptional(
        { v, k, id, to, method, payload },
        { deadline: r.optUint("deadline"), credit: r.optUint("credit", U32_MAX) },
      );
    }
    case "response": {
      const id = r.uint("id");
      const ok = r.optBin("ok");
      const err = r.optMap("err");
      if ((ok === undefined) === (err === undefined)) throw malformed("a response holds exactly one of `ok` and `err`");
      return ok !== undefined ? { v, k, id, ok } : { v, k, id, err: wireError(err as FieldMap) };
    }
    case "event": {
      const topic = r.topic();
      const payload = r.bin("payload");
      if (!r.has("from")) return { v, k, topic, payload };
      return { v, k, topic, payload, from: r.address("from") };
    }
    case "events": {
      const topic = r.topic();
      const payloads = r.bins("payloads");
      if (!r.has("from")) return { v, k, topic, payloads };
      return { v, k, topic, payloads, from: r.address("from") };
    }
    case "subscribe":
    case "unsubscribe":
      return { v, k, id: r.uint("id"), topic: r.topic() };
    case "cancel":
      return { v, k, id: r.uint("id") };
    case "stream_item":
      return { v, k, id: r.uint("id"), seq: r.uint("seq"), payload: r.bin("payload") };
    case "stream_end": {
      const id = r.uint("id");
      const seq = r.uint("seq");
      const err = r.optMap("err");
      return withOptional({ v, k, id, seq }, { err: err && wireError(err) });
    }
    case "credit":
      return { v, k, id: r.uint("id"), n: r.uint("n", U32_MAX) };
    default: {
      const code = r.str("code");
      const message = r.str("message");
      return withOptional(
        { v, k: "error" as const, code, message },
        { data: r.optBin("data"), id: r.optUint("id"), versions: r.has("versions") ? r.uints("versions") : undefined },
      );
    }
  }
}
