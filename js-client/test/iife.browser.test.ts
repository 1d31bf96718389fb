import { expect, test } from "vitest";

// The committed init script itself (what runtime-wry injects), run in a real Chromium page.
import bundle from "../../runtime-wry/js/switchboard.iife.js?raw";
import { decodeFrame, decodePayload, encodeFrame, encodePayload, fromBase64, toBase64 } from "../src/index.js";
import { WELCOME } from "./helpers.js";

interface Page {
  switchboard?: {
    invoke(target: string, args?: Record<string, unknown>): Promise<unknown>;
    listen(topic: string, cb: (v: unknown) => void): Promise<() => Promise<void>>;
    encodePayload(v: unknown): Uint8Array;
  };
  ipc?: { postMessage(m: string): void };
  __SWITCHBOARD_RECEIVE__?: (b64: string) => void;
}

test("the_injected_bundle_defines_window_switchboard_and_falls_back_to_post_message", async () => {
  const page = window as unknown as Page;
  const posted: string[] = [];
  // A fake host on wry's string channel; fetch to switchboard:// really fails in Chromium.
  page.ipc = {
    postMessage(message: string) {
      const frame = decodeFrame(fromBase64(message));
      posted.push(frame.k);
      setTimeout(() => {
        if (frame.k === "hello") page.__SWITCHBOARD_RECEIVE__?.(toBase64(encodeFrame(WELCOME)));
        if (frame.k === "request") {
          const args = decodePayload<{ name: string }>(frame.payload);
          const ok = encodePayload(`Hello, ${args.name}!`);
          page.__SWITCHBOARD_RECEIVE__?.(toBase64(encodeFrame({ k: "response", id: frame.id, ok })));
        }
      }, 0);
    },
  };
  const script = document.createElement("script");
  script.textContent = bundle;
  document.head.appendChild(script);

  const sb = page.switchboard;
  expect(sb).toBeDefined();
  expect(Object.isFrozen(sb)).toBe(true);
  for (const name of ["invoke", "listen", "once", "emit", "stream", "connect", "SwitchboardError", "encodePayload"]) {
    expect(typeof (sb as unknown as Record<string, unknown>)[name]).toBe("function");
  }
  expect(await sb?.invoke("cmd:greet", { name: "Ada" })).toBe("Hello, Ada!");
  expect(posted).toEqual(["hello", "request"]);
  expect([...(sb?.encodePayload({ a: 1 }) ?? [])]).toEqual([0x81, 0xa1, 0x61, 0x01]);
});
