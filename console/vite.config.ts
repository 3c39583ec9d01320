import { defineConfig } from 'vite';

// The console is served by `pgferry serve` from console/dist; in development `vite` proxies /api.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8432' } },
});
