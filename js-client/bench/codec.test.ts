// `npm run bench`: the codec's costs per call (best of 5 rounds), and the payload decoder
// against @msgpack/msgpack's on the same bytes. Prints figures; asserts only that they ran.
import { Decoder, encode as libEncode } from "@msgpack/msgpack";
import { expect, test } from "vitest";

import { decodeFrame, decodePayload, encodeFrame, encodePayload } from "../src/codec.js";
import { decodeValue } from "../src/decoder.js";
import { scan } from "../src/scan.js";

function time(iters: number, f: () => unknown): number {
  for (let i = 0; i < Math.max(1, iters / 4); i++) f();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) f();
    best = Math.min(best, (performance.now() - t0) / iters);
  }
  return best * 1000; // µs
}

test("payload codec figures", () => {
  const lib = new Decoder();
  const cases: [string, unknown][] = [
    ["small struct", { name: "Ada", age: 36, email: null, tags: ["admin", "ops"] }],
    ["1000 structs", Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 1.5, ok: i % 2 === 0 }))],
    ["10k ints", Array.from({ length: 10000 }, (_, i) => i * 1000)],
    ["1 MiB bin", { data: new Uint8Array(1 << 20) }],
  ];
  const rows: string[] = [];
  for (const [name, value] of cases) {
    const bytes = encodePayload(value);
    const iters = Math.max(20, Math.floor(5e6 / (bytes.length + 1000)));
    const scanUs = time(iters, () => scan(bytes, { maxDepth: 64, safeIntegers: true }));
    const ownUs = time(iters, () => decodeValue(bytes));
    const libUs = time(iters, () => lib.decode(bytes));
    const fullUs = time(iters, () => decodePayload(bytes));
    const encUs = time(iters, () => encodePayload(value));
    const libEncUs = time(iters, () => libEncode(value));
    rows.push(
      `${name} (${bytes.length} B): decodePayload ${fullUs.toFixed(2)} µs = scan ${scanUs.toFixed(2)} + decode ${ownUs.toFixed(2)} ` +
        `(@msgpack/msgpack decode ${libUs.toFixed(2)}); encodePayload ${encUs.toFixed(2)} µs (@msgpack/msgpack encode ${libEncUs.toFixed(2)})`,
    );
  }
  const frame = encodeFrame({ k: "request", id: 7, to: "cmd:greet", method: "", payload: encodePayload({ name: "Ada" }) });
  rows.push(`small request frame (${frame.length} B): encodeFrame ${time(20000, () =>
    encodeFrame({ k: "request", id: 7, to: "cmd:greet", method: "", payload: new Uint8Array(10) }),
  ).toFixed(2)} µs, decodeFrame ${time(20000, () => decodeFrame(frame)).toFixed(2)} µs`);
  const event = encodeFrame({ k: "event", topic: "bench/tick", payload: encodePayload({ seq: 1, last: false }), from: "cmd:events" });
  rows.push(`event push (${event.length} B): decodeFrame + decodePayload ${time(20000, () => {
    const f = decodeFrame(event);
    return f.k === "event" ? decodePayload(f.payload) : null;
  }).toFixed(2)} µs`);
  console.log(rows.join("\n"));
  expect(rows).toHaveLength(6);
});
