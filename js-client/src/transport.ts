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

/** Moves encoded frames to a host and back. */
export interface Transport {
  /** Sends one encoded frame; resolves to the host's direct answer, or `null` when none is due. */
  send(frame: Uint8Array): Promise<Uint8Array | null>;
  /** Registers a receiver of frames (or batches) the host pushes; returns its removal. */
  onPush(cb: (frame: Uint8Array) => void): () => void;
  /** Stops the transport: no more sends, no more pushes. */
  close(): void;
}

/**
 * A host on the other end of a {@link memoryTransport}: gets each frame the client sends
 * and a `push` function; returns the direct answer (or `null`), possibly asynchronously.
 */
export type MemoryHost = (
  frame: Uint8Array,
  push: (frame: Uint8Array) => void,
) => Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;

/** A {@link Transport} to an in-memory host, with what a test needs to look inside. */
export interface MemoryTransport extends Transport {
  /** Pushes a frame (or batch) to the client, as the host would. */
  push(frame: Uint8Array): void;
  /** Every frame the client sent, in order. */
  readonly sent: readonly Uint8Array[];
  /** Whether {@link Transport.close} was called. */
  readonly closed: boolean;
  /** How many push receivers are registered (a leak check for tests). */
  readonly receivers: number;
}

/**
 * Receivers of pushed frames, delivering them in order on a microtask (never inside the
 * caller's stack), the way a real push path does.
 * @internal
 */
export class PushReceivers {
  private readonly receivers = new Set<(frame: Uint8Array) => void>();

  /** How many receivers are registered. */
  get size(): number {
    return this.receivers.size;
  }

  /** Adds a receiver; returns its removal. */
  add(cb: (frame: Uint8Array) => void): () => void {
    this.receivers.add(cb);
    return () => {
      this.receivers.delete(cb);
    };
  }

  /** Delivers `frame` to every receiver now. */
  deliver(frame: Uint8Array): void {
    for (const cb of [...this.receivers]) cb(frame);
  }

  /** Removes every receiver. */
  clear(): void {
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
export function memoryTransport(host: MemoryHost): MemoryTransport {
  const receivers = new PushReceivers();
  const sent: Uint8Array[] = [];
  let closed = false;
  // Pushes keep their order and arrive after the current task step, never re-entrantly.
  let chain = Promise.resolve();
  const push = (frame: Uint8Array): void => {
    if (closed) return;
    chain = chain.then(() => {
      if (!closed) receivers.deliver(frame);
    });
  };
  return {
    async send(frame: Uint8Array): Promise<Uint8Array | null> {
      if (closed) throw new SwitchboardError("window_closed", "the transport is closed");
      sent.push(frame);
      const answer = await host(frame, push);
      return answer ?? null;
    },
    onPush: (cb) => receivers.add(cb),
    push,
    close(): void {
      closed = true;
      receivers.clear();
    },
    get sent(): readonly Uint8Array[] {
      return sent;
    },
    get closed(): boolean {
      return closed;
    },
    get receivers(): number {
      return receivers.size;
    },
  };
}
