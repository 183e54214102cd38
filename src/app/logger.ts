import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '../core/index.js';

/** The core Logger port over pino: JSON lines to stdout (CONVENTIONS §10). */
export function pinoLogger(level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info', destination?: NodeJS.WritableStream): Logger {
  const base = pino({ level, base: { svc: 'trunkline' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination({ sync: true }));
  return wrap(base);
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (fields, msg) => p.debug(fields, msg),
    info: (fields, msg) => p.info(fields, msg),
    warn: (fields, msg) => p.warn(fields, msg),
    error: (fields, msg) => p.error(fields, msg),
    child: (bindings) => wrap(p.child(bindings)),
  };
}
