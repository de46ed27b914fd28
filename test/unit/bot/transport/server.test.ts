import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { KEEP_ALIVE_MS, startHttpServer, type HttpServer } from '../../../../src/bot/transport/server.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('health routes', () => {
  it('when Redis is unreachable, then /readyz answers 503 while /healthz still answers 200', async () => {
    server = await startHttpServer({ metrics: new Registry(), ready: async () => false }, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('when there is no Slack listener (worker or Socket Mode), then POST /slack/events is not found', async () => {
    server = await startHttpServer({ metrics: new Registry(), ready: async () => true }, 0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${server.port}/slack/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});

describe('keep-alive and drain', () => {
  const post = (port: number, agent: Agent) =>
    new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.end('{}');
    });

  it('when idle, then a connection is kept open longer than a load balancer keeps its own (60 s)', async () => {
    server = await startHttpServer({ metrics: new Registry(), ready: async () => true }, 0, '127.0.0.1');
    expect(server.server.keepAliveTimeout).toBe(KEEP_ALIVE_MS);
    expect(KEEP_ALIVE_MS).toBeGreaterThan(60_000);
    expect(server.server.headersTimeout).toBeGreaterThan(KEEP_ALIVE_MS);
  });

  it('when it closes with one connection idle and one answering, then the answer says Connection: close and the close does not wait for the keep-alive', async () => {
    // The Slack route answers when the test says so: one waiting answer per request.
    const waiting: (() => void)[] = [];
    server = await startHttpServer({
      metrics: new Registry(), ready: async () => true,
      slack: (_req, res) => void waiting.push(() => res.writeHead(200).end()),
    }, 0, '127.0.0.1');
    const s = server;
    const arrived = async () => { while (waiting.length === 0) await new Promise((r) => setTimeout(r, 5)); return waiting.shift()!; };
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });

    const first = post(s.port, agent);
    (await arrived())();
    expect((await first).connection).toBe('keep-alive'); // its connection is now idle, kept alive

    const inFlight = post(s.port, agent);
    const answer = await arrived();
    server = undefined;
    const closed = s.close();
    answer();
    expect(await inFlight).toEqual({ status: 200, connection: 'close' });
    await closed; // resolves once both connections are gone, not after KEEP_ALIVE_MS
    agent.destroy();
  });
});
