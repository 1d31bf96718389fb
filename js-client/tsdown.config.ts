import { defineConfig } from "tsdown";

export default defineConfig([
  {
    // The npm package: ESM + .d.ts for bundlers; @msgpack/msgpack stays a dependency.
    entry: { index: "src/index.ts", mocks: "src/mocks.ts" },
    format: "esm",
    platform: "neutral",
    target: "es2022",
    dts: true,
    sourcemap: true,
    clean: true,
    outDir: "dist",
  },
  {
    // The init script runtime-wry injects: one self-contained, minified IIFE.
    entry: { switchboard: "src/iife.ts" },
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    dts: false,
    sourcemap: false,
    clean: false,
    outDir: "dist",
    noExternal: [/.*/],
  },
]);
