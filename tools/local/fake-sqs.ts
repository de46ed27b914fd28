/**
 * An SQS queue as the product's SQS loop sees it (aws-sdk-client-mock on every SQSClient): messages
 * sent here are received once each, in order, up to MaxNumberOfMessages a receive; a receive with
 * nothing to give waits as a long poll does (shortened to 100 ms, so a stopping loop ends soon),
 * then answers no message; deletes are accepted and kept.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';

export interface FakeSqsQueue {
  /** A client of it (any SQSClient is one). */
  client: SQSClient;
  send(body: string | Record<string, unknown>): void;
  /** The receipt handles deleted so far. */
  deleted: string[];
  restore(): void;
}

export function fakeSqsQueue(region = 'eu-west-1'): FakeSqsQueue {
  const mock = mockClient(SQSClient);
  const waiting: Message[] = [];
  const deleted: string[] = [];
  let sent = 0;
  mock.on(ReceiveMessageCommand).callsFake(async (input: { MaxNumberOfMessages?: number; WaitTimeSeconds?: number }) => {
    const until = Date.now() + Math.min((input.WaitTimeSeconds ?? 0) * 1000, 100);
    while (waiting.length === 0 && Date.now() < until) await sleep(5);
    return { Messages: waiting.splice(0, input.MaxNumberOfMessages ?? 1) };
  });
  mock.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string; ReceiptHandle: string }[] }) => {
    deleted.push(...input.Entries.map((e) => e.ReceiptHandle));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
  return {
    client: new SQSClient({ region }),
    send(body) {
      sent += 1;
      waiting.push({ MessageId: `msg-${sent}`, ReceiptHandle: `rh-${sent}`, Body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
    deleted,
    restore: () => mock.restore(),
  };
}
