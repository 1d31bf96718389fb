import { describe, expect, test } from "vitest";

import { SwitchboardError, decodeFrame, decodePayload, encodeFrame, encodePayload, type OutgoingFrame } from "../src/index.js";
import { bytesOf, frames, fromJson, jsCanonical, payloads } from "./vectors.js";

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof SwitchboardError) return e.code;
    return `not a SwitchboardError: ${String(e)}`;
  }
  return "accepted";
}

/** Replaces byte arrays with a printable digest, so 64 MiB payloads compare fast and print small. */
function digest(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    let h = 0x811c9dc5;
    for (let i = 0; i < value.length; i++) h = Math.imul(h ^ (value[i] as number), 0x01000193);
    return { bytes: value.length, fnv1a: (h >>> 0).toString(16), head: hexOf(value.subarray(0, 16)) };
  }
  if (Array.isArray(value)) return value.map(digest);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, digest(v)]));
  }
  return value;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("golden frame vectors", () => {
  test("the files are protocol 2 with the default limits", () => {
    expect(frames.protocol).toBe(2);
    expect(frames.limits).toEqual({ max_frame: 67108864, max_depth: 64 });
    expect(frames.canonical.length).toBeGreaterThan(10);
    expect(frames.accept.length).toBeGreaterThan(5);
    expect(frames.reject.length).toBeGreaterThan(10);
  });

  test.each(frames.canonical.map((v) => [v.name, v] as const))("canonical %s encodes byte for byte", (_, v) => {
    const expected = bytesOf(v.bytes);
    const encoded = encodeFrame(fromJson(v.frame) as OutgoingFrame);
    // toEqual on 64 MiB arrays is slow; compare bytes directly and show a hex prefix on failure.
    if (!equalBytes(encoded, expected)) {
      expect(hexOf(encoded)).toBe(hexOf(expected));
    }
    expect(encoded.length).toBe(expected.length);
  });

  test.each(frames.canonical.map((v) => [v.name, v] as const))("canonical %s decodes to its frame", (_, v) => {
    expect(digest(decodeFrame(bytesOf(v.bytes)))).toEqual(digest(fromJson(v.frame)));
  });

  test.each(frames.accept.map((v) => [v.name, v] as const))("accepted form %s decodes to its frame", (_, v) => {
    expect(digest(decodeFrame(bytesOf(v.bytes)))).toEqual(digest(fromJson(v.frame)));
  });

  test.each(frames.reject.map((v) => [v.name, v] as const))("rejected form %s fails with its code", (_, v) => {
    expect(codeOf(() => decodeFrame(bytesOf(v.bytes)))).toBe(v.code);
  });
});

describe("golden payload vectors", () => {
  const accepted = payloads.values.filter((v) => v.js === "accept");
  const rejected = payloads.values.filter((v) => v.js === "reject");

  test("both kinds are present", () => {
    expect(accepted.length).toBeGreaterThan(10);
    expect(rejected.length).toBeGreaterThan(2);
  });

  test.each(accepted.map((v) => [v.name, v] as const))("payload %s decodes to its value", (_, v) => {
    expect(decodePayload(bytesOf(v.bytes))).toEqual(fromJson(v.value));
  });

  test.each(accepted.filter((v) => jsCanonical(v.value)).map((v) => [v.name, v] as const))(
    "payload %s encodes back to its bytes",
    (_, v) => {
      expect(hexOf(encodePayload(fromJson(v.value)))).toBe(hexOf(bytesOf(v.bytes)));
    },
  );

  test.each(rejected.map((v) => [v.name, v] as const))("payload %s is rejected as malformed", (_, v) => {
    expect(codeOf(() => decodePayload(bytesOf(v.bytes)))).toBe("malformed");
  });

  test("an integral $f64 is the only accepted value JS cannot write back as it was", () => {
    const skipped = accepted.filter((v) => !jsCanonical(v.value)).map((v) => v.name);
    expect(skipped).toEqual(["f64_integral"]);
  });
});

function hexOf(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes.subarray(0, 4096)) out += b.toString(16).padStart(2, "0");
  return bytes.length > 4096 ? `${out}…(${bytes.length} bytes)` : out;
}
