import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// The server's sources: the console takes their types (`import type`, erased), never their code.
const serverSrc = path.resolve(import.meta.dirname, '../src') + path.sep;

/** Fails the build when a value import would bring server code (node, pg, the store) into the bundle. */
function typesOnlyFromServer(): Plugin {
  return {
    name: 'pgferry-types-only-from-server',
    enforce: 'pre',
    load(id) {
      if (id.startsWith(serverSrc)) throw new Error(`${path.relative(serverSrc, id)}: the console imports server modules as types only (import type)`);
      return null;
    },
  };
}

// The console is served by `pgferry serve` from console/dist; in development `vite` proxies /api.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [typesOnlyFromServer()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8432' } },
});
