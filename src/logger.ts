/**
 * The injected logger. Library code logs through it (never the console); the CLI decides where
 * lines go. Secrets are redacted here, once, rather than by each caller.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogContext {
  phase?: string;
  unit?: string;
  [key: string]: unknown;
}

export interface Logger {
  log(level: LogLevel, message: string, context?: LogContext): void;
  child(context: LogContext): Logger;
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)[^@/\s]*@/gi, '$1***@'], // URI user:password@
  [/(\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)/gi, '$1***'], // key=value password
  [/("password"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"***"'], // JSON "password": "..."
  [/(\bpassword\s+)'(?:[^']|'')*'/gi, "$1'***'"], // OPTIONS (password '...') of user mappings
];

/** Replaces every password we can recognise in a string with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Masks every string literal of a statement that carries secrets (a user mapping's options). */
export function maskSecrets(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "'***'");
}

/** A logger that writes nothing (library default). */
export const silentLogger: Logger = {
  log() {},
  child() {
    return silentLogger;
  },
};

/** A logger that hands redacted records to a sink, with inherited context. */
export function createLogger(
  sink: (rec: { level: LogLevel; message: string; context: LogContext }) => void,
  minLevel: LogLevel = 'info',
  base: LogContext = {},
): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return {
    log(level, message, context) {
      if (order.indexOf(level) < order.indexOf(minLevel)) return;
      sink({ level, message: redact(message), context: { ...base, ...context } });
    },
    child(context) {
      return createLogger(sink, minLevel, { ...base, ...context });
    },
  };
}
