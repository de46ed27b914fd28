import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeUserCommand, TransferClient } from '@aws-sdk/client-transfer';
import { AwsError } from '../../../src/domain/errors.js';
import { describeUser } from '../../../src/aws/transfer.js';

const transferMock = mockClient(TransferClient);
const transfer = new TransferClient({ region: 'eu-west-1' });
afterEach(() => transferMock.reset());

/**
 * What the SDK throws when a JSON-protocol answer is not JSON, as a TransferClient does against a
 * proxy's HTML page: JSON.parse's own SyntaxError, to which the deserializer middleware
 * (@smithy/core schemaDeserializationMiddleware) appends its hint and attaches the hidden
 * `$response` and `$metadata` (the retry middleware adds attempts).
 */
function nonJsonAnswer(status: number): SyntaxError {
  const html = `<html><head><title>${status}</title></head><body><center><h1>${status} Bad Gateway</h1></center></body></html>`;
  let err = new SyntaxError();
  try {
    JSON.parse(html);
  } catch (e) {
    err = e as SyntaxError;
  }
  err.message += '\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.';
  Object.defineProperty(err, '$response', { value: { statusCode: status, headers: { 'content-type': 'text/html' }, body: html }, enumerable: false });
  return Object.assign(err, { $metadata: { httpStatusCode: status, requestId: undefined, extendedRequestId: undefined, cfId: undefined, attempts: 3, totalRetryDelay: 180 } });
}

describe('an AWS answer that is not JSON', () => {
  it.each([
    [502, true],
    [503, true],
    [403, false],
  ])('when AWS answers HTTP %i with an HTML page, then the adapter throws a readable AwsError with that status, retryable %s', async (status, retryable) => {
    const sdkError = nonJsonAnswer(status);
    transferMock.on(DescribeUserCommand).rejects(sdkError);
    const err = await describeUser(transfer, 's-1', 'acme').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err).toMatchObject({
      service: 'transfer', operation: 'DescribeUser', code: 'UNREADABLE_ANSWER', httpStatus: status, retryable,
      message: `AWS answered HTTP ${status} with a non-JSON body`,
    });
    expect((err as AwsError).cause).toBe(sdkError);
  });
});
