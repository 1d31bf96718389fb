/**
 * The client: a session with a Switchboard host over a {@link Transport}.
 *
 * `connect` sends `hello` and waits for `welcome`; the client then calls actors
 * (`invoke`), listens to and emits events, and consumes streamed replies. Every answer is
 * matched to its request by id, whichever path (direct answer or push) carried it.
 *
 * @example
 * ```ts
 * import { connect } from "@switchboard/client";
 * const client = await connect(); // the webview bridge
 * const greeting = await client.invoke<string>("cmd:greet", { name: "Ada" });
 * const total = await client.invoke<number>("counter.add", { by: 2 }, { timeout: 1000 });
 * ```
 * @module
 */

import { bridgeTransport } from "./bridge.js";
import {
  type DecodeLimits,
  DEFAULT_LIMITS,
  decodeFrame,
  decodePayload,
  encodeFrame,
  encodePayload,
  encodeRequest,
  isBatch,
  splitBatch,
} from "./codec.js";
import { SwitchboardError } from "./errors.js";
import { type EventListener, type Listener, type Unlisten, Subscriptions } from "./events.js";
import {
  type ErrorFrame,
  type Frame,
  type OutgoingFrame,
  type ResponseFrame,
  type SessionLimits,
  type StreamEndFrame,
  type StreamItemFrame,
  type WireError,
  DEFAULT_STREAM_CREDIT,
  SUPPORTED_VERSIONS,
  parseTarget,
  topicProblem,
} from "./frames.js";
import { type StreamOptions, Stream } from "./stream.js";
import type { Transport } from "./transport.js";

/** The payload field of a request whose bytes were encoded with `encodeRequest`. */
const EMPTY = new Uint8Array(0);

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** A name for the host's logs (default: the document title, or `"client"`). */
  name?: string;
  /** What this client is, for logs (default `"webview"`). */
  client?: string;
  /** Protocol versions to offer (default: every version this package speaks). */
  versions?: readonly number[];
  /** Milliseconds to wait for `welcome` before giving up (default 10000). */
  timeout?: number;
  /** Receives errors no caller is waiting for (a throwing listener, a stray error frame). */
  onError?: (error: unknown) => void;
}

/** Options of {@link Client.invoke}. */
export interface InvokeOptions {
  /** Aborting it sends `cancel`; the call rejects with code `cancelled`. */
  signal?: AbortSignal;
  /** Milliseconds to wait: sent as the request's `deadline`, and enforced locally too. */
  timeout?: number;
}

/** What the host said about this session in its `welcome`. */
export interface SessionInfo {
  /** The protocol version in use. */
  version: number;
  /** The session id, for logs. */
  session: string;
  /** The label of the window the host believes this client is. */
  window: string;
  /** The permission patterns this client holds. */
  grants: string[];
  /** The limits the host enforces. */
  limits: SessionLimits;
}

type Answer = ResponseFrame | StreamItemFrame | StreamEndFrame | ErrorFrame;

/** Turns a wire error into a {@link SwitchboardError}, decoding its typed data. */
export function fromWireError(err: WireError, limits: DecodeLimits = DEFAULT_LIMITS): SwitchboardError {
  let data: unknown;
  if (err.data !== undefined) {
    try {
      data = decodePayload(err.data, limits);
    } catch {
      data = err.data;
    }
  }
  return new SwitchboardError(err.code, err.message, { data });
}

function asError(e: unknown): SwitchboardError {
  if (e instanceof SwitchboardError) return e;
  return new SwitchboardError("internal", `transport failed: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });
}

function cancelledBy(signal: AbortSignal): SwitchboardError {
  return new SwitchboardError("cancelled", "the call was cancelled", { cause: signal.reason });
}

function defaultName(): string {
  const doc = (globalThis as { document?: { title?: unknown } }).document;
  return typeof doc?.title === "string" && doc.title !== "" ? doc.title : "client";
}

/**
 * Connects to a host: sends `hello`, waits for `welcome`. Rejects with code
 * `unsupported_version` (listing the host's versions in the message and in
 * `data.versions`) when there is no common version, and with `deadline_exceeded` when no
 * answer comes within `timeout`. Without a transport, uses the webview bridge.
 *
 * @example
 * ```ts
 * const client = await connect(undefined, { name: "settings window" });
 * client.session.window; // "main"
 * ```
 */
export async function connect(transport: Transport = bridgeTransport(), opts: ConnectOptions = {}): Promise<Client> {
  const client = new Client(transport, opts);
  try {
    await client.handshake(opts);
  } catch (e) {
    client.close();
    throw e;
  }
  return client;
}

/** A connected session. Create it with {@link connect}. */
export class Client {
  private readonly pending = new Map<number, (frame: Answer) => void>();
  private readonly streams = new Set<Stream<unknown>>();
  private readonly subscriptions: Subscriptions;
  private readonly stopPush: () => void;
  private nextId = 1;
  private limits: DecodeLimits = DEFAULT_LIMITS;
  private info: SessionInfo | null = null;
  private waitingWelcome: ((frame: Frame) => void) | null = null;
  private closed = false;
  private readonly report: (e: unknown) => void;

  /** Use {@link connect}. @internal */
  constructor(
    private readonly transport: Transport,
    opts: ConnectOptions,
  ) {
    this.report =
      opts.onError ??
      ((e: unknown) => {
        // Surface it like an uncaught error, without breaking the delivery loop.
        setTimeout(() => {
          throw e;
        }, 0);
      });
    this.subscriptions = new Subscriptions(
      {
        subscribe: (topic) => this.call({ k: "subscribe", id: this.takeId(), topic }).then(() => undefined),
        unsubscribe: (topic) => this.call({ k: "unsubscribe", id: this.takeId(), topic }).then(() => undefined),
      },
      this.report,
    );
    this.stopPush = transport.onPush((bytes) => this.receive(bytes));
  }

  /** What the host said in `welcome`. Throws before the handshake is done. */
  get session(): SessionInfo {
    if (this.info === null) throw new SwitchboardError("protocol_violation", "the client is not connected yet");
    return this.info;
  }

  /** Requests waiting for an answer (a leak check). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Topics with listeners (a leak check). */
  get listenedTopics(): number {
    return this.subscriptions.size;
  }

  /** @internal */
  async handshake(opts: ConnectOptions): Promise<void> {
    const versions = [...(opts.versions ?? SUPPORTED_VERSIONS)];
    const timeout = opts.timeout ?? 10_000;
    const answer = new Promise<Frame>((resolve) => {
      this.waitingWelcome = resolve;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SwitchboardError("deadline_exceeded", `no welcome from the host within ${timeout} ms`)),
        timeout,
      );
    });
    try {
      const hello = encodeFrame({ k: "hello", versions, client: opts.client ?? "webview", name: opts.name ?? defaultName() });
      const sent = this.transport.send(hello).then(
        (direct) => {
          if (direct !== null && direct.length > 0) this.receive(direct);
        },
        (e: unknown) => {
          throw asError(e);
        },
      );
      const frame = await Promise.race([answer, expired, sent.then(() => answer)]);
      if (frame.k === "error") {
        if (frame.code === "unsupported_version") {
          const host = frame.versions ?? [];
          throw new SwitchboardError(
            "unsupported_version",
            `no common protocol version: this client speaks [${versions.join(", ")}], the host speaks [${host.join(", ")}]`,
            { data: { versions: host } },
          );
        }
        throw new SwitchboardError(frame.code, frame.message);
      }
      if (frame.k !== "welcome") throw new SwitchboardError("protocol_violation", `expected welcome, got ${frame.k}`);
      if (!versions.includes(frame.version)) {
        throw new SwitchboardError(
          "unsupported_version",
          `the host chose protocol version ${frame.version}, this client speaks [${versions.join(", ")}]`,
          { data: { versions: [frame.version] } },
        );
      }
      this.info = {
        version: frame.version,
        session: frame.session,
        window: frame.window,
        grants: frame.grants,
        limits: frame.limits,
      };
      this.limits = { maxFrame: frame.limits.max_frame, maxDepth: frame.limits.max_depth };
    } finally {
      clearTimeout(timer);
      this.waitingWelcome = null;
    }
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;
    return id;
  }

  /** Encodes and sends a frame, handling a direct answer. */
  private async sendFrame(frame: OutgoingFrame, encoded?: Uint8Array): Promise<void> {
    if (this.closed) throw new SwitchboardError("window_closed", "the client is closed");
    const bytes = encoded ?? encodeFrame(frame);
    if (bytes.length > this.limits.maxFrame) {
      throw new SwitchboardError("too_large", `frame is ${bytes.length} bytes, the limit is ${this.limits.maxFrame}`);
    }
    const direct = await this.transport.send(bytes);
    if (direct !== null && direct.length > 0) this.receive(direct);
  }

  /** Sends a frame no caller waits on (cancel, credit), reporting failures. */
  private fireAndForget(frame: OutgoingFrame): void {
    if (this.closed) return;
    this.sendFrame(frame).catch((e: unknown) => this.report(e));
  }

  /** Sends a frame carrying `id` and resolves with its `response.ok` bytes. */
  private call(frame: OutgoingFrame & { id: number }, opts: InvokeOptions = {}, encoded?: Uint8Array): Promise<Uint8Array> {
    const { id } = frame;
    const { signal, timeout } = opts;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelledBy(signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        if (!this.pending.has(id)) return;
        settle();
        this.fireAndForget({ k: "cancel", id });
        reject(cancelledBy(signal as AbortSignal));
      };
      const settle = (): void => {
        this.pending.delete(id);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.pending.set(id, (answer) => {
        settle();
        if (answer.k === "response") {
          if (answer.ok !== undefined) resolve(answer.ok);
          else if (answer.err !== undefined) reject(fromWireError(answer.err, this.limits));
        } else if (answer.k === "error") {
          reject(new SwitchboardError(answer.code, answer.message));
        } else {
          this.fireAndForget({ k: "cancel", id });
          reject(new SwitchboardError("protocol_violation", "the reply is a stream; call it with client.stream()"));
        }
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          settle();
          reject(new SwitchboardError("deadline_exceeded", `no answer within ${timeout} ms`));
        }, timeout);
      }
      this.sendFrame(frame, encoded).catch((e: unknown) => {
        if (!this.pending.has(id)) return;
        settle();
        reject(asError(e));
      });
    });
  }

  /**
   * Calls `target` with `args` (a map of argument name → value) and resolves with the
   * decoded return value. `target` is `"cmd:<name>"` for a command, otherwise
   * `"<address>.<method>"` split at the last `.` (`"counter.add"`, `"plugin:fs.read"`,
   * `"window:main.set_title"`). Rejects with a {@link SwitchboardError}: the host's code
   * (`app` with the handler's error value in `data`, `forbidden`, ...), `cancelled` when
   * `signal` aborts, `deadline_exceeded` past `timeout`.
   *
   * @example
   * ```ts
   * const ac = new AbortController();
   * const big = client.invoke<Uint8Array>("plugin:fs.read", { path: "a.bin" }, { signal: ac.signal });
   * ac.abort(); // sends `cancel`; `big` rejects with code "cancelled"
   * ```
   */
  async invoke<T = unknown>(target: string, args: Record<string, unknown> = {}, opts: InvokeOptions = {}): Promise<T> {
    const { to, method } = parseTarget(target);
    const id = this.nextId;
    const deadline = opts.timeout === undefined ? undefined : Math.max(0, Math.ceil(opts.timeout));
    const head = deadline === undefined ? { id, to, method } : { id, to, method, deadline };
    // the arguments are encoded straight into the frame (a large `Uint8Array` copied once);
    // arguments that do not encode use no id
    const bytes = encodeRequest(head, args, this.limits.maxDepth);
    this.takeId();
    const ok = await this.call({ k: "request", ...head, payload: EMPTY }, opts, bytes);
    return decodePayload<T>(ok, this.limits);
  }

  /**
   * Calls a streaming `target` and iterates its items, with credit-based flow control: at
   * most `credit` items (default 16) are in flight; credit is given back as you pull.
   * Leaving the loop early sends `cancel`.
   *
   * @example
   * ```ts
   * for await (const n of client.stream<number>("ticker.count", { to: 100 }, { credit: 8 })) {
   *   console.log(n);
   * }
   * ```
   */
  stream<T = unknown>(target: string, args: Record<string, unknown> = {}, opts: StreamOptions = {}): Stream<T> {
    const credit = opts.credit ?? DEFAULT_STREAM_CREDIT;
    if (!Number.isInteger(credit) || credit < 1 || credit > 0xffff_ffff) {
      throw new SwitchboardError("bad_payload", `stream credit must be an integer from 1 to 2^32 − 1, got ${credit}`);
    }
    const { to, method } = parseTarget(target);
    const payload = encodePayload(args, this.limits.maxDepth);
    const stream = new Stream<T>(credit, (bytes) => decodePayload<T>(bytes, this.limits));
    const id = this.takeId();
    const { signal } = opts;
    const forget = (): void => {
      this.pending.delete(id);
      this.streams.delete(stream as Stream<unknown>);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => stream.cancel(cancelledBy(signal as AbortSignal));
    stream.attach({
      credit: (n) => this.fireAndForget({ k: "credit", id, n }),
      cancel: () => {
        if (this.pending.has(id)) this.fireAndForget({ k: "cancel", id });
      },
      done: forget,
    });
    if (signal?.aborted) {
      stream.cancel(cancelledBy(signal));
      return stream;
    }
    this.streams.add(stream as Stream<unknown>);
    this.pending.set(id, (answer) => {
      switch (answer.k) {
        case "stream_item":
          stream.item(answer.seq, answer.payload);
          return;
        case "stream_end":
          // Items pushed before the end may still be on their way (a direct answer can
          // overtake the push path): the stream forgets the request once it has them all.
          stream.end(answer.seq, answer.err === undefined ? undefined : fromWireError(answer.err, this.limits));
          return;
        case "response":
          stream.fail(
            answer.err !== undefined
              ? fromWireError(answer.err, this.limits)
              : new SwitchboardError("protocol_violation", `\`${target}\` answered with a value, not a stream; use invoke()`),
          );
          return;
        case "error":
          stream.fail(new SwitchboardError(answer.code, answer.message));
          return;
      }
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    this.sendFrame({ k: "request", id, to, method, payload, credit }).catch((e: unknown) => {
      if (this.pending.has(id)) stream.fail(asError(e));
    });
    return stream;
  }

  /**
   * Listens to `topic`: resolves once the host has confirmed the subscription (rejects with
   * its error, e.g. `forbidden`), with a function that removes the listener.
   *
   * @example
   * ```ts
   * const unlisten = await client.listen<{ pct: number }>("download/progress", (p) => show(p.pct));
   * await unlisten();
   * ```
   */
  listen<T = unknown>(topic: string, listener: Listener<T>): Promise<Unlisten> {
    const problem = topicProblem(topic);
    if (problem !== null) return Promise.reject(new SwitchboardError("bad_payload", `topic \`${topic}\`: ${problem}`));
    return this.subscriptions.add(topic, listener);
  }

  /**
   * Like {@link Client.listen}, but the listener gets whole events whose value is decoded
   * only when it reads `event.payload`: a listener that never reads it never pays for it.
   *
   * @example
   * ```ts
   * let ticks = 0;
   * await client.listenEvents("bench/tick", () => ticks++); // no payload decoded
   * ```
   */
  listenEvents<T = unknown>(topic: string, listener: EventListener<T>): Promise<Unlisten> {
    const problem = topicProblem(topic);
    if (problem !== null) return Promise.reject(new SwitchboardError("bad_payload", `topic \`${topic}\`: ${problem}`));
    return this.subscriptions.addLazy(topic, listener);
  }

  /**
   * Like {@link Client.listen}, for the next event only; the listener is removed (and the
   * topic unsubscribed if it was the last) before it runs.
   *
   * @example
   * ```ts
   * await client.once("app/ready", () => start());
   * ```
   */
  async once<T = unknown>(topic: string, listener: Listener<T>): Promise<Unlisten> {
    let unlisten: Unlisten | null = null;
    let fired = false;
    const stop = (): void => {
      void unlisten?.().catch((e: unknown) => this.report(e));
    };
    unlisten = await this.listen<T>(topic, (value, meta) => {
      if (fired) return;
      fired = true;
      stop(); // a no-op if the event came before `listen` resolved; handled below
      listener(value, meta);
    });
    if (fired) stop();
    return unlisten;
  }

  /**
   * Publishes `value` on `topic` (an `event` frame; the host delivers it if this client may
   * emit there). Resolves once the frame is sent; rejects if the host answers it with an error.
   *
   * @example
   * ```ts
   * await client.emit("chat/message", { text: "hi" });
   * ```
   */
  async emit(topic: string, value: unknown): Promise<void> {
    const problem = topicProblem(topic);
    if (problem !== null) throw new SwitchboardError("bad_payload", `topic \`${topic}\`: ${problem}`);
    if (this.closed) throw new SwitchboardError("window_closed", "the client is closed");
    const bytes = encodeFrame({ k: "event", topic, payload: encodePayload(value, this.limits.maxDepth) });
    const direct = await this.transport.send(bytes).catch((e: unknown) => {
      throw asError(e);
    });
    if (direct === null || direct.length === 0) return;
    if (!isBatch(direct)) {
      const frame = decodeFrame(direct, this.limits);
      if (frame.k === "error" && frame.id === undefined) throw new SwitchboardError(frame.code, frame.message);
    }
    this.receive(direct);
  }

  /**
   * Closes the session: pending calls reject with `cancelled`, streams end, listeners are
   * dropped, and the transport is closed.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPush();
    const closedError = new SwitchboardError("cancelled", "the client was closed");
    for (const deliver of [...this.pending.values()]) {
      deliver({ v: 1, k: "error", code: closedError.code, message: closedError.message });
    }
    this.pending.clear();
    for (const stream of this.streams) stream.cancel(closedError);
    this.streams.clear();
    this.subscriptions.clear();
    this.transport.close();
  }

  // Decodes an event's value with this client's limits (one function for every event).
  private readonly decodeValue = (bytes: Uint8Array): unknown => decodePayload(bytes, this.limits);

  /** Handles bytes from the host: one frame or a batch. */
  private receive(bytes: Uint8Array): void {
    let frames: Uint8Array[];
    try {
      frames = isBatch(bytes) ? splitBatch(bytes, this.limits) : [bytes];
    } catch (e) {
      this.report(e);
      return;
    }
    for (const one of frames) {
      let frame: Frame;
      try {
        frame = decodeFrame(one, this.limits);
      } catch (e) {
        this.report(e);
        continue;
      }
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Frame): void {
    switch (frame.k) {
      case "welcome":
        this.waitingWelcome?.(frame);
        return;
      case "response":
      case "stream_item":
      case "stream_end":
        this.pending.get(frame.id)?.(frame);
        return;
      case "error": {
        if (frame.id === undefined && this.waitingWelcome !== null) {
          this.waitingWelcome(frame);
          return;
        }
        const waiter = frame.id === undefined ? undefined : this.pending.get(frame.id);
        if (waiter !== undefined) waiter(frame);
        else this.report(new SwitchboardError(frame.code, frame.message));
        return;
      }
      case "event":
        this.subscriptions.deliver(frame.topic, frame.payload, frame.from, this.decodeValue);
        return;
      case "events": {
        // version 2: a burst of one topic and publisher in one frame, delivered in order
        if (!this.subscriptions.listens(frame.topic)) return;
        for (const payload of frame.payloads) this.subscriptions.deliver(frame.topic, payload, frame.from, this.decodeValue);
        return;
      }
      case "request":
        // Calls into the page are not served by this client: answer, never leave them hanging.
        this.fireAndForget({
          k: "response",
          id: frame.id,
          err: { code: "unknown_target", message: `this client serves no calls (to \`${frame.to}\`)` },
        });
        return;
      case "cancel":
        return;
      default:
        this.report(new SwitchboardError("protocol_violation", `unexpected \`${frame.k}\` frame from the host`));
    }
  }
}
