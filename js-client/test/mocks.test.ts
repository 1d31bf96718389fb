import { describe, expect, test } from "vitest";

import { SwitchboardError, emit, invoke, listen, resetDefaultClient, stream } from "../src/index.js";
import { mockDefaultClient } from "../src/mocks.js";
import { collector } from "./helpers.js";

describe("mocks for frontend unit tests", () => {
  test("the_default_functions_talk_to_a_mocked_host", async () => {
    const host = mockDefaultClient(({ target, args }) => {
      if (target === "cmd:greet") return `Hello, ${String(args.name)}!`;
      if (target === "counter.get") return 41;
      if (target === "rows.all") return [1, 2, 3].values();
      throw new SwitchboardError("unknown_target", `no ${target}`);
    });
    expect(await invoke("cmd:greet", { name: "Ada" })).toBe("Hello, Ada!");
    expect(await invoke("counter.get")).toBe(41);
    await expect(invoke("nope.x")).rejects.toMatchObject({ code: "unknown_target" });

    const news = collector<unknown>();
    const unlisten = await listen("news", news.listener);
    host.emit("news", { title: "hi" });
    await emit("news", { title: "mine" });
    await news.until(2);
    expect(news.seen).toEqual([{ title: "hi" }, { title: "mine" }]);
    await unlisten();

    const rows: number[] = [];
    for await (const r of stream<number>("rows.all")) rows.push(r);
    expect(rows).toEqual([1, 2, 3]);

    expect(host.calls.map((c) => c.target)).toEqual(["cmd:greet", "counter.get", "nope.x", "rows.all"]);
    resetDefaultClient();
  });
});
