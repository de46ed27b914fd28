/** The outcome of checking one input field: the clean value, or one message for the user. */
export type FieldCheck<T> = { ok: true; value: T } | { ok: false; error: string };

export function valid<T>(value: T): FieldCheck<T> {
  return { ok: true, value };
}

export function invalid<T = never>(error: string): FieldCheck<T> {
  return { ok: false, error };
}
