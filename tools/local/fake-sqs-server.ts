/**
 * A loopback SQS queue for the benchmarks' child processes: the AWS JSON 1.0 protocol the SDK's
 * SQSClient speaks (`X-Amz-Target: AmazonSQS.<Operation>`), ReceiveMessage (up to 10, long poll)
 * and DeleteMessageBatch / DeleteMessage only. A received message is in flight until deleted; one
 * not deleted comes back after `visibilityMs`. Point a process at it with AWS_ENDPOINT_URL_SQS and a
 * queue URL on it (the client sends to the queue URL's host).
 *
 * It records when each message was first received and when it was deleted (epoch ms, fractional),
 * for latency figures.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Stored {
  id: string;
  body: string;
  visibleAt: number;
  handle?: string;
}

export interface FakeSqs {
  /** The endpoint (http://127.0.0.1:port) and a queue URL on it. */
  endpoint: string;
  queueUrl: string;
  send(bodies: readonly string[]): string[];
  /** Messages not yet deleted. */
  readonly pending: number;
  /** Message id → first receive / delete time (epoch ms). */
  readonly received: ReadonlyMap<string, number>;
  readonly deleted: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const nowMs = () => performance.timeOrigin + performance.now();
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export async function startFakeSqs(o: { visibilityMs?: number } = {}): Promise<FakeSqs> {
  const visibilityMs = o.visibilityMs ?? 60_000;
  const queue: Stored[] = [];
  const byHandle = new Map<string, Stored>();
  const received = new Map<string, number>();
  const deleted = new Map<string, number>();
  const waiting = new Set<() => void>();

  const take = (max: number): Stored[] => {
    const t = nowMs();
    const out: Stored[] = [];
    for (const m of queue) {
      if (out.length >= max) break;
      if (m.visibleAt > t) continue;
      m.visibleAt = t + visibilityMs;
      if (m.handle) byHandle.delete(m.handle);
      m.handle = randomUUID();
      byHandle.set(m.handle, m);
      if (!received.has(m.id)) received.set(m.id, t);
      out.push(m);
    }
    return out;
  };
  const remove = (handle: string): boolean => {
    const m = byHandle.get(handle);
    if (!m) return false;
    byHandle.delete(handle);
    queue.splice(queue.indexOf(m), 1);
    deleted.set(m.id, nowMs());
    return true;
  };

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    const op = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    if (op === 'ReceiveMessage') {
      const max = Math.min(10, Number(input['MaxNumberOfMessages'] ?? 1));
      const deadline = Date.now() + Math.min(20, Number(input['WaitTimeSeconds'] ?? 0)) * 1000;
      let got = take(max);
      while (got.length === 0 && Date.now() < deadline && !res.destroyed) {
        await new Promise<void>((resolve) => {
          const wake = () => resolve();
          waiting.add(wake);
          setTimeout(() => { waiting.delete(wake); resolve(); }, Math.min(250, deadline - Date.now()));
        });
        got = take(max);
      }
      return answer(res, 200, { Messages: got.map((m) => ({ MessageId: m.id, ReceiptHandle: m.handle, MD5OfBody: md5(m.body), Body: m.body })) });
    }
    if (op === 'DeleteMessageBatch') {
      const entries = (input['Entries'] ?? []) as { Id: string; ReceiptHandle: string }[];
      const ok = entries.filter((e) => remove(e.ReceiptHandle));
      const failed = entries.filter((e) => !ok.includes(e)).map((e) => ({ Id: e.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'not in flight' }));
      return answer(res, 200, { Successful: ok.map((e) => ({ Id: e.Id })), Failed: failed });
    }
    if (op === 'DeleteMessage') {
      remove(String(input['ReceiptHandle']));
      return answer(res, 200, {});
    }
    return answer(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `${op} is not simulated` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => answer(res, 500, { __type: 'InternalError', message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/111122223333/partnergate-platform-events`,
    send(bodies) {
      const ids = bodies.map((body) => {
        const id = randomUUID();
        queue.push({ id, body, visibleAt: 0 });
        return id;
      });
      for (const wake of waiting) wake();
      waiting.clear();
      return ids;
    },
    get pending() {
      return queue.length;
    },
    received,
    deleted,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
