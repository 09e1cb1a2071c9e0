import { svelte } from '@sveltejs/vite-plugin-svelte';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The admin UI builds into dist/admin-ui, which adapters/admin serves on the admin port.
// `vite admin-ui` serves it for development, passing /api to a server on ADMIN_URL.
const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: path.resolve(here, '..', 'dist', 'admin-ui'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      '/api': { target: process.env.ADMIN_URL ?? 'http://127.0.0.1:1220', ws: true, changeOrigin: false },
    },
  },
});
