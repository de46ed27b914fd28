/**
 * What tests do to an S3Client on its way to the local S3 (tools/local/s3.ts) or to a mock: record
 * the requests it sends, fail its nth call of a command, make errors shaped like the SDK's, and
 * read the AppError a call rejects with.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../src/domain/errors.js';

/** The fields of the SDK's HttpRequest this file reads. */
interface WireRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
}

/** A request as it went on the wire (header names lower-cased), with the SDK command name, e.g. 'CopyObjectCommand'. */
export interface RecordedRequest extends WireRequest {
  command: string;
}

/**
 * Records every HTTP request the client sends, as serialized by the SDK (after the build step, so
 * the headers are exactly what goes on the wire apart from the signature). Returns the live list.
 */
export function recordRequests(client: S3Client): RecordedRequest[] {
  const seen: RecordedRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as WireRequest;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      seen.push({
        command: String(context.commandName),
        method: request.method,
        path: request.path,
        query: { ...request.query },
        headers,
      });
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testRecordRequests' },
  );
  return seen;
}

/** An error shaped like the SDK's service exceptions (name, $fault, $metadata.httpStatusCode). */
export function s3Error(name: string, httpStatusCode: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/**
 * Makes the `nth` call (1-based) of `command` fail with `error` before it is sent (at the
 * initialize step, so the SDK does not retry it). Other calls go through.
 */
export function failNthCall(client: S3Client, command: string, nth: number, error: Error): void {
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && ++calls === nth) throw error;
      return next(args);
    },
    { step: 'initialize', name: `testFail${command}${nth}` },
  );
}

/** The AppError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw new Error(`expected an AppError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection, but the promise resolved');
}
