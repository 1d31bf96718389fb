// Test hosts built on memoryTransport: a scripted host that records every frame the
// client sends and lets a test answer by hand.
import {
  type Frame,
  type MemoryTransport,
  type OutgoingFrame,
  decodeFrame,
  encodeFrame,
  memoryTransport,
} from "../src/index.js";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
