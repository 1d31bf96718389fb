// Fault drivers for tests/faults_e2e.rs and `cargo xtask soak` (see src/faults.rs). Loaded by
// faults.html, or injected into index.html by a test. Every driver counts each request's
// outcome: `ok`, a typed error by its code, `untyped` (a rejection without a code), and
// `lost` (still unanswered when the driver gave up waiting).
(function () {
  'use strict';
  if (window.FAULTS) return;
  const unb64 = (text) => { const s = atob(text); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };
  const reply = () => window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.switchboard;
  // request ids of their own, far above the client's
  let nextId = 1e12;
  let hello = null;
  // `call`'s requests still unanswered, oldest first: id -> { t, route }
  const pending = new Map();

  // One request by the route the real client uses for small frames (the native reply route),
  // fetch where it does not exist. Resolves { ok } or { code }; rejects on anything untyped.
  async function call(to, method, args) {
    if (!reply()) {
      try { return { ok: await SB.invoke(to, args, method) }; } catch (e) { if (e && e.code) return { code: e.code }; throw e; }
    }
    if (!hello) hello = SB.invokeViaReply('cmd:faults_ping', {});
    await hello;
    const id = nextId++;
    pending.set(id, { t: Date.now(), route: to + '.' + (method || '') });
    let text;
    try {
      text = await reply().postMessage(SB.b64(SB.encode({ v: 1, k: 'request', id, to, method: method || '', payload: SB.encode(args || {}) })));
    } finally { pending.delete(id); }
    const frame = SB.decode(unb64(text));
    if (frame.k === 'response' && frame.id === id) {
      if (frame.err) return { code: frame.err.code };
      return { ok: frame.ok && frame.ok.length ? SB.decode(frame.ok) : null };
    }
    if (frame.k === 'error') return { code: frame.code };
    throw new Error('unexpected answer ' + frame.k);
  }

  // Send `n` requests, `inflight` at most unanswered; `args(i)` makes the i-th's arguments.
  // The state is live in FAULTS.runs[name]; resolves when every request is answered, or
  // when none was answered for `patienceMs` (the rest count as lost).
  function flood(name, n, inflight, to, method, args, patienceMs) {
    const s = { sent: 0, ok: 0, codes: {}, untyped: 0, live: 0, lost: 0, done: false, t0: Date.now(), ms: 0 };
    FAULTS.runs[name] = s;
    let last = Date.now();
    return new Promise((resolve) => {
      const finish = () => { if (s.done) return; s.done = true; s.lost = s.live; s.ms = Date.now() - s.t0; resolve(s); };
      const pump = () => {
        while (s.live < inflight && s.sent < n) {
          const i = s.sent++;
          s.live++;
          call(to, method, args(i)).then(
            (r) => { if ('ok' in r) s.ok++; else s.codes[r.code] = (s.codes[r.code] || 0) + 1; },
            (e) => { s.untyped++; s.lastError = String(e && e.message || e); },
          ).then(() => {
            s.live--;
            last = Date.now();
            if (s.sent < n) pump(); else if (s.live === 0) finish();
          });
        }
      };
      const watchdog = () => {
        if (s.done) return;
        if (Date.now() - last > (patienceMs || 60000)) finish(); else setTimeout(watchdog, 500);
      };
      pump();
      watchdog();
    });
  }

  // `groups` × 5 pings one after the other: each group's mean round trip in ms, sorted (the
  // page's clock ticks in whole milliseconds: a group's mean is finer than one ping).
  async function pings(groups) {
    const ms = [];
    for (let g = 0; g < groups; g++) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) {
        const r = await call('cmd:faults_ping', '', {});
        if (!('ok' in r)) throw new Error('ping answered ' + r.code);
      }
      ms.push((performance.now() - t0) / 5);
    }
    return ms.sort((a, b) => a - b);
  }

  // Move `bytes` up then down by fetch (the real client's route for large frames), again and
  // again until the page goes, Rust holding each call `holdMs`; FAULTS.transfers counts what
  // completed.
  function transfers(bytes, holdMs) {
    const t = FAULTS.transfers = { up: 0, down: 0, errors: {} };
    const data = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) data[i] = i & 255;
    (async () => {
      for (;;) {
        try {
          const got = await SB.invoke('cmd:faults_hold', { data, ms: holdMs });
          if (got === bytes) t.up++;
          const back = await SB.invoke('cmd:faults_give', { bytes, ms: holdMs });
          if (back.length === bytes) t.down++;
        } catch (e) { t.errors[e.code || 'untyped'] = (t.errors[e.code || 'untyped'] || 0) + 1; }
      }
    })();
    return t;
  }

  const count = (s) => {
    const c = { sent: s.sent, ok: s.ok, busy: s.codes.busy || 0, actor_failed: s.codes.actor_failed || 0, lost: s.lost };
    c.other = s.untyped + Object.keys(s.codes).filter((k) => k !== 'busy' && k !== 'actor_failed').reduce((a, k) => a + s.codes[k], 0);
    return c;
  };
  const add = (a, b) => { for (const k of Object.keys(b)) a[k] = (a[k] || 0) + b[k]; return a; };
  const show = (text) => { const el = document.getElementById('status'); if (el) el.textContent = text; };

  // The soak: rounds of a flood and a panicking actor, as long as the app asks for more.
  // Every 5 s a heartbeat by fetch (not the reply route the rounds use) tells the app what
  // the page is doing; the app ends the soak when the heartbeats stop (the page is gone).
  async function soak() {
    const at = { step: 'start', error: '' };
    let beating = false;
    setInterval(() => {
      if (beating) return;
      const first = pending.entries().next().value;
      const oldest = first ? first[1].route + ' ' + (Date.now() - first[1].t) + ' ms' : '-';
      const state = at.step + ', ' + pending.size + ' unanswered, oldest ' + oldest + (at.error ? ', ' + at.error : '');
      beating = true;
      SB.invoke('cmd:faults_soak_progress', { state }).catch(() => undefined).then(() => { beating = false; });
    }, 5000);
    try {
      for (let round = 0; ; round++) {
        at.step = 'round ' + round + ' next';
        const next = await call('cmd:faults_soak_next', '', {});
        if (!next.ok) break;
        at.step = 'round ' + round + ' flood';
        const f = await flood('soak-flood', next.ok.flood, 4096, 'faults-sink', 'add', (i) => ({ n: i }));
        at.step = 'round ' + round + ' panic';
        const p = await flood('soak-panic', next.ok.panic, 64, 'flaky', 'work', (i) => ({ n: i }));
        const totals = add(add({ rounds: 1 }, count(f)), count(p));
        show('round ' + round + ': ' + JSON.stringify(totals));
        at.step = 'round ' + round + ' report';
        await call('cmd:faults_soak_report', '', { counts: totals });
      }
      at.step = 'finish';
      await call('cmd:faults_soak_finish', '', {});
    } catch (e) {
      at.error = 'failed: ' + String(e && e.message || e);
      throw e;
    }
  }

  // Shutdown with calls in flight: ticks, 16 MiB answers, async holds and blocking naps that
  // outlast the test, then the app is asked to exit.
  async function shutdown() {
    const stats = async () => (await call('cmd:faults_stats', '', {})).ok;
    flood('shutdown-ticks', 1e9, 512, 'cmd:faults_tick', '', () => ({}), 600000);
    for (let i = 0; i < 16; i++) SB.invoke('cmd:faults_hold', { data: new Uint8Array(1024), ms: 120000 }).catch(() => undefined);
    for (let i = 0; i < 4; i++) SB.invoke('cmd:faults_give', { bytes: 16 * 1024 * 1024, ms: i * 50 }).catch(() => undefined);
    call('napper', 'nap', { ms: 120000 });
    call('sleeper', 'nap', { ms: 120000 });
    for (;;) {
      const s = await stats();
      if (s.holds_started >= 16 && s.naps_started >= 1 && s.ticks >= 1000 && s.gives_started >= 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    show('exiting');
    await call('cmd:faults_exit', '', {});
  }

  window.FAULTS = { runs: {}, call, flood, pings, transfers, count, soak, shutdown };

  const params = new URLSearchParams(location.search);
  const label = document.getElementById('label');
  if (label && label.textContent === '?') label.textContent = params.get('w') || 'faults';
  const run = params.get('run');
  if (run === 'ready') call('cmd:faults_ready', '', {});
  else if (run === 'soak') soak().catch((e) => show('soak failed: ' + e));
  else if (run === 'shutdown') shutdown().catch((e) => show('shutdown failed: ' + e));
})();
