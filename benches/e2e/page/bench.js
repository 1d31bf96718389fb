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

// Calls before a ping loop is timed: enough for JavaScriptCore's optimizing tiers (DFG, FTL)
// to have compiled the page's hot code. With 200, the client's compilations landed in the
// timed loop and made Switchboard's p99 (~2 ms; 0.5 ms with the DFG off); see the e2e README.
const PING_WARMUP = 3000;
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
  // Its two halves apart (Switchboard's page only), for the breakdown in the README.
  const halves = {};
  if (a.encodeOnly) {
    start = performance.now();
    let bytes;
    for (let i = 0; i < reps; i++) bytes = a.encodeOnly(value);
    halves.encode_ms = (performance.now() - start) / reps;
    start = performance.now();
    for (let i = 0; i < reps; i++) a.decodeOnly(bytes);
    halves.decode_ms = (performance.now() - start) / reps;
  }
  a.report({ workload: "echo_struct", figure: perCall, unit: "ms/call", better: "lower", floor: codec, floor_name: "page encode+decode", ...halves });
}

// The bytes of echo_struct's frame (~62.5 KB) echoed as bytes: on the floor a bare `fetch`
// echo, i.e. what echo_struct's transport alone costs at that size.
const ECHO_BYTES = 62500;
const ECHO_CALLS = 40;

async function echoBytes(a) {
  const data = new Uint8Array(ECHO_BYTES).map((_, i) => i & 0xff);
  await a.bulk(data);
  const start = performance.now();
  for (let i = 0; i < ECHO_CALLS; i++) {
    const back = await a.bulk(data);
    if (back.length !== data.length || back[ECHO_BYTES - 1] !== ((ECHO_BYTES - 1) & 0xff)) throw new Error("echo_62k came back different");
  }
  a.report({ workload: "echo_62k", figure: (performance.now() - start) / ECHO_CALLS, unit: "ms/call", better: "lower" });
}

// Floor only: frames cross the reply route as strings. Does a latin-1 string (one char per
// byte) beat base64 (native Uint8Array.toBase64/fromBase64 where JSC has them)? The same
// bytes round-trip both ways through the floor's echo; per call, including the encode and
// decode in the page.
async function stringProbe(r) {
  const latin1 = (bytes) => {
    let s = "";
    for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
    return s;
  };
  const fromLatin1 = (text) => {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  };
  const native = typeof Uint8Array.prototype.toBase64 === "function";
  const b64 = native ? (b) => b.toBase64() : (b) => btoa(latin1(b));
  const fromB64 = native ? (t) => Uint8Array.fromBase64(t) : (t) => fromLatin1(atob(t));
  for (const [size, calls] of [[52, 1000], [62500, 40]]) {
    const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
    const ways = { base64: [b64, fromB64], latin1: [latin1, fromLatin1] };
    const spent = { base64: 0, latin1: 0 };
    // ABBA: each way measured first once and last once, so neither pays the warm-up alone
    for (const name of ["base64", "latin1", "latin1", "base64"]) {
      const [enc, dec] = ways[name];
      for (let i = 0; i < 20; i++) dec(await r.echoText(enc(data)));
      const start = performance.now();
      for (let i = 0; i < calls; i++) {
        const back = dec(await r.echoText(enc(data)));
        if (back.length !== size || back[size - 1] !== data[size - 1]) throw new Error(`${name} probe came back different`);
      }
      spent[name] += performance.now() - start;
    }
    for (const name of ["base64", "latin1"]) {
      const us = (spent[name] * 1000) / (2 * calls);
      r.report({ workload: `probe_${name}_${size}`, figure: us, unit: "us/call", better: "lower", native });
    }
  }
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
      if (a.reply.echoText) await stringProbe(a.reply);
    }
    await echoStruct(a);
    await echoBytes(a);
    await bulk(a);
    await a.events(EVENTS, 1);
    await a.events(EVENTS, 4);
  } catch (e) {
    a.report({ workload: "error", message: String((e && e.stack) || e) });
  }
  a.finish();
}

window.__benchMain = main;
