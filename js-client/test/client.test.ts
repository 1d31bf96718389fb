import { describe, expect, test } from "vitest";

import {
  SwitchboardError,
  connect,
  encodeBatch,
  encodeFrame,
  encodePayload,
  isSwitchboardError,
  memoryTransport,
  type Frame,
} from "../src/index.js";
import { mockTransport } from "../src/mocks.js";
import { WELCOME, collector, deferred, delivered, scriptedHost, sleep } from "./helpers.js";

async function rejection(p: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SwitchboardError);
    return e as SwitchboardError;
  }
  throw new Error("expected a rejection");
}

describe("handshake", () => {
  test("connect_sends_hello_and_keeps_the_welcome", async () => {
    const host = scriptedHost();
    const client = await connect(host.transport, { name: "tests", client: "test" });
    expect(host.received[0]).toEqual({ v: 1, k: "hello", versions: [2, 1], client: "test", name: "tests" });
    expect(client.session).toEqual({
      version: 1,
      session: "s-1",
      window: "main",
      grants: ["*"],
      limits: { max_frame: 1 << 20, max_depth: 64, max_pending: 1024 },
    });
    client.close();
  });

  test("no_common_version_rejects_with_the_hosts_versions", async () => {
    const host = mockTransport(() => null, { versions: [3, 4] });
    const e = await rejection(connect(host));
    expect(e.code).toBe("unsupported_version");
    expect(e.message).toContain("this client speaks [2, 1]");
    expect(e.message).toContain("the host speaks [3, 4]");
    expect(e.data).toEqual({ versions: [3, 4] });
    expect(host.closed).toBe(true);
  });

  test("welcome_over_the_push_path_is_accepted", async () => {
    const t = memoryTransport((bytes, push) => {
      push(encodeFrame(WELCOME));
      void bytes;
      return null;
    });
    const client = await connect(t);
    expect(client.session.window).toBe("main");
  });

  test("silent_host_times_out_the_handshake", async () => {
    const t = memoryTransport(() => new Promise<null>(() => undefined));
    const started = Date.now();
    const e = await rejection(connect(t, { timeout: 50 }));
    expect(e.code).toBe("deadline_exceeded");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(t.closed).toBe(true);
  });
});

describe("invoke", () => {
  test("targets_split_into_address_and_method", async () => {
    const host = mockTransport(({ to, method, args }) => ({ to, method, args }));
    const client = await connect(host);
    expect(await client.invoke("cmd:greet", { name: "Ada" })).toEqual({ to: "cmd:greet", method: "", args: { name: "Ada" } });
    expect(await client.invoke("counter.add", { by: 2 })).toEqual({ to: "counter", method: "add", args: { by: 2 } });
    expect(await client.invoke("plugin:fs.read", {})).toEqual({ to: "plugin:fs", method: "read", args: {} });
    expect(await client.invoke("window:main.set_title", { title: "x" })).toEqual({
      to: "window:main",
      method: "set_title",
      args: { title: "x" },
    });
    const e = await rejection(client.invoke("nope:thing.x"));
    expect(e.code).toBe("unknown_target");
    expect(client.pendingCount).toBe(0);
  });

  test("binary_travels_as_uint8array_both_ways", async () => {
    const host = mockTransport(({ args }) => (args.data as Uint8Array).slice().reverse());
    const client = await connect(host);
    const out = await client.invoke<Uint8Array>("cmd:reverse", { data: new Uint8Array([1, 2, 3]) });
    expect(out).toBeInstanceOf(Uint8Array);
    expect([...out]).toEqual([3, 2, 1]);
  });

  test("app_errors_carry_their_decoded_data", async () => {
    const host = mockTransport(() => {
      throw new SwitchboardError("app", "insufficient funds", { data: { Insufficient: { missing: 5 } } });
    });
    const client = await connect(host);
    const e = await rejection(client.invoke("bank.withdraw", { amount: 10 }));
    expect(isSwitchboardError(e, "app")).toBe(true);
    expect(e.message).toBe("insufficient funds");
    expect(e.data).toEqual({ Insufficient: { missing: 5 } });
  });

  test("unknown_error_codes_arrive_as_generic_errors", async () => {
    const host = scriptedHost((f) =>
      f.k === "request" ? { k: "response", id: f.id, err: { code: "from_the_future", message: "new" } } : null,
    );
    const client = await connect(host.transport);
    const e = await rejection(client.invoke("cmd:x"));
    expect(e.code).toBe("from_the_future");
    expect(e.data).toBeUndefined();
  });

  test("abort_sends_cancel_and_rejects_with_cancelled", async () => {
    let handlerSignal: AbortSignal | undefined;
    const handling = deferred();
    const host = mockTransport(({ signal }) => {
      handlerSignal = signal;
      handling.resolve();
      return new Promise(() => undefined);
    });
    const client = await connect(host);
    const ac = new AbortController();
    const call = client.invoke("cmd:slow", {}, { signal: ac.signal });
    await handling.promise; // the host is running the call
    ac.abort();
    const e = await rejection(call);
    expect(e.code).toBe("cancelled");
    await host.next((f) => f.k === "cancel");
    const request = host.frames.find((f) => f.k === "request");
    const cancel = host.frames.find((f) => f.k === "cancel");
    expect(cancel).toEqual({ v: 1, k: "cancel", id: (request as { id: number }).id });
    expect(handlerSignal?.aborted).toBe(true);
    expect(client.pendingCount).toBe(0);
  });

  test("an_already_aborted_signal_sends_nothing", async () => {
    const host = mockTransport(() => 1);
    const client = await connect(host);
    const ac = new AbortController();
    ac.abort();
    expect((await rejection(client.invoke("cmd:x", {}, { signal: ac.signal }))).code).toBe("cancelled");
    expect(host.frames.filter((f) => f.k === "request")).toHaveLength(0);
  });

  test("timeout_sends_a_deadline_and_rejects_locally", async () => {
    const host = mockTransport(() => new Promise(() => undefined));
    const client = await connect(host);
    const started = Date.now();
    const e = await rejection(client.invoke("cmd:slow", {}, { timeout: 40 }));
    expect(e.code).toBe("deadline_exceeded");
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    const request = host.frames.find((f) => f.k === "request");
    expect(request).toMatchObject({ k: "request", deadline: 40 });
    expect(client.pendingCount).toBe(0);
  });

  test("results_past_2_53_are_rejected_not_rounded", async () => {
    const host = scriptedHost((f) =>
      f.k === "request" ? { k: "response", id: f.id, ok: encodePayload({ id: 2n ** 53n }) } : null,
    );
    const client = await connect(host.transport);
    const e = await rejection(client.invoke("cmd:big"));
    expect(e.code).toBe("malformed");
    expect(e.message).toContain("9007199254740992");
  });

  test("unsafe_integral_numbers_are_refused_before_sending", async () => {
    const host = scriptedHost((f) => (f.k === "request" ? { k: "response", id: f.id, ok: encodePayload(1) } : null));
    const client = await connect(host.transport);
    const e = await rejection(client.invoke("cmd:x", { n: 2 ** 60 }));
    expect(e.code).toBe("bad_payload");
    expect(host.received.filter((f) => f.k === "request")).toHaveLength(0);
    // a bigint goes through exactly, as a uint64
    expect(await client.invoke("cmd:x", { n: 2n ** 60n + 1n })).toBe(1);
    const request = host.received.find((f) => f.k === "request") as { payload: Uint8Array };
    expect([...request.payload]).toEqual([0x81, 0xa1, 0x6e, 0xcf, 0x10, 0, 0, 0, 0, 0, 0, 1]);
  });

  test("calls_into_the_page_are_answered_unknown_target", async () => {
    const host = scriptedHost();
    await connect(host.transport);
    host.push({ k: "request", id: 77, to: "window:main", method: "ping", payload: encodePayload({}) });
    const answer = await host.next((f) => f.k === "response");
    expect(answer).toMatchObject({ k: "response", id: 77, err: { code: "unknown_target" } });
  });

  test("close_rejects_pending_calls", async () => {
    const host = mockTransport(() => new Promise(() => undefined));
    const client = await connect(host);
    const call = client.invoke("cmd:slow");
    await host.next((f) => f.k === "request"); // the call is pending at the host
    client.close();
    expect((await rejection(call)).code).toBe("cancelled");
    expect(host.closed).toBe(true);
  });
});

describe("events", () => {
  test("events_arrive_in_publisher_order", async () => {
    const host = mockTransport(() => null);
    const client = await connect(host);
    const ticks = collector<number>();
    const unlisten = await client.listen<number>("tick", ticks.listener);
    for (let i = 0; i < 100; i++) host.emit("tick", i);
    await ticks.until(100);
    expect(ticks.seen).toEqual([...Array(100).keys()]);
    await unlisten();
  });

  test("a_batch_push_is_unpacked_in_order", async () => {
    const host = scriptedHost((f) => (f.k === "subscribe" ? { k: "response", id: f.id, ok: new Uint8Array() } : null));
    const client = await connect(host.transport);
    const heard = collector<unknown>();
    await client.listen("t", (v, meta) => heard.listener([v, meta.from]));
    host.transport.push(
      encodeBatch([1, 2, 3].map((n) => encodeFrame({ k: "event", topic: "t", payload: encodePayload(n), from: "counter" }))),
    );
    await heard.until(3);
    expect(heard.seen).toEqual([
      [1, "counter"],
      [2, "counter"],
      [3, "counter"],
    ]);
  });

  test("an_events_frame_of_version_2_is_delivered_in_order_around_lone_events", async () => {
    const host = scriptedHost((f) => (f.k === "subscribe" ? { k: "response", id: f.id, ok: new Uint8Array() } : null));
    const client = await connect(host.transport);
    const seen: unknown[] = [];
    await client.listen("t", (v, meta) => seen.push([v, meta.from]));
    host.transport.push(
      encodeBatch([
        encodeFrame({ k: "event", topic: "t", payload: encodePayload(0) }),
        encodeFrame({ k: "events", topic: "t", payloads: [1, 2, 3].map((n) => encodePayload(n)), from: "window:main" }),
        encodeFrame({ k: "events", topic: "other", payloads: [encodePayload(9)] }),
        encodeFrame({ k: "event", topic: "t", payload: encodePayload(4) }),
      ]),
    );
    await sleep(5);
    expect(seen).toEqual([
      [0, undefined],
      [1, "window:main"],
      [2, "window:main"],
      [3, "window:main"],
      [4, undefined],
    ]);
  });

  test("a_lazy_listener_that_never_reads_the_payload_never_decodes_it", async () => {
    const host = scriptedHost((f) => (f.k === "subscribe" ? { k: "response", id: f.id, ok: new Uint8Array() } : null));
    const errors: unknown[] = [];
    const client = await connect(host.transport, { onError: (e) => errors.push(e) });
    let count = 0;
    const values: unknown[] = [];
    await client.listenEvents("t", () => count++);
    // an undecodable value (0xc1) costs the counting listener nothing and reports nothing
    host.transport.push(encodeFrame({ k: "events", topic: "t", payloads: [new Uint8Array([0xc1]), encodePayload(2)] }));
    await sleep(5);
    expect(count).toBe(2);
    expect(errors).toEqual([]);
    await client.listenEvents<number>("t", (e) => {
      try {
        values.push(e.payload);
      } catch (err) {
        values.push((err as { code?: string }).code);
      }
    });
    host.transport.push(encodeFrame({ k: "events", topic: "t", payloads: [new Uint8Array([0xc1]), encodePayload(3)] }));
    await sleep(5);
    expect(count).toBe(4);
    expect(values).toEqual(["malformed", 3]);
  });

  test("the_client_offers_version_2_and_a_version_1_host_is_still_served", async () => {
    const host = scriptedHost();
    const client = await connect(host.transport);
    expect((host.received[0] as { versions: number[] }).versions).toEqual([2, 1]);
    expect(client.session.version).toBe(1); // the scripted host's welcome chose 1
    client.close();
  });

  test("unlisten_sends_unsubscribe_and_leaks_nothing", async () => {
    const host = mockTransport(() => null);
    const client = await connect(host);
    const a: number[] = [];
    const b = collector<number>();
    const stopA = await client.listen<number>("x", (n) => a.push(n));
    const stopB = await client.listen<number>("x", b.listener);
    expect(host.frames.filter((f) => f.k === "subscribe")).toHaveLength(1);
    host.emit("x", 1);
    await b.until(1);
    await stopA();
    host.emit("x", 2);
    await b.until(2);
    expect(host.frames.filter((f) => f.k === "unsubscribe")).toHaveLength(0);
    await stopB();
    await stopB(); // twice is harmless
    expect(host.frames.filter((f) => f.k === "unsubscribe")).toEqual([{ v: 1, k: "unsubscribe", id: expect.any(Number), topic: "x" }]);
    expect(host.topics.size).toBe(0);
    expect(client.listenedTopics).toBe(0);
    expect(client.pendingCount).toBe(0);
    // pushed past the mock's own topic filter: the client itself must drop it
    host.push(encodeFrame({ k: "event", topic: "x", payload: encodePayload(3) }));
    await delivered(host);
    expect(a).toEqual([1]);
    expect(b.seen).toEqual([1, 2]);
  });

  test("once_fires_once_and_unsubscribes", async () => {
    const host = mockTransport(() => null);
    const client = await connect(host);
    const seen: string[] = [];
    await client.once<string>("ready", (v) => seen.push(v));
    host.emit("ready", "a");
    host.emit("ready", "b");
    await host.next((f) => f.k === "unsubscribe");
    await delivered(host); // "b" too has reached the client
    expect(seen).toEqual(["a"]);
    expect(host.topics.size).toBe(0);
    expect(client.listenedTopics).toBe(0);
  });

  test("once_unsubscribes_even_when_the_event_beats_the_subscribe_answer", async () => {
    // The host pushes the event first and answers the subscribe after it.
    const host = scriptedHost(async (f, h) => {
      if (f.k === "subscribe") {
        h.push({ k: "event", topic: f.topic, payload: encodePayload("early") });
        await delivered(h.transport); // the event has reached the client: now answer
        return { k: "response", id: f.id, ok: new Uint8Array() };
      }
      if (f.k === "unsubscribe") return { k: "response", id: f.id, ok: new Uint8Array() };
      return null;
    });
    const client = await connect(host.transport);
    const seen: unknown[] = [];
    await client.once("t", (v) => seen.push(v));
    await host.next((f) => f.k === "unsubscribe");
    expect(seen).toEqual(["early"]);
    // the client forgets the topic before it sends `unsubscribe`
    expect(client.listenedTopics).toBe(0);
  });

  test("a_forbidden_topic_rejects_listen", async () => {
    const host = mockTransport(() => null, { forbiddenTopics: ["secret"] });
    const client = await connect(host);
    const e = await rejection(client.listen("secret", () => undefined));
    expect(e.code).toBe("forbidden");
    expect(client.listenedTopics).toBe(0);
  });

  test("emit_reaches_the_host_and_own_listeners", async () => {
    const host = mockTransport(() => null);
    const client = await connect(host);
    const chat = collector<unknown>();
    await client.listen("chat", chat.listener);
    await client.emit("chat", { text: "hi" });
    await chat.until(1);
    expect(host.emitted).toEqual([{ topic: "chat", value: { text: "hi" } }]);
    expect(chat.seen).toEqual([{ text: "hi" }]);
  });

  test("emit_on_a_host_topic_or_without_emit_grant_is_refused", async () => {
    const host = mockTransport(() => null, { forbiddenTopics: ["chat"] });
    const client = await connect(host);
    const reserved = await rejection(client.emit("window/main/file_dropped", ["/etc/passwd"]));
    expect(reserved.code).toBe("forbidden");
    const denied = await rejection(client.emit("chat", "hi"));
    expect(denied.code).toBe("forbidden");
    expect(denied.message).toBe("emit:chat");
    expect(host.emitted).toEqual([]);
  });

  test("a_throwing_listener_does_not_stop_the_others", async () => {
    const errors: unknown[] = [];
    const host = mockTransport(() => null);
    const client = await connect(host, { onError: (e) => errors.push(e) });
    const heard = collector<number>();
    await client.listen<number>("t", () => {
      throw new Error("boom");
    });
    await client.listen<number>("t", heard.listener);
    host.emit("t", 1);
    await heard.until(1);
    expect(heard.seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});

describe("streams", () => {
  test("items_arrive_in_order_and_end", async () => {
    const host = mockTransport(function* () {
      for (let i = 0; i < 50; i++) yield i;
    });
    const client = await connect(host);
    const got: number[] = [];
    for await (const n of client.stream<number>("ticker.count", {}, { credit: 4 })) got.push(n);
    expect(got).toEqual([...Array(50).keys()]);
    expect(host.maxInFlight).toBeLessThanOrEqual(4);
    expect(client.pendingCount).toBe(0);
  });

  test("a_slow_consumer_slows_the_producer", async () => {
    // A producer that sends as soon as it has credit, and records how far ahead it got.
    let sent = 0;
    let granted = 0;
    let consumed = 0;
    let maxAhead = 0;
    const total = 40;
    const credit = 6;
    let push: ((f: Uint8Array) => void) | null = null;
    let id = -1;
    const produce = (): void => {
      while (sent < Math.min(total, granted)) {
        push?.(encodeFrame({ k: "stream_item", id, seq: sent, payload: encodePayload(sent) }));
        sent += 1;
        maxAhead = Math.max(maxAhead, sent - consumed);
      }
      if (sent === total) push?.(encodeFrame({ k: "stream_end", id, seq: total }));
    };
    const t = memoryTransport((bytes, p) => {
      push = p;
      const [frame] = [decode(bytes)];
      if (frame.k === "hello") return encodeFrame(WELCOME);
      if (frame.k === "request") {
        id = frame.id;
        granted = frame.credit ?? 16;
        produce();
      }
      if (frame.k === "credit") {
        granted += frame.n;
        produce();
      }
      return null;
    });
    const client = await connect(t);
    const got: number[] = [];
    for await (const n of client.stream<number>("src.items", {}, { credit })) {
      got.push(n);
      await sleep(1); // the scenario: a consumer slower than its producer
      consumed += 1; // done with it: the next pull gives its credit back
    }
    expect(got).toEqual([...Array(total).keys()]);
    expect(maxAhead).toBeLessThanOrEqual(credit);
    expect(maxAhead).toBeGreaterThan(1);
  });

  test("breaking_out_sends_cancel", async () => {
    const host = mockTransport(async function* () {
      for (let i = 0; ; i++) yield i;
    });
    const client = await connect(host);
    const got: number[] = [];
    for await (const n of client.stream<number>("ticker.forever", {}, { credit: 8 })) {
      got.push(n);
      if (n === 20) break;
    }
    await host.next((f) => f.k === "cancel");
    expect(got).toHaveLength(21);
    const req = host.frames.find((f) => f.k === "request") as { id: number };
    expect(host.frames.some((f) => f.k === "cancel" && f.id === req.id)).toBe(true);
    expect(host.maxInFlight).toBeLessThanOrEqual(8);
    expect(client.pendingCount).toBe(0);
  });

  test("a_failing_stream_throws_its_error_after_its_items", async () => {
    const host = mockTransport(function* () {
      yield 1;
      yield 2;
      throw new SwitchboardError("app", "disk gone", { data: "EIO" });
    });
    const client = await connect(host);
    const got: number[] = [];
    let caught: unknown;
    try {
      for await (const n of client.stream<number>("fs.lines")) got.push(n);
    } catch (e) {
      caught = e;
    }
    expect(got).toEqual([1, 2]);
    expect(caught).toBeInstanceOf(SwitchboardError);
    expect((caught as SwitchboardError).code).toBe("app");
    expect((caught as SwitchboardError).data).toBe("EIO");
  });

  test("an_end_that_overtakes_its_items_waits_for_them", async () => {
    const host = scriptedHost((f, h) => {
      if (f.k !== "request") return null;
      // the scenario: items pushed a little after the direct answer (the test waits on its
      // stream, not on this delay)
      setTimeout(() => {
        for (let seq = 0; seq < 3; seq++) h.push({ k: "stream_item", id: f.id, seq, payload: encodePayload(seq) });
      }, 10);
      return { k: "stream_end", id: f.id, seq: 3 }; // the direct answer arrives first
    });
    const client = await connect(host.transport);
    const got: number[] = [];
    for await (const n of client.stream<number>("x.y")) got.push(n);
    expect(got).toEqual([0, 1, 2]);
  });

  test("a_producer_past_its_credit_is_a_protocol_violation", async () => {
    const host = scriptedHost((f, h) => {
      if (f.k !== "request") return null;
      for (let seq = 0; seq < 5; seq++) h.push({ k: "stream_item", id: f.id, seq, payload: encodePayload(seq) });
      return null;
    });
    const client = await connect(host.transport);
    const s = client.stream<number>("x.y", {}, { credit: 2 });
    // the third item breaks the credit: the client cancels the stream
    await host.next((f) => f.k === "cancel");
    const got: number[] = [];
    const e = await rejection(
      (async () => {
        for await (const n of s) got.push(n);
      })(),
    );
    expect(e.code).toBe("protocol_violation");
    expect(host.received.some((f) => f.k === "cancel")).toBe(true);
  });

  test("an_error_reply_fails_the_stream", async () => {
    const host = scriptedHost((f) =>
      f.k === "request" ? { k: "response", id: f.id, err: { code: "forbidden", message: "x.y" } } : null,
    );
    const client = await connect(host.transport);
    const e = await rejection(
      (async () => {
        for await (const _ of client.stream("x.y")) void _;
      })(),
    );
    expect(e.code).toBe("forbidden");
  });

  test("abort_cancels_a_stream", async () => {
    const host = mockTransport(async function* () {
      for (let i = 0; ; i++) {
        await sleep(1); // the scenario: a producer that paces itself
        yield i;
      }
    });
    const client = await connect(host);
    const ac = new AbortController();
    const got: number[] = [];
    const e = await rejection(
      (async () => {
        for await (const n of client.stream<number>("t.t", {}, { signal: ac.signal })) {
          got.push(n);
          if (n === 3) ac.abort();
        }
      })(),
    );
    expect(e.code).toBe("cancelled");
    await host.next((f) => f.k === "cancel");
    expect(host.frames.some((f) => f.k === "cancel")).toBe(true);
  });
});

function decode(bytes: Uint8Array): Frame {
  return decodeFrameForTest(bytes);
}
import { decodeFrame as decodeFrameForTest } from "../src/index.js";
