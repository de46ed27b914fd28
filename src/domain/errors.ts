/** Errors carry a code, a cause, and whether retrying can help. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** The input is wrong; nothing was changed. Shown to the user as is. */
export class ValidationError extends AppError {
  constructor(message: string, readonly field?: string) {
    super('VALIDATION', message, false);
    this.name = 'ValidationError';
  }
}

/** The actor may not do this; nothing was changed. Shown to the user as is. */
export class RefusedError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, false);
    this.name = 'RefusedError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
