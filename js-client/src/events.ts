/**
 * Events: topic listeners of a client (PROTOCOL.md §2, `event`, `subscribe`, `unsubscribe`).
 *
 * Listeners of one topic share one subscription: the first `listen` sends `subscribe`, the
 * last unlisten sends `unsubscribe`, and both wait for the host's `response` (a `forbidden`
 * topic rejects the `listen`). Subscription changes of one topic go out one at a time, so
 * the host sees them in the order they were made; events are delivered in arrival order,
 * which is the publisher's order.
 *
 * @example
 * ```ts
 * const unlisten = await client.listen<number>("download/progress", (pct) => bar.value = pct);
 * await client.emit("download/start", { url });
 * await unlisten();
 * ```
 * @module
 */

/** What a listener learns besides the value. */
export interface EventMeta {
  /** The topic. */
  topic: string;
  /** The publisher's address, when the host named it. */
  from?: string;
}

/** A listener of a topic's values. */
export type Listener<T> = (value: T, meta: EventMeta) => void;

/**
 * An event as a lazy listener ({@link Client.listenEvents}) gets it: the value is decoded
 * the first time `payload` is read (then kept), so a listener that only counts events, or
 * looks at `topic`/`from`/`bytes`, never pays for decoding.
 */
export interface ReceivedEvent<T = unknown> {
  /** The topic. */
  readonly topic: string;
  /** The publisher's address, when the host named it. */
  readonly from?: string;
  /** The encoded value (a view into the received frame). */
  readonly bytes: Uint8Array;
  /** The decoded value (decoded on first read; throws `malformed` if it does not decode). */
  readonly payload: T;
}

/** A listener of whole events, decoding values only when it reads them. */
export type EventListener<T> = (event: ReceivedEvent<T>) => void;

/** An event whose value is decoded on first read. @internal */
class LazyEvent implements ReceivedEvent {
  private value: unknown;
  private state: 0 | 1 | 2 = 0; // 0: not decoded, 1: decoded, 2: failed
  private failure: unknown;

  constructor(
    readonly topic: string,
    readonly from: string | undefined,
    readonly bytes: Uint8Array,
    private readonly decode: (bytes: Uint8Array) => unknown,
  ) {}

  get payload(): unknown {
    if (this.state === 0) {
      try {
        this.value = this.decode(this.bytes);
        this.state = 1;
      } catch (e) {
        this.failure = e;
        this.state = 2;
      }
    }
    if (this.state === 2) throw this.failure;
    return this.value;
  }
}

/** A listener as the subscriptions keep it: of values, or of lazy events. */
type Held = { lazy: false; f: Listener<unknown> } | { lazy: true; f: EventListener<unknown> };

/** Removes a listener; resolves once the host has confirmed any `unsubscribe` it caused. */
export type Unlisten = () => Promise<void>;

interface Topic {
  listeners: Held[];
  /** Resolves when the host has answered this topic's `subscribe`. */
  subscribed: Promise<void>;
}

/** Subscribes and unsubscribes topics on the host. @internal */
export interface SubscriptionLink {
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
}

/** The topics a client listens to, and their listeners. @internal */
export class Subscriptions {
  private readonly topics = new Map<string, Topic>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly link: SubscriptionLink,
    private readonly report: (e: unknown) => void,
  ) {}

  /** How many topics have listeners (a leak check). */
  get size(): number {
    return this.topics.size;
  }

  /** Listeners of `topic` (a leak check). */
  count(topic: string): number {
    return this.topics.get(topic)?.listeners.length ?? 0;
  }

  // Runs `op` after the topic's earlier subscription changes.
  private queue<R>(topic: string, op: () => Promise<R>): Promise<R> {
    const before = this.queues.get(topic) ?? Promise.resolve();
    const result = before.then(op, op);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(topic, tail);
    void tail.then(() => {
      if (this.queues.get(topic) === tail) this.queues.delete(topic);
    });
    return result;
  }

  /** Adds `listener`; subscribes the topic first if it has no listeners yet. */
  add<T>(topic: string, listener: Listener<T>): Promise<Unlisten> {
    return this.hold(topic, { lazy: false, f: listener as Listener<unknown> });
  }

  /** Adds a lazy `listener` of whole events (see {@link ReceivedEvent}). */
  addLazy<T>(topic: string, listener: EventListener<T>): Promise<Unlisten> {
    return this.hold(topic, { lazy: true, f: listener as EventListener<unknown> });
  }

  private async hold(topic: string, l: Held): Promise<Unlisten> {
    let entry = this.topics.get(topic);
    if (entry === undefined) {
      const created: Topic = { listeners: [l], subscribed: Promise.resolve() };
      created.subscribed = this.queue(topic, () => this.link.subscribe(topic));
      this.topics.set(topic, created);
      entry = created;
    } else {
      entry.listeners.push(l);
    }
    const current = entry;
    try {
      await current.subscribed;
    } catch (e) {
      if (this.topics.get(topic) === current) this.topics.delete(topic);
      throw e;
    }
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      const i = current.listeners.indexOf(l);
      if (i >= 0) current.listeners.splice(i, 1);
      if (current.listeners.length === 0 && this.topics.get(topic) === current) {
        this.topics.delete(topic);
        await this.queue(topic, () => this.link.unsubscribe(topic));
      }
    };
  }

  /** Whether `topic` has listeners (events of other topics need no decoding at all). */
  listens(topic: string): boolean {
    return this.topics.has(topic);
  }

  /**
   * Delivers one event to the topic's listeners, in the order they were added. The value is
   * decoded once, when the first listener of values is called or a lazy listener reads it;
   * a value that does not decode is reported once and skips the listeners of values.
   */
  deliver(topic: string, bytes: Uint8Array, from: string | undefined, decode: (bytes: Uint8Array) => unknown): void {
    const entry = this.topics.get(topic);
    if (entry === undefined) return;
    const event = new LazyEvent(topic, from, bytes, decode);
    let meta: EventMeta | undefined;
    let failed = false;
    const listeners = entry.listeners.length === 1 ? entry.listeners : [...entry.listeners];
    for (const held of listeners) {
      try {
        if (held.lazy) {
          held.f(event);
          continue;
        }
        if (failed) continue;
        let value: unknown;
        try {
          value = event.payload;
        } catch (e) {
          failed = true;
          this.report(e);
          continue;
        }
        meta ??= from === undefined ? { topic } : { topic, from };
        held.f(value, meta);
      } catch (e) {
        this.report(e);
      }
    }
  }

  /** Forgets every topic (the client closed). */
  clear(): void {
    this.topics.clear();
  }
}
