/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Preact's JSX through Vite's own transformer: no Babel, no framework plugin to keep in step.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    // The gateway's CSP is `default-src 'self'` (deploy/local/nginx): everything is a file, nothing inline.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  // `npm run dev` / `npm run preview` talk to the test stack's gateway for /api, with the
  // gateway's own CSP so that a page that would break behind nginx breaks here too.
  server: {
    proxy: { "/api": "http://127.0.0.1:18080" },
  },
  preview: {
    host: "127.0.0.1",
    port: 4173,
    strictPort: true,
    proxy: { "/api": "http://127.0.0.1:18080" },
    headers: { "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'" },
  },
  test: {
    environment: "happy-dom",
    environmentOptions: { happyDOM: { url: "http://127.0.0.1/" } },
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
