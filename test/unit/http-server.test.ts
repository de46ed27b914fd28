import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';

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
