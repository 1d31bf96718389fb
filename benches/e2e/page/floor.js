// The floor adapter: the cheapest bare-wry equivalent of each workload, no Switchboard code.
// ping: window.ipc.postMessage answered by evaluate_script; adapter.reply.ping: WebKitGTK's
// script message handler with reply (the Promise of messageHandlers.floor.postMessage). bulk: fetch POST to a custom
// protocol that echoes the body. events: a held-open request answered with every queued event.
(() => {
  const pending = new Map();
  let next = 1;
  window.__floorReply = (id, value) => {
    const resolve = pending.get(id);
    pending.delete(id);
    if (resolve) resolve(value);
  };
  const call = (tag, rest) =>
    new Promise((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      window.ipc.postMessage(`${tag}${id}:${rest}`);
    });
  const EVENT_BYTES = 16;
  const adapter = {
    ping: (n) => call("p", n),
    async bulk(data) {
      const r = await fetch("floor://localhost/echo", { method: "POST", body: data });
      return new Uint8Array(await r.arrayBuffer());
    },
    events: (count, windows) => call("e", `${count}:${windows}`),
    listen() {
      const loop = async () => {
        for (;;) {
          const r = await fetch("floor://localhost/poll", { method: "POST" });
          const body = new Uint8Array(await r.arrayBuffer());
          for (let at = 0; at + EVENT_BYTES <= body.length; at += EVENT_BYTES) {
            if (body[at] === 1) window.ipc.postMessage("d");
          }
        }
      };
      loop();
    },
    ready: async () => window.ipc.postMessage("w"),
    reply: (() => {
      const h = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.floor;
      if (!h) return undefined;
      return {
        ping: (n) => h.postMessage("q" + n).then(Number),
        echoText: (text) => h.postMessage("e" + text),
        report: (result) => adapter.report(result),
      };
    })(),
    report: (result) => window.ipc.postMessage("R" + JSON.stringify(result)),
    finish: () => window.ipc.postMessage("F"),
  };
  addEventListener("DOMContentLoaded", () => window.__benchMain(adapter));
})();
