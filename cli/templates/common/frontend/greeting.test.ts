// The frontend without a window: the JS mocks play the Rust side.
import { SwitchboardError } from "@switchboard/client";
import { mockDefaultClient } from "@switchboard/client/mocks";
import { describe, expect, it } from "vitest";
import { count, greeting } from "./greeting";

describe("greeting", () => {
  it("shows what Rust answers", async () => {
    const host = mockDefaultClient(({ target, args }) => (target === "cmd:greet" ? `Hi, ${String(args["name"])}!` : null));
    expect(await greeting("Ada")).toBe("Hi, Ada!");
    expect(host.calls.map((c) => c.target)).toEqual(["cmd:greet"]);
  });

  it("shows Rust's typed refusal", async () => {
    mockDefaultClient(() => {
      throw new SwitchboardError("app", "tell me your name first", { data: { kind: "EmptyName" } });
    });
    expect(await greeting("")).toBe("tell me your name first");
  });
});

describe("count", () => {
  it("adds one on the counter actor", async () => {
    let value = 0;
    const host = mockDefaultClient(({ target, args }) => (target === "counter.add" ? (value += Number(args["by"])) : null));
    expect(await count()).toBe(1);
    expect(await count()).toBe(2);
    expect(host.calls.every((c) => c.to === "counter" && c.method === "add")).toBe(true);
  });
});
