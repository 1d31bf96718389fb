/**
 * The canonical MessagePack writer (PROTOCOL.md §1 "Canonical form", §8): every header in its
 * smallest format, byte-identical to `rmp_serde::to_vec_named` and to `@msgpack/msgpack`'s
 * `encode` for the values both can express, plus exact `bigint`s and the 64-bit policy.
 * Written by hand because `@msgpack/msgpack` cannot write a `bigint` without also turning safe
 * integers ≥ 2^32 into floats.
 * @internal
 * @module
 */

import { SwitchboardError } from "./errors.js";

const textEncoder = new TextEncoder();
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

/** A growable byte buffer with MessagePack writing methods. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  /** A writer with `capacity` bytes to start with. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** The bytes written so far: a view when it fills most of the buffer, else a copy. */
  finish(): Uint8Array {
    return this.pos * 2 >= this.buf.length ? this.buf.subarray(0, this.pos) : this.buf.slice(0, this.pos);
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    // Double, or grow to what a large write needs plus a little (a frame's fields after a
    // big payload) rather than to the next power of two: a 16 MiB `bin` allocates ~16 MiB,
    // not 32.
    const size = Math.max(this.buf.length * 2, need + 256);
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** One raw byte. */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private u16(marker: number, v: number): void {
    this.ensure(3);
    this.buf[this.pos] = marker;
    this.view.setUint16(this.pos + 1, v);
    this.pos += 3;
  }

  private u32(marker: number, v: number): void {
    this.ensure(5);
    this.buf[this.pos] = marker;
    this.view.setUint32(this.pos + 1, v);
    this.pos += 5;
  }

  /** `nil`. */
  nil(): void {
    this.byte(0xc0);
  }

  /** A boolean. */
  bool(v: boolean): void {
    this.byte(v ? 0xc3 : 0xc2);
  }

  /** A safe integer in its smallest format (unsigned formats for non-negative values). */
  int(v: number): void {
    if (v >= 0) {
      if (v < 0x80) this.byte(v);
      else if (v < 0x100) {
        this.ensure(2);
        this.buf[this.pos++] = 0xcc;
        this.buf[this.pos++] = v;
      } else if (v < 0x10000) this.u16(0xcd, v);
      else if (v < 0x1_0000_0000) this.u32(0xce, v);
      else {
        this.ensure(9);
        this.buf[this.pos] = 0xcf;
        this.view.setUint32(this.pos + 1, Math.floor(v / 0x1_0000_0000));
        this.view.setUint32(this.pos + 5, v >>> 0);
        this.pos += 9;
      }
    } else if (v >= -0x20) this.byte(0xe0 | (v + 0x20));
    else if (v >= -0x80) {
      this.ensure(2);
      this.buf[this.pos++] = 0xd0;
      this.view.setInt8(this.pos++, v);
    } else if (v >= -0x8000) {
      this.ensure(3);
      this.buf[this.pos] = 0xd1;
      this.view.setInt16(this.pos + 1, v);
      this.pos += 3;
    } else if (v >= -0x8000_0000) {
      this.ensure(5);
      this.buf[this.pos] = 0xd2;
      this.view.setInt32(this.pos + 1, v);
      this.pos += 5;
    } else this.bigint(BigInt(v));
  }

  /** A `bigint` as an exact integer, in its smallest format. */
  bigint(v: bigint): void {
    if (v > U64_MAX || v < I64_MIN) {
      throw new SwitchboardError("bad_payload", `integer ${v} does not fit in 64 bits`);
    }
    if (v >= -0x8000_0000n && v < 0x1_0000_0000n) {
      this.int(Number(v));
      return;
    }
    this.ensure(9);
    if (v >= 0n) {
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
    } else {
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
    }
    this.pos += 9;
  }

  /** A float64. */
  f64(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  /** A number under PROTOCOL.md §8: safe integers as integers, integral unsafe ones throw. */
  number(v: number): void {
    if (Number.isSafeInteger(v)) this.int(v);
    else if (Number.isInteger(v)) {
      throw new SwitchboardError(
        "bad_payload",
        `integer ${v} is beyond ±(2^53 − 1) and would lose precision; pass a bigint or a string`,
      );
    } else this.f64(v);
  }

  /** A string, header in its smallest format. */
  str(s: string): void {
    // Short ASCII-only strings are the common case (keys, names): skip the encoder.
    if (s.length < 32) {
      let ascii = true;
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(1 + s.length);
        this.buf[this.pos++] = 0xa0 | s.length;
        for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
        return;
      }
    }
    const bytes = textEncoder.encode(s);
    const n = bytes.length;
    if (n < 32) this.byte(0xa0 | n);
    else if (n < 0x100) {
      this.byte(0xd9);
      this.byte(n);
    } else if (n < 0x10000) this.u16(0xda, n);
    else this.u32(0xdb, n);
    this.raw(bytes);
  }

  /** A binary, header in its smallest format. */
  bin(b: Uint8Array): void {
    const n = b.length;
    if (n < 0x100) {
      this.byte(0xc4);
      this.byte(n);
    } else if (n < 0x10000) this.u16(0xc5, n);
    else this.u32(0xc6, n);
    this.raw(b);
  }

  /**
   * `value` encoded as a payload, inside a `bin`, written once: the payload goes straight
   * into this buffer and its header is fixed up after (the bytes `bin(encodePayload(value))`
   * writes, without the payload's own buffer and copy).
   */
  binOf(value: unknown, maxDepth: number): void {
    this.ensure(5);
    const at = this.pos;
    this.pos += 5;
    this.value(value, maxDepth);
    const n = this.pos - at - 5;
    const head = n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (head < 5) this.buf.copyWithin(at + head, at + 5, this.pos);
    this.pos -= 5 - head;
    if (head === 2) {
      this.buf[at] = 0xc4;
      this.buf[at + 1] = n;
    } else if (head === 3) {
      this.buf[at] = 0xc5;
      this.view.setUint16(at + 1, n);
    } else {
      this.buf[at] = 0xc6;
      this.view.setUint32(at + 1, n);
    }
  }

  /** Raw bytes, no header. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** An array header of `n` entries. */
  arrayHeader(n: number): void {
    if (n < 16) this.byte(0x90 | n);
    else if (n < 0x10000) this.u16(0xdc, n);
    else this.u32(0xdd, n);
  }

  /** A map header of `n` entries. */
  mapHeader(n: number): void {
    if (n < 16) this.byte(0x80 | n);
    else if (n < 0x10000) this.u16(0xde, n);
    else this.u32(0xdf, n);
  }

  /**
   * Any payload value: `null`/`undefined` → nil, booleans, numbers (§8), `bigint`s, strings,
   * `Uint8Array`/`ArrayBuffer`/other typed arrays → bin, arrays, `Map`s and plain objects → maps.
   */
  value(v: unknown, depthLeft: number): void {
    switch (typeof v) {
      case "undefined":
        this.nil();
        return;
      case "boolean":
        this.bool(v);
        return;
      case "number":
        this.number(v);
        return;
      case "bigint":
        this.bigint(v);
        return;
      case "string":
        this.str(v);
        return;
      case "object":
        break;
      default:
        throw new SwitchboardError("bad_payload", `cannot encode a ${typeof v} as a payload value`);
    }
    if (v === null) {
      this.nil();
      return;
    }
    if (v instanceof Uint8Array) {
      this.bin(v);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      this.bin(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return;
    }
    if (v instanceof ArrayBuffer) {
      this.bin(new Uint8Array(v));
      return;
    }
    if (depthLeft <= 0) {
      throw new SwitchboardError("bad_payload", "payload nests too deep (or holds a cycle)");
    }
    if (Array.isArray(v)) {
      this.arrayHeader(v.length);
      for (const item of v) this.value(item, depthLeft - 1);
      return;
    }
    if (v instanceof Map) {
      this.mapHeader(v.size);
      for (const [key, item] of v) {
        this.value(key, depthLeft - 1);
        this.value(item, depthLeft - 1);
      }
      return;
    }
    if (v instanceof Date) {
      throw new SwitchboardError("bad_payload", "cannot encode a Date; send a number or a string");
    }
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record);
    this.mapHeader(keys.length);
    for (const key of keys) {
      this.str(key);
      this.value(record[key], depthLeft - 1);
    }
  }
}
