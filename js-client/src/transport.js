/**
 * Transports: what moves encoded frames between a client and a host.
 *
 * A transport carries whole frames; it adds no framing of its own (PROTOCOL.md §7). `send`
 * may return the host's direct answer (the body of a bridge `POST`), and `onPush` delivers
 * what the host sends on its own (events, stream items, answers on a push path). Either may
 * carry a batch (a MessagePack array of `bin` frames); the client unpacks batches.
 *
 * @example
 * ```ts
 * import { connect, memoryTransport } from "@switchboard/client";
 * const transport = memoryTransport((frame, push) => myHost.handle(frame, push));
 * const client = await connect(transport);
 * ```
 * @module
 */
import { SwitchboardError } from "./errors.js";
/**
 * Receivers of pushed frames, delivering them in order on a microtask (never inside the
 * caller's stack), the way a real push path does.
 * @internal
 */
export class PushReceivers {
    receivers = new Set();
    /** How many receivers are registered. */
    get size() {
        return this.receivers.size;
    }
    /** Adds a receiver; returns its removal. */
    add(cb) {
        this.receivers.add(cb);
        return () => {
            this.receivers.delete(cb);
        };
    }
    /** Delivers `frame` to every receiver now. */
    deliver(frame) {
        for (const cb of [...this.receivers])
            cb(frame);
    }
    /** Removes every receiver. */
    clear() {
        this.receivers.clear();
    }
}
/**
 * A transport to a host living in the same JavaScript realm: for tests, and for running
 * a page's logic against a fake backend.
 *
 * @example
 * ```ts
 * const t = memoryTransport(() => null);
 * t.push(encodeFrame({ k: "event", topic: "tick", payload: encodePayload(1) }));
 * ```
 */
export function memoryTransport(host) {
    const receivers = new PushReceivers();
    const sent = [];
    let closed = false;
    // Pushes keep their order and arrive after the current task step, never re-entrantly.
    let chain = Promise.resolve();
    const push = (frame) => {
        if (closed)
            return;
        chain = chain.then(() => {
            if (!closed)
                receivers.deliver(frame);
        });
    };
    return {
        async send(frame) {
            if (closed)
                throw new SwitchboardError("window_closed", "the transport is closed");
            sent.push(frame);
            const answer = await host(frame, push);
            return answer ?? null;
        },
        onPush: (cb) => receivers.add(cb),
        push,
        close() {
            closed = true;
            receivers.clear();
        },
        get sent() {
            return sent;
        },
        get closed() {
            return closed;
        },
        get receivers() {
            return receivers.size;
        },
    };
}
