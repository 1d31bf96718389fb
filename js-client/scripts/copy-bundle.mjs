// Copies the fresh IIFE build to runtime-wry/js/switchboard.iife.js (committed).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

import { committed, expected } from "./bundle.mjs";

const text = expected();
mkdirSync(dirname(committed), { recursive: true });
writeFileSync(committed, text);
console.log(`wrote ${committed} (${Buffer.byteLength(text)} bytes)`);
