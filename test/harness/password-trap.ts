/**
 * A hostile "database server" for credential tests: it speaks just enough of the PostgreSQL
 * protocol to ask every client for a cleartext password, records what arrives, and refuses the
 * login. It answers a TLS or GSS request with "no", so clients fall back to plain TCP. Listens on
 * 127.0.0.1, or on a unix socket `<dir>/.s.PGSQL.<port>` like a real server.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface PasswordTrap {
  port: number;
  /** Connections that reached the startup message. */
  logins: { user: string; database: string }[];
  /** Passwords clients sent. */
  passwords: string[];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

function errorResponse(code: string, message: string): Buffer {
  const body = Buffer.concat([Buffer.from(`SFATAL\0C${code}\0M${message}\0`), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function serve(socket: net.Socket, trap: PasswordTrap): void {
  let buf = Buffer.alloc(0);
  let started = false;
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (!started) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        const body = buf.subarray(8, len);
        buf = buf.subarray(len);
        if (code === SSL_REQUEST || code === GSS_REQUEST) {
          socket.write('N');
          continue;
        }
        const parts = body.toString('utf8').split('\0');
        const params: Record<string, string> = {};
        for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) params[parts[i]] = parts[i + 1];
        trap.logins.push({ user: params.user ?? '', database: params.database ?? '' });
        started = true;
        // AuthenticationCleartextPassword
        const ask = Buffer.alloc(9);
        ask.write('R', 0);
        ask.writeInt32BE(8, 1);
        ask.writeInt32BE(3, 5);
        socket.write(ask);
        continue;
      }
      if (buf.length < 5) return;
      const len = buf.readInt32BE(1);
      if (buf.length < len + 1) return;
      const type = String.fromCharCode(buf[0]);
      const body = buf.subarray(5, len + 1);
      buf = buf.subarray(len + 1);
      if (type === 'p') {
        trap.passwords.push(body.toString('utf8').replace(/\0$/, ''));
        socket.end(errorResponse('28P01', 'password authentication failed (password trap)'));
        return;
      }
    }
  });
}

/** Starts a trap on a free TCP port of 127.0.0.1, or on a unix socket in `socketDir`. */
export async function startPasswordTrap(opts: { socketDir?: string; port?: number } = {}): Promise<PasswordTrap> {
  const trap: PasswordTrap = { port: 0, logins: [], passwords: [], close: async () => {} };
  const server = net.createServer((s) => serve(s, trap));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (opts.socketDir) {
      trap.port = opts.port ?? 5432;
      server.listen(path.join(opts.socketDir, `.s.PGSQL.${trap.port}`), resolve);
    } else {
      server.listen(0, '127.0.0.1', () => {
        trap.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    }
  });
  trap.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      if (opts.socketDir) fs.rmSync(path.join(opts.socketDir, `.s.PGSQL.${trap.port}`), { force: true });
    });
  return trap;
}
