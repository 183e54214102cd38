/**
 * The one error class of the project. Every layer declares its codes in its own
 * `errors.ts` table; callers branch on `err.code`, never on the message.
 */
export class TrunklineError<Code extends string = string> extends Error {
  readonly code: Code;
  /** Facts a caller or a log line needs (a byte offset, a header name, a limit). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: Code, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrunklineError';
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

export function isTrunklineError(value: unknown, code?: string): value is TrunklineError {
  return value instanceof TrunklineError && (code === undefined || value.code === code);
}
