import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsSource, decodeEventKey, parseS3Event } from '../../../../src/jobs/delivery/sqs-source.js';
import type { DispatchPayload } from '../../../../src/actions/delivery/contract.js';
import { createLogger } from '../../../../src/logger.js';
import { createMetrics } from '../../../../src/metrics.js';

const BUCKET = 'dist-bucket';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/111122223333/deliveries';
const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const record = (key: string, o: Record<string, unknown> = {}) => ({
  eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2024-06-01T10:00:00.000Z',
  s3: { bucket: { name: BUCKET }, object: { key, size: 12, eTag: 'abc123', versionId: 'ver1' } }, ...o,
});
const message = (id: string, body: unknown) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: typeof body === 'string' ? body : JSON.stringify(body) });

function source(enqueue: (p: DispatchPayload) => Promise<void>) {
  return createSqsSource({ sqs: new SQSClient({ region: 'eu-west-1' }), queueUrl: QUEUE, bucket: BUCKET, enqueueDispatch: enqueue, logger: createLogger('silent'), metrics: createMetrics() });
}
const deletedHandles = () => sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));

describe('S3 event parsing', () => {
  it('when keys are URL-encoded, then + is a space and %2B is a plus', () => {
    expect(decodeEventKey('outbound/acme/price+list%2B2024%C3%A9.csv')).toBe('outbound/acme/price list+2024é.csv');
  });

  it('when a record is not ObjectCreated in our bucket, then it is skipped; the others become dispatches with version and ETag', () => {
    const parsed = parseS3Event(JSON.stringify({ Records: [
      record('outbound/acme/a.csv'),
      record('outbound/acme/b.csv', { eventName: 'ObjectRemoved:Delete' }),
      { ...record('outbound/acme/c.csv'), s3: { bucket: { name: 'other' }, object: { key: 'outbound/acme/c.csv' } } },
      record('outbound/acme/%ZZ.csv'),
    ] }), BUCKET);
    expect(parsed).toEqual({
      kind: 'objects', skipped: 3,
      objects: [{ key: 'outbound/acme/a.csv', versionId: 'ver1', etag: 'abc123', size: 12, lastModified: '2024-06-01T10:00:00.000Z', source: 'sqs' }],
    });
  });

  it('when the event is a test event, wrapped in SNS, or unreadable, then it says so', () => {
    expect(parseS3Event(JSON.stringify({ Event: 's3:TestEvent', Bucket: BUCKET }), BUCKET)).toEqual({ kind: 'test' });
    const sns = { Type: 'Notification', Message: JSON.stringify({ Records: [record('outbound/acme/x.csv')] }) };
    expect(parseS3Event(JSON.stringify(sns), BUCKET)).toMatchObject({ kind: 'objects', objects: [{ key: 'outbound/acme/x.csv' }] });
    expect(parseS3Event('{not json', BUCKET)).toMatchObject({ kind: 'invalid' });
    expect(parseS3Event('{"hello":1}', BUCKET)).toMatchObject({ kind: 'invalid' });
  });
});

describe('SQS source', () => {
  it('when messages arrive, then each object is queued for dispatch and only then are the messages deleted; a test event is deleted without a dispatch', async () => {
    const order: string[] = [];
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [
      message('1', { Records: [record('outbound/acme/a+b.csv'), record('outbound/feeds/price-lists/p.csv')] }),
      message('2', { Event: 's3:TestEvent' }),
    ] });
    sqs.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: unknown[] }) => {
      order.push('delete');
      return { Successful: input.Entries.map((_, i) => ({ Id: String(i) })) };
    });
    const queued: DispatchPayload[] = [];
    const deleted = await source(async (p) => {
      order.push(`dispatch ${p.key}`);
      queued.push(p);
    }).receiveOnce();

    expect(deleted).toBe(2);
    expect(queued.map((p) => p.key)).toEqual(['outbound/acme/a b.csv', 'outbound/feeds/price-lists/p.csv']);
    expect(order).toEqual(['dispatch outbound/acme/a b.csv', 'dispatch outbound/feeds/price-lists/p.csv', 'delete']);
    expect(deletedHandles()).toEqual(['rh-1', 'rh-2']);
    const receive = sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input;
    expect(receive).toMatchObject({ QueueUrl: QUEUE, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
  });

  it('when queuing a dispatch fails, or the body is unreadable, then that message is not deleted (it comes back, or goes to the DLQ)', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [
      message('ok', { Records: [record('outbound/acme/ok.csv')] }),
      message('redis-down', { Records: [record('outbound/acme/fails.csv')] }),
      message('garbage', 'not json at all'),
    ] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    await source(async (p) => {
      if (p.key.endsWith('fails.csv')) throw new Error('Redis unavailable');
    }).receiveOnce();
    expect(deletedHandles()).toEqual(['rh-ok']);
  });

  it('when a receive fails, then the loop backs off, counts the error and goes on', async () => {
    const metrics = createMetrics();
    let calls = 0;
    let secondCall!: () => void;
    const second = new Promise<void>((resolve) => (secondCall = resolve));
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      calls += 1;
      if (calls === 1) return Promise.reject(Object.assign(new Error('slow down'), { name: 'RequestThrottled', $metadata: { httpStatusCode: 403 } }));
      secondCall();
      return new Promise(() => undefined);
    });
    const s = createSqsSource({
      sqs: new SQSClient({ region: 'eu-west-1' }), queueUrl: QUEUE, bucket: BUCKET, enqueueDispatch: async () => undefined,
      logger: createLogger('silent'), metrics, errorBaseMs: 1, errorMaxMs: 2,
    });
    s.start();
    await second;
    await s.stop();
    expect(await metrics.registry.getSingleMetricAsString('partnergate_aws_errors_total')).toContain('service="sqs",code="RequestThrottled"} 1');
  });

  it('when nothing is deletable, then no delete is sent', async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    expect(await source(async () => undefined).receiveOnce()).toBe(0);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('when started and stopped, then the long poll in flight is aborted and the loop ends', async () => {
    let started!: () => void;
    const receiving = new Promise<void>((resolve) => (started = resolve));
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      started();
      return new Promise(() => undefined); // a long poll that never answers by itself
    });
    const s = source(async () => undefined);
    s.start();
    await receiving;
    await s.stop(); // resolves only when the loop ended
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
  });
});
