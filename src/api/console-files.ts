/**
 * The console's static files: index.html at `/` and the built assets under `/assets/NAME`. Names
 * are matched against the files Vite built (a flat folder), never joined into a path from the
 * request, so no spelling of a URL reads anything else. The console routes with the URL
 * fragment (#/tasks/ID), so no other path needs index.html.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

/** Registers `/` and `/assets/:file` (public routes) serving `dir`, the built console. */
export function registerConsoleFiles(app: FastifyInstance, dir: string | undefined): void {
  const notBuilt = (reply: FastifyReply) => reply.code(404).type('text/plain; charset=utf-8').send('the console is not built: npm run build:console');
  const index = dir ? path.join(dir, 'index.html') : undefined;
  const assetsDir = dir ? path.join(dir, 'assets') : undefined;

  app.get('/', { config: { access: 'public' } }, async (_req, reply) => {
    if (!index || !fs.existsSync(index)) return notBuilt(reply);
    return reply.type(CONTENT_TYPES['.html']).header('cache-control', 'no-store').send(fs.readFileSync(index));
  });

  app.get('/assets/:file', { config: { access: 'public' } }, async (req, reply) => {
    const name = (req.params as { file: string }).file;
    // the built names only: letters, digits, dash, underscore and one extension
    const built = assetsDir && /^[\w-]+(\.[\w-]+)*\.[a-z0-9]+$/i.test(name) && fs.existsSync(assetsDir) ? fs.readdirSync(assetsDir) : [];
    if (!built.includes(name)) return reply.code(404).type('text/plain; charset=utf-8').send('no such file');
    return reply
      .type(CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=3600')
      .send(fs.readFileSync(path.join(assetsDir!, name)));
  });
}
