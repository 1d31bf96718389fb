// A minimal Switchboard client for the runtime's end-to-end tests: it speaks the bridge
// contract directly (POST /ipc, POST /poll, window.ipc.postMessage) with its own small
// MessagePack codec, so the bridge is tested independently of @switchboard/client.
(function () {
  'use strict';
  const BASE = /windows|android/i.test(navigator.userAgent) ? 'http://switchboard.localhost' : 'switchboard://localhost';
  const te = new TextEncoder();
  const td = new TextDecoder();

  function encode(value) {
    const parts = [];
    let size = 0;
    const push = (bytes) => { parts.push(bytes); size += bytes.length; };
    const u8 = (...b) => push(Uint8Array.from(b));
    const be = (n, bytes) => { const a = new Uint8Array(bytes); for (let i = bytes - 1; i >= 0; i--) { a[i] = n & 255; n = Math.floor(n / 256); } return a; };
    const header = (len, fix, fixMax, c8, c16, c32) => {
      if (fix !== null && len <= fixMax) u8(fix | len);
      else if (c8 !== null && len < 256) { u8(c8); push(be(len, 1)); }
      else if (len < 65536) { u8(c16); push(be(len, 2)); }
      else { u8(c32); push(be(len, 4)); }
    };
    const walk = (v) => {
      if (v === null || v === undefined) u8(0xc0);
      else if (v === true) u8(0xc3);
      else if (v === false) u8(0xc2);
      else if (typeof v === 'number') {
        if (Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
          if (v < 128) u8(v);
          else if (v < 256) { u8(0xcc); push(be(v, 1)); }
          else if (v < 65536) { u8(0xcd); push(be(v, 2)); }
          else if (v < 4294967296) { u8(0xce); push(be(v, 4)); }
          else { u8(0xcf); push(be(v, 8)); }
        } else if (Number.isInteger(v) && v < 0 && v >= -32) u8(v & 255);
        else { const b = new Uint8Array(9); b[0] = 0xcb; new DataView(b.buffer).setFloat64(1, v); push(b); }
      } else if (typeof v === 'string') {
        const b = te.encode(v); header(b.length, 0xa0, 31, 0xd9, 0xda, 0xdb); push(b);
      } else if (v instanceof Uint8Array) {
        header(v.length, null, 0, 0xc4, 0xc5, 0xc6); push(v);
      } else if (Array.isArray(v)) {
        header(v.length, 0x90, 15, null, 0xdc, 0xdd); v.forEach(walk);
      } else {
        const keys = Object.keys(v).filter((k) => v[k] !== undefined);
        header(keys.length, 0x80, 15, null, 0xde, 0xdf);
        keys.forEach((k) => { walk(k); walk(v[k]); });
      }
    };
    walk(value);
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function decode(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    const uint = (n) => { let v = 0; for (let i = 0; i < n; i++) v = v * 256 + bytes[at++]; return v; };
    const str = (n) => { const s = td.decode(bytes.subarray(at, at + n)); at += n; return s; };
    const bin = (n) => { const b = bytes.subarray(at, at + n); at += n; return b; };
    const arr = (n) => { const a = []; for (let i = 0; i < n; i++) a.push(read()); return a; };
    const map = (n) => { const m = {}; for (let i = 0; i < n; i++) { const k = read(); m[k] = read(); } return m; };
    const read = () => {
      const t = bytes[at++];
      if (t < 0x80) return t;
      if (t < 0x90) return map(t & 15);
      if (t < 0xa0) return arr(t & 15);
      if (t < 0xc0) return str(t & 31);
      if (t >= 0xe0) return t - 256;
      switch (t) {
        case 0xc0: return null;
        case 0xc2: return false;
        case 0xc3: return true;
        case 0xc4: return bin(uint(1));
        case 0xc5: return bin(uint(2));
        case 0xc6: return bin(uint(4));
        case 0xca: { const v = view.getFloat32(at); at += 4; return v; }
        case 0xcb: { const v = view.getFloat64(at); at += 8; return v; }
        case 0xcc: return uint(1);
        case 0xcd: return uint(2);
        case 0xce: return uint(4);
        case 0xcf: return uint(8);
        case 0xd0: { const v = view.getInt8(at); at += 1; return v; }
        case 0xd1: { const v = view.getInt16(at); at += 2; return v; }
        case 0xd2: { const v = view.getInt32(at); at += 4; return v; }
        case 0xd3: { const v = Number(view.getBigInt64(at)); at += 8; return v; }
        case 0xd9: return str(uint(1));
        case 0xda: return str(uint(2));
        case 0xdb: return str(uint(4));
        case 0xdc: return arr(uint(2));
        case 0xdd: return arr(uint(4));
        case 0xde: return map(uint(2));
        case 0xdf: return map(uint(4));
        default: throw new Error('unsupported msgpack byte 0x' + t.toString(16));
      }
    };
    return read();
  }

  const b64 = {
    encode(bytes) { let s = ''; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)); return btoa(s); },
    decode(text) { const s = atob(text); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; },
  };

  class CallError extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }

  let nextId = 1;
  let hello = null;
  const listeners = new Map();
  const postPending = new Map();
  let polling = false;
  let postHello = null;
  const stats = { polls: 0, evals: 0, frames: 0 };

  async function post(path, frame) {
    const response = await fetch(BASE + path, { method: 'POST', body: frame });
    if (response.status === 204) return null;
    return new Uint8Array(await response.arrayBuffer());
  }

  function answer(frame) {
    if (frame.k === 'response') {
      if (frame.err) throw new CallError(frame.err.code, frame.err.message);
      return frame.ok && frame.ok.length ? decode(frame.ok) : null;
    }
    if (frame.k === 'error') throw new CallError(frame.code, frame.message);
    if (frame.k === 'welcome') return frame;
    throw new CallError('internal', 'unexpected frame ' + frame.k);
  }

  async function send(frame) {
    const bytes = await post('/ipc', encode(frame));
    if (!bytes) return null;
    return answer(decode(bytes));
  }

  function connect() {
    if (!hello) {
      hello = send({ v: 1, k: 'hello', versions: [1], client: 'test', name: 'e2e' }).catch((e) => { hello = null; throw e; });
    }
    return hello;
  }

  async function invoke(to, args, method) {
    await connect();
    return send({ v: 1, k: 'request', id: nextId++, to, method: method || '', payload: encode(args || {}) });
  }

  async function pollLoop() {
    while (true) {
      let bytes;
      try { bytes = await post('/poll', new Uint8Array(0)); } catch (e) { await new Promise((r) => setTimeout(r, 200)); continue; }
      if (!bytes) continue;
      stats.polls++;
      for (const raw of decode(bytes)) deliver(decode(raw));
    }
  }

  function deliver(frame) {
    stats.frames++;
    if (frame.k === 'event') {
      for (const cb of listeners.get(frame.topic) || []) cb(decode(frame.payload));
    } else if (frame.k === 'response' && postPending.has(frame.id)) {
      const { resolve, reject } = postPending.get(frame.id);
      postPending.delete(frame.id);
      try { resolve(answer(frame)); } catch (e) { reject(e); }
    } else if (frame.k === 'error' || frame.k === 'welcome') {
      for (const [id, { resolve, reject }] of postPending) {
        postPending.delete(id);
        try { resolve(answer(frame)); } catch (e) { reject(e); }
        break;
      }
    }
  }

  async function listen(topic, cb) {
    await connect();
    if (!listeners.has(topic)) listeners.set(topic, []);
    listeners.get(topic).push(cb);
    await send({ v: 1, k: 'subscribe', id: nextId++, topic });
    if (!polling) { polling = true; pollLoop(); }
  }

  // the postMessage fallback: frames as base64 text, answers by evaluate_script
  // one frame, or a batch (an array of bins) of several
  window.__SWITCHBOARD_RECEIVE__ = (text) => {
    stats.evals++;
    const value = decode(b64.decode(text));
    if (Array.isArray(value)) value.forEach((raw) => deliver(decode(raw)));
    else deliver(value);
  };
  function postFrame(frame, poster) {
    return new Promise((resolve, reject) => {
      const id = frame.id === undefined ? 0 : frame.id;
      postPending.set(id, { resolve, reject });
      (poster || ((t) => window.ipc.postMessage(t)))(b64.encode(encode(frame)));
    });
  }
  function connectViaPost(poster) {
    if (!postHello) {
      postHello = postFrame({ v: 1, k: 'hello', versions: [1], client: 'test', name: 'e2e-post' }, poster)
        .catch((e) => { postHello = null; throw e; });
    }
    return postHello;
  }
  async function invokeViaPost(to, args, poster) {
    await connectViaPost(poster);
    return postFrame({ v: 1, k: 'request', id: nextId++, to, method: '', payload: encode(args || {}) }, poster);
  }
  // subscribe through postMessage only: the host then pushes with evaluate_script
  async function listenViaPost(topic, cb) {
    await connectViaPost();
    if (!listeners.has(topic)) listeners.set(topic, []);
    listeners.get(topic).push(cb);
    return postFrame({ v: 1, k: 'subscribe', id: nextId++, topic });
  }

  window.SB = { welcome: connect, b64: b64.encode, encode, decode, invoke, listen, invokeViaPost, listenViaPost, stats, CallError, BASE };
})();
