// The end-to-end workloads, run in the page against an adapter: the bare wry floor
// (floor.js) or Switchboard (switchboard.js). Both adapters offer the same functions:
//   ping(n) -> Promise<n + 1>
//   bulk(Uint8Array) -> Promise<Uint8Array>             (echoed bytes)
//   echoStruct(items) -> Promise<items>                 (optional: absent on the floor)
//   codecRoundTrip(items) -> void                       (the page's own encode + decode)
//   events(count, windows) -> Promise<void>             (Rust emits `count` events to `windows`
//                                                        windows and times them itself)
//   listen(cb)                                          (count pushed events; listener windows)
//   report(result), ready(), finish()                   (results go to Rust, which prints them)
//   reply                                               (optional, floor only: a second adapter
//                                                        whose ping takes WebKit's reply route;
//                                                        its figures are named `*_reply`)
// WebKit clamps performance.now() to about 1 ms, so every figure times a whole loop.

const PING_WARMUP = 200;
const PING_CALLS = 2000;
const CONCURRENT = 1000;
const STRUCT_ITEMS = 1000;
const STRUCT_CALLS = 20;
const BULK_BYTES = 16 * 1024 * 1024;
const BULK_CALLS = 10;
const EVENTS = 10000;

function items(count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({ id: i, name: `item number ${i}`, tags: ["alpha", "beta", `t${i % 7}`], score: i * 0.5 + 0.25 });
  }
  return out;
}

async function pingSequential(a, suffix = "") {
  for (let i = 0; i < PING_WARMUP; i++) await a.ping(i);
  const start = performance.now();
  for (let i = 0; i < PING_CALLS; i++) {
    const r = await a.ping(i);
    if (r !== i + 1) throw new Error(`ping(${i}) answered ${r}`);
  }
  const us = ((performance.now() - start) * 1000) / PING_CALLS;
  a.report({ workload: "ping" + suffix, figure: us, unit: "us/call", better: "lower" });
}

async function pingConcurrent(a, suffix = "") {
  const start = performance.now();
  const calls = [];
  for (let i = 0; i < CONCURRENT; i++) calls.push(a.ping(i));
  const answers = await Promise.all(calls);
  const ms = performance.now() - start;
  answers.forEach((r, i) => {
    if (r !== i + 1) throw new Error(`concurrent ping(${i}) answered ${r}`);
  });
  a.report({ workload: "ping_concurrent" + suffix, figure: (CONCURRENT * 1000) / ms, unit: "calls/s", better: "higher" });
}

async function echoStruct(a) {
  if (!a.echoStruct) return;
  const value = items(STRUCT_ITEMS);
  await a.echoStruct(value);
  let start = performance.now();
  for (let i = 0; i < STRUCT_CALLS; i++) {
    const back = await a.echoStruct(value);
    if (back.length !== STRUCT_ITEMS || back[STRUCT_ITEMS - 1].name !== value[STRUCT_ITEMS - 1].name) {
      throw new Error("echo_struct answered a different value");
    }
  }
  const perCall = (performance.now() - start) / STRUCT_CALLS;
  // The page's own MessagePack encode + decode of the same value: echo_struct's floor.
  const reps = STRUCT_CALLS * 5;
  start = performance.now();
  for (let i = 0; i < reps; i++) a.codecRoundTrip(value);
  const codec = (performance.now() - start) / reps;
  a.report({ workload: "echo_struct", figure: perCall, unit: "ms/call", better: "lower", floor: codec, floor_name: "page encode+decode" });
}

async function bulk(a) {
  const data = new Uint8Array(BULK_BYTES);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff;
  data[data.length - 1] = 0x5a;
  await a.bulk(data);
  const start = performance.now();
  for (let i = 0; i < BULK_CALLS; i++) {
    const back = await a.bulk(data);
    if (back.length !== data.length || back[4096 * 3] !== 3 || back[back.length - 1] !== 0x5a) {
      throw new Error(`bulk echo came back different (${back.length} bytes)`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const mb = (2 * BULK_BYTES * BULK_CALLS) / 1e6;
  a.report({ workload: "bulk", figure: mb / seconds, unit: "MB/s", better: "higher" });
}

async function main(a) {
  const role = new URLSearchParams(location.search).get("role") || "main";
  if (role === "listener") {
    await a.listen();
    await a.ready();
    return;
  }
  await a.listen();
  try {
    await a.ping(0);
    a.report({ workload: "first_ping" });
    await pingSequential(a);
    await pingConcurrent(a);
    if (a.reply) {
      await pingSequential(a.reply, "_reply");
      await pingConcurrent(a.reply, "_reply");
    }
    await echoStruct(a);
    await bulk(a);
    await a.events(EVENTS, 1);
    await a.events(EVENTS, 4);
  } catch (e) {
    a.report({ workload: "error", message: String((e && e.stack) || e) });
  }
  a.finish();
}

window.__benchMain = main;
