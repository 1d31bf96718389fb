// The Switchboard adapter: every workload goes through window.switchboard (the injected
// @switchboard/client bundle), the bridge, the bus and a #[switchboard::command].
(() => {
  const sb = window.switchboard;
  const adapter = {
    ping: (n) => sb.invoke("cmd:ping", { n }),
    echoStruct: (items) => sb.invoke("cmd:echo_struct", { items }),
    codecRoundTrip: (items) => sb.decodePayload(sb.encodePayload({ items })),
    // the two halves of codecRoundTrip, timed apart for echo_struct's breakdown
    encodeOnly: (items) => sb.encodePayload({ items }),
    decodeOnly: (bytes) => sb.decodePayload(bytes),
    bulk: (data) => sb.invoke("cmd:bulk", { data }),
    events: (count, windows) => sb.invoke("cmd:events", { count, windows }),
    async listen() {
      await sb.listen("bench/tick", (tick) => {
        if (tick.last) sb.invoke("cmd:events_done", {});
      });
    },
    ready: () => sb.invoke("cmd:listener_ready", {}),
    report: (result) => sb.invoke("cmd:report", { result }),
    finish: () => sb.invoke("cmd:finish", {}),
  };
  addEventListener("DOMContentLoaded", () => window.__benchMain(adapter));
})();
