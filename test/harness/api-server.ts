/**
 * The HTTP API on a free loopback port for tests, with its own store and key file in a temporary
 * folder, a known token, and a `call` helper; `raw` sends a request exactly as written (request
 * target, headers) over a plain socket, for the tests that try spellings fetch() would normalise.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiOptions } from '../../src/api/app.js';
import { hashToken } from '../../src/api/api-token.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { openStore } from '../../src/task/open-store.js';

export const API_TOKEN = 'test-token-for-the-api-0123456789';

export interface ApiCall {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestApi {
  app: FastifyInstance;
  store: TaskStore;
  dir: string;
  port: number;
  base: string;
  call(method: string, url: string, body?: unknown, token?: string | null): Promise<ApiCall>;
  raw(requestLine: string, headers?: Record<string, string>, body?: string): Promise<ApiCall>;
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Starts the API; `opts` override the defaults (store, token hash, key file are the test's own). */
export async function startApi(opts: Partial<ApiOptions> = {}): Promise<TestApi> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-api-'));
  const store = opts.store ?? (await openStore(path.join(dir, 'tasks.db')));
  const app = await buildApi({ store, tokenHash: hashToken(API_TOKEN), keyFile: path.join(dir, 'secret.key'), ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as net.AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const call: TestApi['call'] = async (method, url, body, token = API_TOKEN) => {
    const res = await fetch(base + url, {
      method,
      headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), text, json: parseJson(text) };
  };
  const raw: TestApi['raw'] = (requestLine, headers = {}, body) =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const hs = { host: `127.0.0.1:${port}`, connection: 'close', ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
      let data = '';
      socket.on('data', (d) => (data += d.toString('utf8')));
      socket.on('error', reject);
      socket.on('end', () => {
        const [head, ...rest] = data.split('\r\n\r\n');
        const lines = head.split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const headerMap = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        let text = rest.join('\r\n\r\n');
        // chunked bodies: join the chunks
        if (headerMap['transfer-encoding'] === 'chunked') {
          let out = '';
          for (let t = text; t.length; ) {
            const nl = t.indexOf('\r\n');
            const size = parseInt(t.slice(0, nl), 16);
            if (!size) break;
            out += t.slice(nl + 2, nl + 2 + size);
            t = t.slice(nl + 2 + size + 2);
          }
          text = out;
        }
        resolve({ status, headers: headerMap, text, json: parseJson(text) });
      });
      const head = Object.entries(hs).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`).join('\r\n');
      socket.end(`${requestLine} HTTP/1.1\r\n${head}\r\n\r\n${body ?? ''}`);
    });
  return {
    app, store, dir, port, base, call, raw,
    async close() {
      await app.close();
      if (!opts.store) await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
