// Reading the golden vectors of ipc-protocol/vectors/ (format in the task and in the
// generator): byte segments, and JSON forms of frames and payload values.
import framesJson from "../../ipc-protocol/vectors/frames.json";
import payloadsJson from "../../ipc-protocol/vectors/payloads.json";

export type Segment = string | { fill: number; len: number };

export interface FrameVector {
  name: string;
  note: string;
  frame: Record<string, unknown>;
  bytes: Segment[];
}

export interface RejectVector {
  name: string;
  note: string;
  bytes: Segment[];
  code: string;
}

export interface PayloadVector {
  name: string;
  note: string;
  value: unknown;
  bytes: Segment[];
  js: "accept" | "reject";
}

export const frames = framesJson as unknown as {
  protocol: number;
  limits: { max_frame: number; max_depth: number };
  canonical: FrameVector[];
  accept: FrameVector[];
  reject: RejectVector[];
};

export const payloads = payloadsJson as unknown as { values: PayloadVector[] };

export function hex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new Error(`odd hex length: ${text}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesOf(segments: Segment[]): Uint8Array {
  const parts = segments.map((s) => (typeof s === "string" ? hex(s) : new Uint8Array(s.len).fill(s.fill)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A vector's JSON value as the codec's value: `$bin`/`$fill` → bytes, `$int` → bigint, `$f64` → number. */
export function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o.$bin === "string") return hex(o.$bin);
      if (Array.isArray(o.$fill)) {
        const [byte, len] = o.$fill as [number, number];
        return new Uint8Array(len).fill(byte);
      }
      if (typeof o.$int === "string") return BigInt(o.$int);
      if (typeof o.$f64 === "number") return o.$f64;
    }
    return Object.fromEntries(keys.map((k) => [k, fromJson(o[k])]));
  }
  return value;
}

/** Whether JS can write `value` the way the vector does (an integral `$f64` becomes an int in JS). */
export function jsCanonical(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(jsCanonical);
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.$f64 === "number") return !Number.isInteger(o.$f64);
    return Object.values(o).every(jsCanonical);
  }
  return true;
}
