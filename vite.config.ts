import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The SPA lives in client/; `vite build` writes dist/client, which the server serves.
// In development Vite proxies /api to the API server so cookies stay same-origin.
const apiPort = process.env.PORT ?? "3000";
const devServerPort = Number(process.env.DEV_SERVER_PORT ?? 5173);

export default defineConfig({
  root: "client",
  plugins: [react()],
  // The manifest tells scripts/check-bundle-size.mjs which chunks the first page loads.
  build: { outDir: "../dist/client", emptyOutDir: true, manifest: true },
  server: {
    port: devServerPort,
    strictPort: true,
    proxy: { "/api": { target: `http://127.0.0.1:${apiPort}`, changeOrigin: false } },
  },
});
