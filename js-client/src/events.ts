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

/** Removes a listener; resolves once the host has confirmed any `unsubscribe` it caused. */
export type Unlisten = () => Promise<void>;

interface Topic {
  listeners: Listener<unknown>[];
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
  async add<T>(topic: string, listener: Listener<T>): Promise<Unlisten> {
    const l = listener as Listener<unknown>;
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

  /** Delivers one event to the topic's listeners, in the order they were added. */
  deliver(topic: string, value: unknown, from: string | undefined): void {
    const entry = this.topics.get(topic);
    if (entry === undefined) return;
    const meta: EventMeta = from === undefined ? { topic } : { topic, from };
    for (const listener of [...entry.listeners]) {
      try {
        listener(value, meta);
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
