// The frontend lives in frontend/; `npm run build` writes dist/, which `switchboard build`
// embeds in the binary. `switchboard dev` starts `npm run dev` and opens the app on
// http://localhost:5173 (switchboard.toml's dev_url).
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: "frontend",
  clearScreen: false,
  build: { outDir: "../dist", emptyOutDir: true },
  server: { port: 5173, strictPort: true },
  test: { environment: "node" },
});
