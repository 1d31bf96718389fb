import { decode as libDecode, encode as libEncode } from "@msgpack/msgpack";
import { describe, expect, test } from "vitest";

import {
  SwitchboardError,
  decodeFrame,
  decodePayload,
  encodeBatch,
  encodeFrame,
  encodePayload,
  encodeRequest,
  splitBatch,
} from "../src/index.js";
import { hex } from "./vectors.js";

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof SwitchboardError ? e.code : `not a SwitchboardError: ${String(e)}`;
  }
  return "accepted";
}

describe("payload decoding is strict", () => {
  test.each([
    ["duplicate_key", "82a16101a16102"],
    ["duplicate_int_key", "820101cc0102"],
    ["invalid_utf8", "a2c328"],
    ["invalid_utf8_key", "81a2c32801"],
    ["trailing_byte", "0101"],
    ["reserved_c1", "91c1"],
    ["forged_bin32", "c6ffffffff00"],
    ["forged_array32", "ddffffffff"],
    ["truncated_uint16", "cd01"],
    ["empty", ""],
    ["array_key", "8191010101"],
    ["uint64_2_53", "cf0020000000000000"],
    ["int64_below_min_safe", "d3ffe0000000000000"],
  ])("%s is malformed", (_, bytes) => {
    expect(codeOf(() => decodePayload(hex(bytes)))).toBe("malformed");
  });

  test("depth 64 is accepted and 65 refused", () => {
    const nested = (n: number): Uint8Array => new Uint8Array([...Array(n).fill(0x91), 0x01]);
    expect(codeOf(() => decodePayload(nested(64)))).toBe("accepted");
    expect(codeOf(() => decodePayload(nested(65)))).toBe("malformed");
    expect(codeOf(() => decodePayload(nested(100_000)))).toBe("malformed");
  });

  test("a payload past max_frame is too_large before it is read", () => {
    expect(codeOf(() => decodePayload(new Uint8Array(11), { maxFrame: 10, maxDepth: 64 }))).toBe("too_large");
  });

  test("a __proto__ key is an own property, never the prototype", () => {
    // {"__proto__": {"polluted": true}}
    const v = decodePayload<Record<string, unknown>>(hex("81a95f5f70726f746f5f5f81a8706f6c6c75746564c3"));
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("extensions decode to their type and data", () => {
    expect(decodePayload(hex("d405ff"))).toEqual({ type: 5, data: new Uint8Array([0xff]) });
    expect(decodePayload(hex("c702feabcd"))).toEqual({ type: -2, data: new Uint8Array([0xab, 0xcd]) });
  });

  test("float and nil map keys are malformed", () => {
    expect(codeOf(() => decodePayload(hex("81cb3ff000000000000001")))).toBe("malformed");
    expect(codeOf(() => decodePayload(hex("81c001")))).toBe("malformed");
  });

  test("safe int64 and uint64 forms decode to exact numbers", () => {
    expect(decodePayload(hex("cf001fffffffffffff"))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodePayload(hex("d3ffe0000000000001"))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decodePayload(hex("cf0000000000000007"))).toBe(7);
  });
});

describe("payload encoding", () => {
  test("integral numbers past 2^53 - 1 throw, bigints are exact", () => {
    expect(codeOf(() => encodePayload(2 ** 53))).toBe("bad_payload");
    expect(codeOf(() => encodePayload(-(2 ** 53)))).toBe("bad_payload");
    expect([...encodePayload(2n ** 64n - 1n)]).toEqual([0xcf, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect([...encodePayload(-(2n ** 63n))]).toEqual([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    expect([...encodePayload(5n)]).toEqual([0x05]);
    expect(codeOf(() => encodePayload(2n ** 64n))).toBe("bad_payload");
  });

  test("non-integral numbers are float64", () => {
    expect([...encodePayload(0.5)]).toEqual([0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]);
    expect(encodePayload(Number.NaN)[0]).toBe(0xcb);
  });

  test("cycles and deep nesting throw instead of overflowing", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => encodePayload(cyclic))).toBe("bad_payload");
  });

  test("functions and dates have no payload form", () => {
    expect(codeOf(() => encodePayload({ f: () => 1 }))).toBe("bad_payload");
    expect(codeOf(() => encodePayload(new Date(0)))).toBe("bad_payload");
  });

  test("matches @msgpack/msgpack byte for byte on random values", () => {
    let seed = 42;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1)];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.35) {
        const s = rand();
        if (s < 0.3) return ints[Math.floor(rand() * ints.length)];
        if (s < 0.4) return rand() * 1e6 - 5e5;
        if (s < 0.55) return "x".repeat(Math.floor(rand() * 300)) + "é🦀";
        if (s < 0.65) return new Uint8Array(Math.floor(rand() * 70_000 * (rand() < 0.1 ? 1 : 0.001)));
        if (s < 0.75) return rand() < 0.5;
        return null;
      }
      if (r < 0.65) return Array.from({ length: Math.floor(rand() * 20) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 20) }, (_, i) => [`k${i}`, value(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) {
      const v = value(0);
      const ours = encodePayload(v);
      const theirs = libEncode(v);
      let at = 0;
      while (at < ours.length && ours[at] === theirs[at]) at++;
      // On a difference, show where it is, not two huge arrays.
      expect({ case: i, at, ours: hexOf(ours.subarray(at, at + 16)), len: ours.length }).toEqual({
        case: i,
        at: theirs.length,
        ours: hexOf(theirs.subarray(at, at + 16)),
        len: theirs.length,
      });
    }
  });
});

/** A printable, order-preserving form of a decoded value (byte arrays as hex). */
function canon(v: unknown): string {
  if (v instanceof Uint8Array) return `bin:${hexOf(v)}`;
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${canon(x)}`).join(",")}}`;
  }
  return typeof v === "number" && Object.is(v, -0) ? "-0" : JSON.stringify(v) ?? String(v);
}

function randomValues(count: number, seed0: number): unknown[] {
  let seed = seed0;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32, 2 ** 53 - 1, -1, -33, -129, -32769, -(2 ** 31) - 1, -(2 ** 53 - 1)];
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.35) {
      const s = rand();
      if (s < 0.3) return ints[Math.floor(rand() * ints.length)];
      if (s < 0.4) return rand() * 1e6 - 5e5;
      if (s < 0.55) return "k".repeat(Math.floor(rand() * 40)) + (rand() < 0.3 ? "é🦀" : "");
      if (s < 0.65) return new Uint8Array(Math.floor(rand() * 300)).map((_, i) => i);
      if (s < 0.75) return rand() < 0.5;
      return null;
    }
    if (r < 0.65) return Array.from({ length: Math.floor(rand() * 20) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 20) }, (_, i) => [`key${i % 7}${i}`, value(depth + 1)]));
  };
  return Array.from({ length: count }, () => value(0));
}

describe("payload decoder against @msgpack/msgpack", () => {
  test("decodes every random value exactly as the library does", () => {
    for (const v of randomValues(300, 7)) {
      const bytes = libEncode(v);
      expect(canon(decodePayload(bytes))).toBe(canon(libDecode(bytes)));
    }
  });

  test("mutated payloads decode or fail with a SwitchboardError, never anything else", () => {
    let seed = 99;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    let rejected = 0;
    for (const v of randomValues(200, 11)) {
      const good = encodePayload(v);
      for (let k = 0; k < 10; k++) {
        const bad = good.slice(0, rand(good.length + 1) + 1);
        for (let flips = rand(4); flips >= 0; flips--) if (bad.length > 0) bad[rand(bad.length)] = rand(256);
        const code = codeOf(() => decodePayload(bad));
        expect(["accepted", "malformed"]).toContain(code);
        if (code !== "accepted") rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });

  test("mutated frames decode or fail with a SwitchboardError, never anything else", () => {
    let seed = 5;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const samples = [
      encodeFrame({ k: "request", id: 9, to: "counter", method: "add", payload: encodePayload({ by: 2 }), deadline: 100, credit: 4 }),
      encodeFrame({ k: "welcome", version: 1, session: "s", window: "main", grants: ["*"], limits: { max_frame: 10, max_depth: 64, max_pending: 5 } }),
      encodeFrame({ k: "stream_end", id: 3, seq: 2, err: { code: "app", message: "x", data: encodePayload("e") } }),
    ];
    const codes = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const bad = (samples[i % samples.length] as Uint8Array).slice();
      for (let flips = rand(3); flips >= 0; flips--) bad[rand(bad.length)] = rand(256);
      const code = codeOf(() => decodeFrame(bad));
      expect(code.startsWith("not a SwitchboardError")).toBe(false);
      codes.add(code);
    }
    expect(codes.has("malformed")).toBe(true);
  });
});

describe("frames", () => {
  test("encoding refuses what the other side would reject", () => {
    expect(codeOf(() => encodeFrame({ k: "cancel", id: 2 ** 53 }))).toBe("malformed");
    expect(codeOf(() => encodeFrame({ k: "request", id: 1, to: "bad name", method: "", payload: new Uint8Array() }))).toBe(
      "malformed",
    );
    expect(codeOf(() => encodeFrame({ k: "subscribe", id: 1, topic: "has space" }))).toBe("malformed");
    expect(codeOf(() => encodeFrame({ k: "hello", versions: Array(17).fill(1), client: "t", name: "t" }))).toBe("too_large");
    expect(codeOf(() => encodeFrame({ k: "response", id: 1 }))).toBe("malformed");
  });

  test("a payload field is a view of the input, not a copy", () => {
    const bytes = encodeFrame({ k: "event", topic: "t", payload: new Uint8Array([1, 2, 3]) });
    const frame = decodeFrame(bytes);
    expect(frame.k === "event" && frame.payload.buffer === bytes.buffer).toBe(true);
  });

  test("batches round-trip and anything else is malformed", () => {
    const a = encodeFrame({ k: "cancel", id: 1 });
    const b = encodeFrame({ k: "cancel", id: 2 });
    expect(splitBatch(encodeBatch([a, b])).map((f) => decodeFrame(f))).toEqual([
      { v: 1, k: "cancel", id: 1 },
      { v: 1, k: "cancel", id: 2 },
    ]);
    expect(codeOf(() => splitBatch(hex("9101")))).toBe("malformed");
    expect(codeOf(() => splitBatch(a))).toBe("malformed");
  });

  test("frames_with_many_unknown_keys_decode_and_a_repeated_key_is_malformed", () => {
    const fields: Record<string, unknown> = { v: 1, k: "cancel", id: 9 };
    for (let i = 0; i < 40; i++) fields[`x${i}`] = i;
    const bytes = libEncode(fields);
    expect(decodeFrame(bytes)).toEqual({ v: 1, k: "cancel", id: 9 });
    // Rename key "x31" to "x30" (past the small-map limit of 16 keys): now a repeat.
    const at = hexOf(bytes).indexOf("a3783331") / 2;
    expect(at).toBeGreaterThan(0);
    const twice = bytes.slice();
    twice[at + 3] = 0x30;
    expect(codeOf(() => decodeFrame(twice))).toBe("malformed");
    // And a repeat among the first few keys.
    const early = libEncode({ v: 1, k: "cancel", id: 9, x1: 1, x2: 2 });
    const e = early.slice();
    e[hexOf(e).indexOf("a27832") / 2 + 2] = 0x31;
    expect(codeOf(() => decodeFrame(e))).toBe("malformed");
  });

  test("a_batch_of_more_frames_than_its_size_allows_is_too_large", () => {
    // 4,000 empty bins in 8,003 bytes: past 1,024 + 8,003 / 16 = 1,524 frames (PROTOCOL.md §7)
    const many = encodeBatch(Array.from({ length: 4000 }, () => new Uint8Array(0)));
    expect(codeOf(() => splitBatch(many))).toBe("too_large");
    const ok = encodeBatch(Array.from({ length: 1024 }, () => new Uint8Array(0)));
    expect(splitBatch(ok).length).toBe(1024);
  });

  test("split_batch_accepts_and_refuses_exactly_what_the_generic_decoder_does", () => {
    // Reference: the generic scan + decode, then "an array of binaries".
    const reference = (bytes: Uint8Array): Uint8Array[] | "malformed" => {
      try {
        const v = decodePayload(bytes);
        return Array.isArray(v) && v.every((x) => x instanceof Uint8Array) ? (v as Uint8Array[]) : "malformed";
      } catch {
        return "malformed";
      }
    };
    const split = (bytes: Uint8Array): Uint8Array[] | "malformed" => {
      try {
        return splitBatch(bytes);
      } catch (e) {
        expect(codeOf(() => { throw e; })).toBe("malformed");
        return "malformed";
      }
    };
    const frames = [encodeFrame({ k: "cancel", id: 1 }), new Uint8Array(300).fill(7), new Uint8Array(70_000).fill(9), new Uint8Array(0)];
    const seeds: Uint8Array[] = [
      encodeBatch(frames),
      encodeBatch([]),
      encodeBatch(Array.from({ length: 20 }, (_, i) => new Uint8Array([i]))),
      hex("dc0001c40101"),
      hex("dd00000001c50001ff"),
      hex("91c60000000101"),
      hex("92c40101"),
      hex("91c4020101"),
      hex("91c401010000"),
      hex("9101"),
      hex("91a101"),
      hex("dd7fffffff"),
      new Uint8Array(0),
    ];
    let seed = 99;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let accepted = 0;
    let refused = 0;
    const check = (bytes: Uint8Array): void => {
      const want = reference(bytes);
      const got = split(bytes);
      if (want === "malformed") {
        expect(got).toBe("malformed");
        refused++;
      } else {
        expect(got).not.toBe("malformed");
        expect((got as Uint8Array[]).map(hexOf)).toEqual(want.map(hexOf));
        accepted++;
      }
    };
    for (const s of seeds) {
      check(s);
      for (let t = 0; t < 200; t++) {
        const m = s.slice(0, s.length <= 40 ? s.length : 40 + rand(s.length - 40));
        if (m.length > 0) m[rand(Math.min(m.length, 12))] = rand(256);
        check(rand(4) === 0 ? m.subarray(0, rand(m.length + 1)) : m);
      }
    }
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(100);
  });
});

function hexOf(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("encodeRequest writes the payload into the frame once", () => {
  /** The first index where `a` and `b` differ, or -1. */
  const diff = (a: Uint8Array, b: Uint8Array): number => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
    return -1;
  };
  const sizes = [0, 1, 200, 255, 256, 65_530, 65_535, 65_536, 70_000, 1 << 20];
  test.each(sizes)("a %d-byte binary argument gives encodeFrame's bytes", (n) => {
    const data = new Uint8Array(n).map((_, i) => i * 7);
    for (const extra of [{}, { deadline: 5_000 }, { credit: 3 }, { deadline: 1, credit: 70_000 }]) {
      const head = { id: 300, to: "cmd:bulk", method: "", ...extra };
      const args = { data, tag: "x" };
      const expected = encodeFrame({ k: "request", ...head, payload: encodePayload(args) });
      expect(diff(encodeRequest(head, args), expected)).toBe(-1);
    }
  });

  test("arguments of every shape match encodePayload", () => {
    const values: unknown[] = [{}, { n: 41 }, { items: [{ id: 1, name: "é", tags: ["a"], score: 0.5 }] }, { big: 2n ** 63n }];
    for (const args of values) {
      const head = { id: 1, to: "counter", method: "add" };
      expect(diff(encodeRequest(head, args), encodeFrame({ k: "request", ...head, payload: encodePayload(args) }))).toBe(-1);
    }
  });

  test("it refuses what encodePayload and encodeFrame refuse", () => {
    expect(codeOf(() => encodeRequest({ id: 1, to: "cmd:x", method: "" }, { n: 2 ** 60 }))).toBe("bad_payload");
    expect(codeOf(() => encodeRequest({ id: 2 ** 53, to: "cmd:x", method: "" }, {}))).toBe("malformed");
    expect(codeOf(() => encodeRequest({ id: 1, to: "no such:address", method: "" }, {}))).toBe("malformed");
  });
});
