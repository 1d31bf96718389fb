import { fileURLToPath } from "node:url";

import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

// The golden vectors live in the protocol crate; both projects read the same files.
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

// Debian's Chromium, never a downloaded browser.
const chromium = playwright({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  },
});

export default defineConfig({
  server: { fs: { allow: [repoRoot] } },
  test: {
    // Property tests run thousands of cases: on a loaded 2-core CI machine the default
    // 5 s is too tight (seen: 6.2 s). A hang still fails, after 30 s.
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: "bench", environment: "node", include: ["bench/**/*.test.ts"], testTimeout: 300_000 },
      },
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.browser.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "chromium",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.node.test.ts"],
          testTimeout: 20_000,
          browser: {
            enabled: true,
            provider: chromium,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
