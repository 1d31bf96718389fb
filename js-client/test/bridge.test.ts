import { describe, expect, test } from "vitest";

import {
  type BridgeGlobals,
  bridgeBase,
  bridgeTransport,
  connect,
  decodeFrame,
  encodeBatch,
  encodeFrame,
  encodePayload,
  fromBase64,
  toBase64,
  type Frame,
} from "../src/index.js";
import { WELCOME, collector, deferred, sleep } from "./helpers.js";

interface Call {
  url: string;
  method: string | undefined;
  headers: unknown;
  body: Uint8Array | null;
}

/** A fake `fetch` playing the runtime-wry bridge: `/ipc` answers, `/poll` holds until pushes. */
function fakeBridge(handle: (frame: Frame) => Frame | null | "throw") {
  const calls: Call[] = [];
  const queue: Uint8Array[] = [];
  let wakePoll: (() => void) | null = null;
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const body = init?.body instanceof Uint8Array ? init.body : null;
    calls.push({ url, method: init?.method, headers: init?.headers, body });
    if (url.endsWith("/ipc")) {
      const frame = decodeFrame(body as Uint8Array);
      const answer = handle(frame);
      if (answer === "throw") throw new TypeError("Failed to fetch");
      if (answer === null) return new Response(null, { status: 204 });
      return new Response(encodeFrame(answer) as Uint8Array<ArrayBuffer>, { status: 200 });
    }
    // /poll: held until something is queued or the request is aborted
    while (queue.length === 0) {
      await new Promise<void>((resolve, reject) => {
        wakePoll = resolve;
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    }
    const batch = encodeBatch(queue.splice(0));
    return new Response(batch as Uint8Array<ArrayBuffer>, { status: 200 });
  };
  return {
    calls,
    fetch: fetchFn as typeof fetch,
    push(frame: Frame | Omit<Frame, "v">): void {
      queue.push(encodeFrame(frame as Frame));
      wakePoll?.();
    },
  };
}

describe("bridge base url", () => {
  test("linux_and_macos_use_the_custom_scheme", () => {
    expect(bridgeBase({ navigator: { userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15" } })).toBe(
      "switchboard://localhost",
    );
    expect(bridgeBase({ navigator: { userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)" } })).toBe(
      "switchboard://localhost",
    );
  });

  test("windows_and_android_use_http", () => {
    expect(bridgeBase({ navigator: { userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/120" } })).toBe(
      "http://switchboard.localhost",
    );
    expect(bridgeBase({ navigator: { userAgent: "Mozilla/5.0 (Linux; Android 14)" } })).toBe("http://switchboard.localhost");
  });

  test("the_runtime_can_override_it", () => {
    expect(bridgeBase({ __SWITCHBOARD_BRIDGE__: { base: "http://127.0.0.1:9/" }, navigator: { userAgent: "Windows" } })).toBe(
      "http://127.0.0.1:9",
    );
  });
});

describe("bridge transport over fetch", () => {
  test("calls_post_the_frame_without_content_type_and_read_the_answer", async () => {
    const bridge = fakeBridge((f) =>
      f.k === "hello" ? (WELCOME as Frame) : f.k === "request" ? { v: 1, k: "response", id: f.id, ok: encodePayload("hi") } : null,
    );
    const global: BridgeGlobals = {};
    const client = await connect(bridgeTransport({ base: "switchboard://localhost", fetch: bridge.fetch, global }));
    expect(await client.invoke("cmd:greet", { name: "Ada" })).toBe("hi");
    const ipc = bridge.calls.filter((c) => c.url === "switchboard://localhost/ipc");
    expect(ipc).toHaveLength(2);
    for (const call of ipc) {
      expect(call.method).toBe("POST");
      expect(call.headers).toBeUndefined(); // no Content-Type: a CORS-simple request
      expect(call.body).toBeInstanceOf(Uint8Array);
    }
    expect(decodeFrame(ipc[1]?.body as Uint8Array)).toMatchObject({ k: "request", to: "cmd:greet" });
    client.close();
  });

  test("pushes_arrive_through_the_held_poll_as_batches", async () => {
    const bridge = fakeBridge((f) =>
      f.k === "hello" ? (WELCOME as Frame) : f.k === "subscribe" ? { v: 1, k: "response", id: f.id, ok: new Uint8Array() } : null,
    );
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: bridge.fetch, global: {} }));
    const ticks = collector<number>();
    await client.listen<number>("tick", ticks.listener);
    for (let i = 0; i < 5; i++) bridge.push({ k: "event", topic: "tick", payload: encodePayload(i) });
    await ticks.until(5);
    bridge.push({ k: "event", topic: "tick", payload: encodePayload(5) });
    await ticks.until(6);
    expect(ticks.seen).toEqual([0, 1, 2, 3, 4, 5]);
    const polls = bridge.calls.filter((c) => c.url === "sb://x/poll");
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.length).toBeLessThanOrEqual(4);
    expect(polls.every((p) => p.method === "POST" && p.body === null)).toBe(true);
    client.close();
  });

  test("a_failing_poll_backs_off_instead_of_spinning", async () => {
    let polls = 0;
    const retried = deferred();
    const fetchFn = (async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url.endsWith("/poll")) {
        polls += 1;
        if (polls === 2) retried.resolve();
        return new Response(null, { status: 500 });
      }
      return new Response(encodeFrame(WELCOME) as Uint8Array<ArrayBuffer>, { status: 200 });
    }) as typeof fetch;
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: fetchFn, global: {} }));
    await retried.promise; // a failed poll is retried
    // The window under test: 100 + 200 ms of further backoff fit in 400 ms, so a handful of
    // polls, not thousands (a loaded machine only makes fewer).
    await sleep(400);
    client.close();
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(6);
  });

  test("a_closed_window_410_stops_polling", async () => {
    let polls = 0;
    const polled = deferred();
    const fetchFn = (async (input: RequestInfo | URL) => {
      if (String(input).endsWith("/poll")) {
        polls += 1;
        polled.resolve();
        return new Response(null, { status: 410 });
      }
      return new Response(encodeFrame(WELCOME) as Uint8Array<ArrayBuffer>, { status: 200 });
    }) as typeof fetch;
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: fetchFn, global: {} }));
    await polled.promise;
    // the window under test: no second poll comes (the first backoff would be 50 ms)
    await sleep(200);
    client.close();
    expect(polls).toBe(1);
  });

  test("a_poll_refused_with_a_lone_error_frame_backs_off", async () => {
    let polls = 0;
    const errors = collector<unknown>();
    const fetchFn = (async (input: RequestInfo | URL) => {
      if (String(input).endsWith("/poll")) {
        polls += 1;
        if (polls === 1) await sleep(30); // the scenario: after the handshake, the window goes away
        const refusal = encodeFrame({ k: "error", code: "window_closed", message: "this window is closed" });
        return new Response(refusal as Uint8Array<ArrayBuffer>, { status: 200 });
      }
      return new Response(encodeFrame(WELCOME) as Uint8Array<ArrayBuffer>, { status: 200 });
    }) as typeof fetch;
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: fetchFn, global: {} }), {
      onError: errors.listener,
    });
    await errors.until(1); // the refusal was reported
    // the window under test: the refusals that follow back off
    await sleep(400);
    client.close();
    expect(polls).toBeLessThanOrEqual(6);
    expect(errors.seen.length).toBe(polls);
    expect(errors.seen[0]).toMatchObject({ code: "window_closed" });
  });

  test("instant_empty_polls_back_off_too", async () => {
    let polls = 0;
    const polled = deferred();
    const fetchFn = (async (input: RequestInfo | URL) => {
      if (String(input).endsWith("/poll")) {
        polls += 1;
        polled.resolve();
        return new Response(null, { status: 204 });
      }
      return new Response(encodeFrame(WELCOME) as Uint8Array<ArrayBuffer>, { status: 200 });
    }) as typeof fetch;
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: fetchFn, global: {} }));
    await polled.promise;
    // the window under test: empty answers back off like failures
    await sleep(400);
    client.close();
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThanOrEqual(6);
  });
});

describe("bridge routing", () => {
  test("auto_sends_small_frames_and_events_by_post_message_and_large_ones_by_fetch", async () => {
    const global: BridgeGlobals = {};
    const posted: Frame[] = [];
    global.top = global;
    global.ipc = {
      postMessage(message: string) {
        const frame = decodeFrame(fromBase64(message));
        posted.push(frame);
        setTimeout(() => {
          if (frame.k === "hello") global.__SWITCHBOARD_RECEIVE__?.(toBase64(encodeFrame(WELCOME)));
          if (frame.k === "request") {
            const answer = encodeFrame({ k: "response", id: frame.id, ok: encodePayload("small") });
            global.__SWITCHBOARD_RECEIVE__?.(toBase64(answer));
          }
        }, 0);
      },
    };
    const bridge = fakeBridge((f) => (f.k === "request" ? { v: 1, k: "response", id: f.id, ok: encodePayload("large") } : null));
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: bridge.fetch, global }));
    expect(await client.invoke("cmd:echo", { data: new Uint8Array(10) })).toBe("small");
    expect(await client.invoke("cmd:echo", { data: new Uint8Array(100_000) })).toBe("large");
    await client.emit("big/event", new Uint8Array(100_000));
    expect(posted.map((f) => f.k)).toEqual(["hello", "request", "event"]);
    const viaFetch = bridge.calls.filter((c) => c.url === "sb://x/ipc").map((c) => decodeFrame(c.body as Uint8Array).k);
    expect(viaFetch).toEqual(["request"]);
    expect(bridge.calls.some((c) => c.url === "sb://x/poll")).toBe(true); // pushes stay on the poll
    client.close();
  });

  test("an_iframe_never_uses_the_string_channel", async () => {
    const posted: string[] = [];
    const global: BridgeGlobals = { top: {}, ipc: { postMessage: (m: string) => posted.push(m) } };
    const bridge = fakeBridge((f) => (f.k === "hello" ? (WELCOME as Frame) : null));
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: bridge.fetch, global }));
    expect(posted).toEqual([]);
    expect(bridge.calls.filter((c) => c.url === "sb://x/ipc")).toHaveLength(1);
    client.close();
  });
});

/** A fake reply-route handler playing runtime-wry: frames answered in the promise, polls held. */
function fakeReplyHandler(answer: (frame: Frame) => Frame | null) {
  const messages: string[] = [];
  const queue: Uint8Array[] = [];
  let wakePoll: (() => void) | null = null;
  let gone = false;
  const handler = {
    async postMessage(message: string): Promise<unknown> {
      messages.push(message);
      if (message === "!") {
        while (queue.length === 0 && !gone) await new Promise<void>((resolve) => (wakePoll = resolve));
        if (gone) return null;
        return toBase64(encodeBatch(queue.splice(0)));
      }
      const reply = answer(decodeFrame(fromBase64(message)));
      return reply === null ? "" : toBase64(encodeFrame(reply));
    },
  };
  return {
    handler,
    messages,
    push(frame: Frame | Omit<Frame, "v">): void {
      queue.push(encodeFrame(frame as Frame));
      wakePoll?.();
    },
    end(): void {
      gone = true;
      wakePoll?.();
    },
  };
}

describe("bridge reply route", () => {
  test("small_frames_and_pushes_take_the_reply_route_and_large_frames_fetch", async () => {
    const host = fakeReplyHandler((f) =>
      f.k === "hello"
        ? (WELCOME as Frame)
        : f.k === "request"
          ? ({ v: 1, k: "response", id: f.id, ok: encodePayload("small") } as Frame)
          : f.k === "subscribe"
            ? ({ v: 1, k: "response", id: f.id, ok: new Uint8Array() } as Frame)
            : null,
    );
    const posted: string[] = [];
    const global: BridgeGlobals = { ipc: { postMessage: (m: string) => posted.push(m) }, webkit: { messageHandlers: { switchboard: host.handler } } };
    global.top = global;
    const bridge = fakeBridge((f) => (f.k === "request" ? { v: 1, k: "response", id: f.id, ok: encodePayload("large") } : null));
    const transport = bridgeTransport({ base: "sb://x", fetch: bridge.fetch, global });
    expect(transport.reply).toBe(true);
    const client = await connect(transport);
    expect(await client.invoke("cmd:echo", { data: new Uint8Array(10) })).toBe("small");
    expect(await client.invoke("cmd:echo", { data: new Uint8Array(100_000) })).toBe("large");
    const seen: unknown[] = [];
    await client.listen("tick", (p) => seen.push(p));
    host.push({ k: "event", topic: "tick", payload: encodePayload(7) });
    await sleep(5);
    expect(seen).toEqual([7]);
    expect(posted).toEqual([]);
    expect(bridge.calls.some((c) => c.url === "sb://x/poll")).toBe(false); // pushes ride the reply route's poll
    expect(host.messages.filter((m) => m === "!").length).toBeGreaterThan(0);
    host.end();
    client.close();
  });

  test("a_handler_without_a_token_falls_back_for_good", async () => {
    const handler = {
      postMessage(): Promise<unknown> {
        throw new Error("switchboard: this page has no bridge token (its origin is not trusted by the app)");
      },
    };
    const global: BridgeGlobals = { webkit: { messageHandlers: { switchboard: handler } } };
    const bridge = fakeBridge((f) => (f.k === "hello" ? (WELCOME as Frame) : null));
    const transport = bridgeTransport({ base: "sb://x", fetch: bridge.fetch, global });
    const client = await connect(transport);
    expect(transport.reply).toBe(false);
    expect(bridge.calls.filter((c) => c.url === "sb://x/ipc")).toHaveLength(1);
    client.close();
  });

  test("instant_empty_reply_polls_back_off", async () => {
    let polls = 0;
    const handler = {
      async postMessage(message: string): Promise<unknown> {
        if (message === "!") {
          polls++;
          return ""; // replaced at once, every time
        }
        const f = decodeFrame(fromBase64(message));
        if (f.k === "hello") return toBase64(encodeFrame(WELCOME));
        return toBase64(encodeFrame({ v: 1, k: "response", id: (f as { id: number }).id, ok: new Uint8Array() }));
      },
    };
    const global: BridgeGlobals = { webkit: { messageHandlers: { switchboard: handler } } };
    const client = await connect(bridgeTransport({ base: "sb://x", fetch: fakeBridge(() => null).fetch, global }));
    await client.listen("t", () => undefined);
    await sleep(300);
    expect(polls).toBeGreaterThan(1);
    expect(polls).toBeLessThan(10);
    client.close();
  });

  test("an_iframe_never_uses_the_reply_route", () => {
    const host = fakeReplyHandler(() => null);
    const global: BridgeGlobals = { top: {}, webkit: { messageHandlers: { switchboard: host.handler } } };
    expect(bridgeTransport({ base: "sb://x", fetch: fakeBridge(() => null).fetch, global }).reply).toBe(false);
  });
});

describe("bridge fallback to postMessage", () => {
  test("a_failing_fetch_falls_back_and_receive_delivers_answers", async () => {
    const posted: Frame[] = [];
    const global: BridgeGlobals = {};
    global.ipc = {
      postMessage(message: string) {
        const frame = decodeFrame(fromBase64(message));
        posted.push(frame);
        // the host answers by evaluating __SWITCHBOARD_RECEIVE__ with a frame or a batch
        setTimeout(() => {
          if (frame.k === "hello") global.__SWITCHBOARD_RECEIVE__?.(toBase64(encodeFrame(WELCOME)));
          if (frame.k === "request") {
            const answer = encodeFrame({ k: "response", id: frame.id, ok: encodePayload(42) });
            global.__SWITCHBOARD_RECEIVE__?.(toBase64(encodeBatch([answer])));
          }
        }, 1);
      },
    };
    const fetchFn = (async () => {
      throw new TypeError("unsupported scheme");
    }) as typeof fetch;
    const transport = bridgeTransport({ base: "switchboard://localhost", fetch: fetchFn, global, route: "fetch" });
    const client = await connect(transport);
    expect(transport.mode).toBe("postMessage");
    expect(await client.invoke("counter.get")).toBe(42);
    expect(posted.map((f) => f.k)).toEqual(["hello", "request"]);
    client.close();
  });

  test("a_fetch_failing_after_it_worked_is_an_error_not_a_resend", async () => {
    const posted: string[] = [];
    let fail = false;
    const fetchFn = (async (input: RequestInfo | URL) => {
      if (String(input).endsWith("/poll")) return new Promise<Response>(() => undefined);
      if (fail) throw new TypeError("connection reset");
      return new Response(encodeFrame(WELCOME) as Uint8Array<ArrayBuffer>, { status: 200 });
    }) as typeof fetch;
    const global: BridgeGlobals = { ipc: { postMessage: (m: string) => posted.push(m) } };
    const transport = bridgeTransport({ base: "sb://x", fetch: fetchFn, global, route: "fetch" });
    const client = await connect(transport);
    fail = true;
    await expect(client.invoke("cmd:x")).rejects.toMatchObject({ code: "internal" });
    expect(transport.mode).toBe("fetch");
    expect(posted).toEqual([]);
    client.close();
  });

  test("base64_round_trips_large_frames", () => {
    const big = new Uint8Array(200_000).map((_, i) => i * 7);
    const back = fromBase64(toBase64(big));
    expect(back.length).toBe(big.length);
    expect(back.every((b, i) => b === big[i])).toBe(true);
  });

  test("to_base64_writes_the_same_text_as_btoa_for_every_length_and_byte", () => {
    const bytes = new Uint8Array(70_000);
    let seed = 12345;
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    for (let i = 0; i < 256; i++) bytes[i] = i;
    const reference = (b: Uint8Array): string => {
      let s = "";
      for (const x of b) s += String.fromCharCode(x);
      return btoa(s);
    };
    for (let len = 0; len <= 64; len++) expect(toBase64(bytes.subarray(0, len))).toBe(reference(bytes.subarray(0, len)));
    for (const len of [511, 512, 513, 514, 515, 16383, 16384, 16385, 49152, 49153, 70_000]) {
      expect(toBase64(bytes.subarray(0, len))).toBe(reference(bytes.subarray(0, len)));
    }
    expect(toBase64(new Uint8Array([1, 2, 3]))).toBe("AQID");
  });
});
