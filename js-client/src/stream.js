/**
 * Streamed replies: an async iterator over a request's `stream_item`s with credit-based flow
 * control (PROTOCOL.md §2, `credit`).
 *
 * The request grants the producer `credit` items; as the consumer pulls items, the stream
 * gives credit back in batches of half the window, so the producer never has more than
 * `credit` items in flight and a slow consumer slows it down. Leaving a `for await` early
 * (`break`, `return`, a throw) cancels the request.
 *
 * @example
 * ```ts
 * for await (const line of client.stream<string>("plugin:fs.read_lines", { path }, { credit: 32 })) {
 *   if (line === "") break; // sends `cancel`
 * }
 * ```
 * @module
 */
import { SwitchboardError } from "./errors.js";
/**
 * The items of a streamed reply, in order. Iterate it once with `for await`; `cancel()`
 * stops it from outside the loop.
 */
export class Stream {
    decode;
    buffer = [];
    waiters = [];
    received = 0;
    /** Items handed to the consumer. */
    handed = 0;
    /** Items the consumer is done with: it asked for the next one after them. */
    completed = 0;
    granted;
    toGrant = 0;
    endSeq = null;
    failure = null;
    finished = false;
    link = null;
    batch;
    /** A stream with an initial credit window of `credit` items. @internal */
    constructor(credit, decode) {
        this.decode = decode;
        this.granted = credit;
        this.batch = Math.max(1, Math.floor(credit / 2));
    }
    /** Connects the stream to its request. @internal */
    attach(link) {
        this.link = link;
    }
    /** Items received and not yet pulled by the consumer. */
    get buffered() {
        return this.buffer.length;
    }
    /** Whether the stream is over (ended, failed or cancelled). */
    get done() {
        return this.finished;
    }
    /** An item arrived. @internal */
    item(seq, payload) {
        if (this.finished || this.failure !== null)
            return;
        if (seq !== this.received) {
            this.abort(new SwitchboardError("protocol_violation", `stream item ${seq} arrived, expected ${this.received}`));
            return;
        }
        if (this.received >= this.granted) {
            this.abort(new SwitchboardError("protocol_violation", `stream producer sent item ${seq} past its credit of ${this.granted}`));
            return;
        }
        this.received += 1;
        let value;
        try {
            value = this.decode(payload);
        }
        catch (e) {
            this.abort(e instanceof SwitchboardError ? e : new SwitchboardError("malformed", String(e)));
            return;
        }
        const waiter = this.waiters.shift();
        if (waiter !== undefined) {
            this.handed += 1;
            waiter.resolve({ value, done: false });
        }
        else {
            this.buffer.push(value);
        }
        this.settleEnd();
    }
    /** The stream ended after `seq` items, possibly with an error. @internal */
    end(seq, error) {
        if (this.finished)
            return;
        this.endSeq = seq;
        if (error !== undefined && this.failure === null)
            this.failure = error;
        this.settleEnd();
    }
    /** The stream failed before or instead of ending (an error reply). @internal */
    fail(error) {
        if (this.finished)
            return;
        this.failure = error;
        this.endSeq = this.received;
        this.settleEnd();
    }
    /** Ends the stream locally with `error`, cancelling the request. */
    abort(error) {
        if (this.endSeq === null)
            this.link?.cancel();
        this.failure = error;
        this.buffer.length = 0;
        this.endSeq = this.received;
        this.settleEnd();
    }
    consumed() {
        this.toGrant += 1;
        if (this.toGrant >= this.batch && this.endSeq === null) {
            const n = this.toGrant;
            this.toGrant = 0;
            this.granted += n;
            this.link?.credit(n);
        }
    }
    // Once every item up to `stream_end.seq` has arrived (a direct answer may overtake pushed
    // items), waiters past the buffer learn the end.
    settleEnd() {
        if (this.endSeq === null || this.received < this.endSeq)
            return;
        if (this.buffer.length > 0)
            return;
        this.finish();
    }
    finish() {
        if (this.finished)
            return;
        this.finished = true;
        this.link?.done();
        this.link = null;
        for (const waiter of this.waiters.splice(0)) {
            if (this.failure !== null)
                waiter.reject(this.failure);
            else
                waiter.resolve({ value: undefined, done: true });
        }
    }
    /**
     * The next item, or `done` at the end; rejects with the stream's error. Asking for the next
     * item is what tells the producer the previous one is processed: credit is given back
     * then, so a consumer's processing time slows the producer too.
     */
    next() {
        if (this.completed < this.handed) {
            this.completed += 1;
            this.consumed();
        }
        if (this.buffer.length > 0) {
            const value = this.buffer.shift();
            this.handed += 1;
            this.settleEnd();
            return Promise.resolve({ value, done: false });
        }
        if (this.finished) {
            const failure = this.failure;
            this.failure = null; // reported once
            return failure !== null ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    /** Stops the stream (sends `cancel` unless it already ended). Called by `break`. */
    return() {
        this.cancel();
        return Promise.resolve({ value: undefined, done: true });
    }
    /**
     * Cancels the stream: a `cancel` frame is sent unless the stream already ended, buffered
     * items are dropped, and pending `next()` calls resolve `done` (or reject with `reason`).
     */
    cancel(reason) {
        if (this.finished)
            return;
        if (this.endSeq === null)
            this.link?.cancel();
        this.buffer.length = 0;
        this.failure = reason ?? null;
        this.endSeq = this.received;
        this.finish();
        if (reason === undefined)
            this.failure = null;
    }
    /** The stream itself: it is iterated once. */
    [Symbol.asyncIterator]() {
        return this;
    }
}
