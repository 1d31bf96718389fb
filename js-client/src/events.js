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
/** The topics a client listens to, and their listeners. @internal */
export class Subscriptions {
    link;
    report;
    topics = new Map();
    queues = new Map();
    constructor(link, report) {
        this.link = link;
        this.report = report;
    }
    /** How many topics have listeners (a leak check). */
    get size() {
        return this.topics.size;
    }
    /** Listeners of `topic` (a leak check). */
    count(topic) {
        return this.topics.get(topic)?.listeners.length ?? 0;
    }
    // Runs `op` after the topic's earlier subscription changes.
    queue(topic, op) {
        const before = this.queues.get(topic) ?? Promise.resolve();
        const result = before.then(op, op);
        const tail = result.then(() => undefined, () => undefined);
        this.queues.set(topic, tail);
        void tail.then(() => {
            if (this.queues.get(topic) === tail)
                this.queues.delete(topic);
        });
        return result;
    }
    /** Adds `listener`; subscribes the topic first if it has no listeners yet. */
    async add(topic, listener) {
        const l = listener;
        let entry = this.topics.get(topic);
        if (entry === undefined) {
            const created = { listeners: [l], subscribed: Promise.resolve() };
            created.subscribed = this.queue(topic, () => this.link.subscribe(topic));
            this.topics.set(topic, created);
            entry = created;
        }
        else {
            entry.listeners.push(l);
        }
        const current = entry;
        try {
            await current.subscribed;
        }
        catch (e) {
            if (this.topics.get(topic) === current)
                this.topics.delete(topic);
            throw e;
        }
        let removed = false;
        return async () => {
            if (removed)
                return;
            removed = true;
            const i = current.listeners.indexOf(l);
            if (i >= 0)
                current.listeners.splice(i, 1);
            if (current.listeners.length === 0 && this.topics.get(topic) === current) {
                this.topics.delete(topic);
                await this.queue(topic, () => this.link.unsubscribe(topic));
            }
        };
    }
    /** Delivers one event to the topic's listeners, in the order they were added. */
    deliver(topic, value, from) {
        const entry = this.topics.get(topic);
        if (entry === undefined)
            return;
        const meta = from === undefined ? { topic } : { topic, from };
        for (const listener of [...entry.listeners]) {
            try {
                listener(value, meta);
            }
            catch (e) {
                this.report(e);
            }
        }
    }
    /** Forgets every topic (the client closed). */
    clear() {
        this.topics.clear();
    }
}
