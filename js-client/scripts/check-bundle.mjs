// Fails when the committed runtime-wry/js/switchboard.iife.js differs from a fresh build
// (run after tsdown; CI runs `npm run check:bundle`).
import { existsSync, readFileSync } from "node:fs";

import { committed, expected } from "./bundle.mjs";

const fresh = expected();
if (!existsSync(committed)) {
  console.error(`missing ${committed}: run \`npm run build\` in js-client/ and commit it`);
  process.exit(1);
}
const current = readFileSync(committed, "utf8");
if (current !== fresh) {
  let at = 0;
  while (at < fresh.length && fresh[at] === current[at]) at++;
  console.error(
    `${committed} is stale: it differs from a fresh build at character ${at} ` +
      `(committed ${current.length} chars, fresh ${fresh.length}); run \`npm run build\` in js-client/ and commit it`,
  );
  process.exit(1);
}
console.log(`${committed} matches a fresh build (${Buffer.byteLength(fresh)} bytes)`);
