/**
 * The iterative structural scan of one MessagePack value (PROTOCOL.md §5), a port of the
 * Rust `switchboard_protocol::scan` with the checks the TypeScript decoder needs on top.
 *
 * Before any typed decoding looks at input, {@link scan} walks it once without recursion:
 * every marker is known (`0xc1` is refused), every declared length fits in the bytes left
 * (an array of `n` needs `n` bytes, a map `2n`), nesting stays within the limit, strings are
 * valid UTF-8, no map holds the same key twice, and (for payloads) every integer is within
 * ±(2^53 − 1). It allocates one small entry per open container, nothing sized by the input.
 * @internal
 * @module
 */

import { malformed } from "./errors.js";

/** What the scan enforces besides structure. */
export interface ScanRules {
  /** Deepest nesting of arrays and maps; the outermost container is level 1. */
  readonly maxDepth: number;
  /**
   * Payload rules on top of structure: strings are UTF-8, map keys are strings or integers
   * and never repeat, integers are within ±(2^53 − 1) (PROTOCOL.md §8). Off for frames,
   * whose known fields the frame decoder checks and whose unknown values are structure only.
   */
  readonly strict: boolean;
}

interface Open {
  /** Values still to read (twice the entries for a map). */
  left: number;
  /** Whether this container is a map. */
  map: boolean;
  /** Keys seen so far (maps only, created on the second key). */
  keys: Set<string> | null;
  /** The first key, kept until the set is needed. */
  first: string | null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const TWO_32 = 0x1_0000_0000;

/** The largest safe integer, 2^53 − 1. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Checks the one MessagePack value at the start of `bytes` and returns its length in bytes;
 * anything after it is left to the caller. Throws a `malformed` SwitchboardError naming
 * what is wrong and where.
 */
export function scan(bytes: Uint8Array, rules: ScanRules): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const open: Open[] = [];
  let pos = 0;
  for (;;) {
    const at = pos;
    if (pos >= end) throw malformed(`input ends inside the value starting at offset ${at}`);
    const parent = open.length > 0 ? open[open.length - 1] : undefined;
    const isKey = rules.strict && parent !== undefined && parent.map && parent.left % 2 === 0;
    const m = bytes[pos++] as number;
    let body = 0; // bytes of body after the header
    let values = -1; // >= 0 for a container
    let isMap = false;
    let key: string | null = null;
    const need = (n: number): void => {
      if (pos + n > end) throw malformed(`input ends inside the value starting at offset ${at}`);
    };
    if (m <= 0x7f || m >= 0xe0) {
      if (isKey) key = `i${m <= 0x7f ? m : m - 0x100}`;
    } else if (m <= 0x8f) {
      values = 2 * (m & 0x0f);
      isMap = true;
    } else if (m <= 0x9f) {
      values = m & 0x0f;
    } else if (m <= 0xbf) {
      body = m & 0x1f;
    } else {
      switch (m) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc1:
          throw malformed(`reserved byte 0xc1 at offset ${at}`);
        case 0xc4:
        case 0xd9:
          need(1);
          body = bytes[pos] as number;
          pos += 1;
          break;
        case 0xc5:
        case 0xda:
          need(2);
          body = view.getUint16(pos);
          pos += 2;
          break;
        case 0xc6:
        case 0xdb:
          need(4);
          body = view.getUint32(pos);
          pos += 4;
          break;
        case 0xc7:
          need(1);
          body = (bytes[pos] as number) + 1;
          pos += 1;
          break;
        case 0xc8:
          need(2);
          body = view.getUint16(pos) + 1;
          pos += 2;
          break;
        case 0xc9:
          need(4);
          body = view.getUint32(pos) + 1;
          pos += 4;
          break;
        case 0xca:
          body = 4;
          break;
        case 0xcb:
          body = 8;
          break;
        case 0xcc:
        case 0xd0:
          body = 1;
          break;
        case 0xcd:
        case 0xd1:
          body = 2;
          break;
        case 0xce:
        case 0xd2:
          body = 4;
          break;
        case 0xcf:
        case 0xd3:
          body = 8;
          break;
        case 0xd4:
          body = 2;
          break;
        case 0xd5:
          body = 3;
          break;
        case 0xd6:
          body = 5;
          break;
        case 0xd7:
          body = 9;
          break;
        case 0xd8:
          body = 17;
          break;
        case 0xdc:
          need(2);
          values = view.getUint16(pos);
          pos += 2;
          break;
        case 0xdd:
          need(4);
          values = view.getUint32(pos);
          pos += 4;
          break;
        case 0xde:
          need(2);
          values = 2 * view.getUint16(pos);
          pos += 2;
          isMap = true;
          break;
        default: // 0xdf
          need(4);
          values = 2 * view.getUint32(pos);
          pos += 4;
          isMap = true;
          break;
      }
    }

    if (values >= 0) {
      if (open.length >= rules.maxDepth) throw malformed(`nesting deeper than ${rules.maxDepth} levels`);
      if (values > end - pos) {
        throw malformed(
          `value at offset ${at} declares ${values} (bytes or entries) but only ${end - pos} bytes are left`,
        );
      }
      if (isKey) throw keyError(at);
      if (values > 0) {
        open.push({ left: values, map: isMap, keys: null, first: null });
        continue;
      }
    } else {
      if (body > end - pos) {
        throw malformed(
          `value at offset ${at} declares ${body} (bytes or entries) but only ${end - pos} bytes are left`,
        );
      }
      const isStr = (m >= 0xa0 && m <= 0xbf) || m === 0xd9 || m === 0xda || m === 0xdb;
      if (isStr && rules.strict) {
        let text: string;
        try {
          text = utf8.decode(bytes.subarray(pos, pos + body));
        } catch {
          throw malformed(`string at offset ${at} is not valid utf-8`);
        }
        if (isKey) key = `s${text}`;
      } else if (m >= 0xcc && m <= 0xd3 && rules.strict) {
        const value = intAt(view, m, pos);
        if (value > MAX_SAFE || value < -MAX_SAFE) {
          throw malformed(
            `integer ${exactIntAt(view, m, pos)} at offset ${at} is outside ±(2^53 − 1); send it as a string`,
          );
        }
        if (isKey) key = `i${value}`;
      }
      if (isKey && key === null) throw keyError(at);
      pos += body;
    }

    if (isKey && parent !== undefined && key !== null) recordKey(parent, key);

    // One value is complete: count it against the containers it closes.
    for (;;) {
      const top = open[open.length - 1];
      if (top === undefined) return pos;
      top.left -= 1;
      if (top.left > 0) break;
      open.pop();
    }
  }
}

function keyError(at: number): Error {
  return malformed(`map key at offset ${at} is not a string or an integer`);
}

/**
 * The offset just past the value at `pos`, in input the scan has accepted (so every length
 * is known to fit). Iterative, like the scan.
 */
export function skipValue(bytes: Uint8Array, view: DataView, pos: number): number {
  let left = 1;
  while (left > 0) {
    left -= 1;
    const m = bytes[pos++] as number;
    if (m <= 0x7f || m >= 0xe0 || m === 0xc0 || m === 0xc2 || m === 0xc3) continue;
    if (m <= 0x8f) left += 2 * (m & 0x0f);
    else if (m <= 0x9f) left += m & 0x0f;
    else if (m <= 0xbf) pos += m & 0x1f;
    else {
      switch (m) {
        case 0xc4:
        case 0xd9:
          pos += 1 + view.getUint8(pos);
          break;
        case 0xc5:
        case 0xda:
          pos += 2 + view.getUint16(pos);
          break;
        case 0xc6:
        case 0xdb:
          pos += 4 + view.getUint32(pos);
          break;
        case 0xc7:
          pos += 2 + view.getUint8(pos);
          break;
        case 0xc8:
          pos += 3 + view.getUint16(pos);
          break;
        case 0xc9:
          pos += 5 + view.getUint32(pos);
          break;
        case 0xca:
        case 0xce:
        case 0xd2:
          pos += 4;
          break;
        case 0xcb:
        case 0xcf:
        case 0xd3:
          pos += 8;
          break;
        case 0xcc:
        case 0xd0:
          pos += 1;
          break;
        case 0xcd:
        case 0xd1:
          pos += 2;
          break;
        case 0xd4:
          pos += 2;
          break;
        case 0xd5:
          pos += 3;
          break;
        case 0xd6:
          pos += 5;
          break;
        case 0xd7:
          pos += 9;
          break;
        case 0xd8:
          pos += 17;
          break;
        case 0xdc:
          left += view.getUint16(pos);
          pos += 2;
          break;
        case 0xdd:
          left += view.getUint32(pos);
          pos += 4;
          break;
        case 0xde:
          left += 2 * view.getUint16(pos);
          pos += 2;
          break;
        case 0xdf:
          left += 2 * view.getUint32(pos);
          pos += 4;
          break;
        default:
          throw malformed(`reserved byte 0x${m.toString(16)} at offset ${pos - 1}`);
      }
    }
  }
  return pos;
}

function recordKey(parent: Open, key: string): void {
  if (parent.first === null) {
    parent.first = key;
    return;
  }
  if (parent.keys === null) parent.keys = new Set([parent.first]);
  if (parent.keys.has(key)) throw malformed(`key \`${key.slice(1, 65)}\` appears twice`);
  parent.keys.add(key);
}

/** The integer after marker `m` at `pos`, possibly rounded past 2^53 (for range checks). */
function intAt(view: DataView, m: number, pos: number): number {
  switch (m) {
    case 0xcc:
      return view.getUint8(pos);
    case 0xcd:
      return view.getUint16(pos);
    case 0xce:
      return view.getUint32(pos);
    case 0xcf:
      return view.getUint32(pos) * TWO_32 + view.getUint32(pos + 4);
    case 0xd0:
      return view.getInt8(pos);
    case 0xd1:
      return view.getInt16(pos);
    case 0xd2:
      return view.getInt32(pos);
    default: // 0xd3
      return view.getInt32(pos) * TWO_32 + view.getUint32(pos + 4);
  }
}

function exactIntAt(view: DataView, m: number, pos: number): string {
  if (m === 0xcf) return view.getBigUint64(pos).toString();
  if (m === 0xd3) return view.getBigInt64(pos).toString();
  return String(intAt(view, m, pos));
}
