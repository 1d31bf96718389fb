// Test hosts built on memoryTransport: a scripted host that records every frame the
// client sends and lets a test answer by hand.
import {
  type Frame,
  type MemoryTransport,
  type OutgoingFrame,
  decodeFrame,
  encodeFrame,
  encodePayload,
  memoryTransport,
} from "../src/index.js";

/**
 * For a test's scenario only (a slow consumer, a backoff window, a host that answers
 * late): never to wait for something to happen. Wait on a signal for that (`collector`,
 * `delivered`, a host's `next`, a `deferred`).
 */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and its resolve, to signal "it happened" from a callback. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A listener that records what it hears; `until(n)` resolves once it heard `n` values. */
export function collector<T>(): { seen: T[]; listener: (value: T) => void; until(n: number): Promise<void> } {
  const seen: T[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    seen,
    listener(value: T) {
      seen.push(value);
      for (const w of [...waiters]) {
        if (seen.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    until(n: number) {
      if (seen.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

/**
 * Resolves once every frame pushed to the client through `transport` so far has been
 * delivered: pushes a frame nobody listens to and waits for its turn. Pushes keep their
 * order, and the client's receiver (added at `connect`) has each frame before this one.
 */
export function delivered(transport: MemoryTransport): Promise<void> {
  const marker = encodeFrame({ k: "event", topic: "test/delivered", payload: encodePayload(null) });
  return new Promise((resolve) => {
    const stop = transport.onPush((bytes) => {
      if (bytes === marker) {
        stop();
        resolve();
      }
    });
    transport.push(marker);
  });
}

export const WELCOME: OutgoingFrame = {
  k: "welcome",
  version: 1,
  session: "s-1",
  window: "main",
  grants: ["*"],
  limits: { max_frame: 1 << 20, max_depth: 64, max_pending: 1024 },
};

/** A host that answers `hello` with `welcome` and hands every other frame to `onFrame`. */
export interface ScriptedHost {
  transport: MemoryTransport;
  received: Frame[];
  push(frame: OutgoingFrame): void;
  /** Resolves with the first received frame matching `pred` (waiting for it if needed). */
  next(pred: (f: Frame) => boolean): Promise<Frame>;
}

export function scriptedHost(
  onFrame: (frame: Frame, host: ScriptedHost) => OutgoingFrame | null | Promise<OutgoingFrame | null> = () => null,
): ScriptedHost {
  const received: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  const host: ScriptedHost = {
    transport: memoryTransport(async (bytes) => {
      const frame = decodeFrame(bytes);
      received.push(frame);
      for (const w of [...waiters]) {
        if (w.pred(frame)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
      if (frame.k === "hello") return encodeFrame(WELCOME);
      const answer = await onFrame(frame, host);
      return answer === null ? null : encodeFrame(answer);
    }),
    received,
    push(frame) {
      host.transport.push(encodeFrame(frame));
    },
    next(pred) {
      const found = received.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
  return host;
}
