/**
 * Passwords read from standard input rather than the command line, where every user of the
 * machine sees them (ps, /proc/PID/cmdline, shell history). Nothing read here is echoed or logged.
 */
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { resolveConnInfo, type ConnInfo } from '../config/conninfo.js';
import { PgferryError } from '../errors.js';
import type { PasswordSide, PasswordStdinFlags } from './flags.js';

/**
 * Reads one line per prompt from standard input through a single reader (two readers would lose
 * the lines the first one buffered). On a terminal each prompt goes to stderr and nothing typed is
 * echoed. Fewer lines come back when the input ends early.
 */
export async function readSecretLines(prompts: string[]): Promise<string[]> {
  const tty = Boolean(process.stdin.isTTY);
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  const rl = readline.createInterface({ input: process.stdin, output: tty ? muted : undefined, terminal: tty });
  const lines: string[] = [];
  await new Promise<void>((resolve) => {
    const next = () => {
      if (lines.length >= prompts.length) resolve();
      else if (tty) process.stderr.write(prompts[lines.length]);
    };
    rl.on('line', (line) => {
      if (lines.length >= prompts.length) return;
      lines.push(line);
      if (tty) process.stderr.write('\n');
      next();
    });
    // the terminal is raw while muted: Ctrl-C arrives here, and ends pgferry as it would elsewhere
    rl.once('SIGINT', () => {
      rl.close();
      process.kill(process.pid, 'SIGINT');
    });
    rl.once('close', () => resolve());
    next();
  });
  rl.close();
  return lines;
}

/**
 * The passwords the `--*-password-stdin` flags ask for: one line each, the source's first. An
 * empty or missing line is a usage error, so that a forgotten pipe does not go on without one.
 */
export async function passwordsFromStdin(o: PasswordStdinFlags, command: string): Promise<Partial<Record<PasswordSide, string>>> {
  const sides = (['source', 'target'] as const).filter((s) => (s === 'source' ? o.sourcePasswordStdin : o.targetPasswordStdin));
  if (!sides.length) return {};
  const lines = await readSecretLines(sides.map((s) => `${s} password: `));
  const out: Partial<Record<PasswordSide, string>> = {};
  for (const [i, side] of sides.entries()) {
    const nth = sides.length === 2 ? ` ${i + 1}` : '';
    const problem =
      lines[i] === undefined ? `standard input has no line${nth} for the ${side}'s password` : lines[i] === '' ? `the ${side}'s password on standard input (line${nth || ' 1'}) is empty` : '';
    if (problem)
      throw new PgferryError('PGFERRY_E_USAGE', `--${side}-password-stdin: ${problem}`, {
        fix: `give one line per --*-password-stdin flag, the source's first: printf '%s\\n' "$SOURCE_PW" "$TARGET_PW" | pgferry ${command} ...`,
      });
    out[side] = lines[i];
  }
  return out;
}

/**
 * Resolves the sides given, then reads the passwords the flags ask for (a bad URI fails before a
 * prompt); a password from stdin takes the place of one from the URI or PGPASSWORD.
 */
export async function connInfoWithStdin(
  given: Partial<Record<PasswordSide, string>>,
  o: PasswordStdinFlags,
  command: string,
): Promise<Partial<Record<PasswordSide, ConnInfo>>> {
  const out: Partial<Record<PasswordSide, ConnInfo>> = {};
  for (const side of ['source', 'target'] as const) {
    if (o[`${side}PasswordStdin`] && given[side] === undefined)
      throw new PgferryError('PGFERRY_E_USAGE', `--${side}-password-stdin needs --${side}`, { fix: `see pgferry ${command} --help` });
    if (given[side] !== undefined) out[side] = resolveConnInfo(given[side]);
  }
  const pw = await passwordsFromStdin(o, command);
  for (const side of ['source', 'target'] as const) if (pw[side] !== undefined) out[side] = { ...out[side]!, password: pw[side] };
  return out;
}
