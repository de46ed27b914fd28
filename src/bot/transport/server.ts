/**
 * The process's HTTP servers: GET /healthz and /readyz in both modes with POST /slack/events handed
 * to the Slack receiver (./slack-receiver.ts) in HTTP mode; and GET /metrics on a port of its own
 * (METRICS_PORT), so the port that faces Slack serves nothing an outsider may read. Owning the
 * servers lets SIGTERM stop new requests while in-flight ones finish.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HttpDeps {
  /** Served only where given: the metrics port's server. */
  metrics?: Registry;
  ready: () => Promise<boolean>;
  /** Bolt's request listener, in HTTP mode. */
  slack?: RequestListener;
  slackPath?: string;
}

export interface HttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function routeRequest(deps: HttpDeps): RequestListener {
  const slackPath = deps.slackPath ?? '/slack/events';
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok\n');
    if (req.method === 'GET' && path === '/readyz') {
      void deps.ready().then(
        (ok) => send(res, ok ? 200 : 503, ok ? 'ready\n' : 'redis unreachable\n'),
        () => send(res, 503, 'redis unreachable\n'),
      );
      return;
    }
    if (deps.metrics && req.method === 'GET' && path === '/metrics') {
      const metrics = deps.metrics;
      void metrics.metrics().then(
        (text) => send(res, 200, text, metrics.contentType),
        () => send(res, 500, 'metrics unavailable\n'),
      );
      return;
    }
    if (deps.slack && path === slackPath) {
      if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
      return deps.slack(req, res);
    }
    send(res, 404, 'not found\n');
  };
}

/**
 * Idle keep-alive connections stay open longer than a load balancer in front keeps its own (ALB: 60 s
 * by default): a proxy that reuses a connection at the moment the server closes it answers 502,
 * which Slack shows as a failed command. On close, idle connections end at once and busy ones after
 * their answer (`Connection: close`), so a drain does not wait for the keep-alive to run out.
 */
export const KEEP_ALIVE_MS = 65_000;

export async function startHttpServer(deps: HttpDeps, port: number, host = '0.0.0.0'): Promise<HttpServer> {
  const route = routeRequest(deps);
  let closing = false;
  const answering = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (closing) res.setHeader('connection', 'close');
    answering.add(res);
    res.once('close', () => {
      answering.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    route(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const res of answering) if (!res.headersSent) res.setHeader('connection', 'close');
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
