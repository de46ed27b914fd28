/**
 * A local stand-in for the Slack Web API (node:http on 127.0.0.1, port 0).
 *
 * Point the code under test at it: `SLACK_API_URL = slack.apiUrl`, or Bolt's
 * `clientOptions: { slackApiUrl: slack.apiUrl }`, or `new webApi.WebClient(token, { slackApiUrl: slack.apiUrl })`.
 * Interaction payloads can carry `response_url: slack.responseUrl('<id>')`.
 *
 * Every request is recorded as a {@link SlackCall} (method, parsed body, what was answered).
 * Answers look like Slack's (`{ ok: true, ... }` with `ts`, `channel`, `message`, a view id, ...);
 * a chat.postMessage to a user id (`U…`, `W…`) is a DM, answered with a `D…` channel as Slack does.
 * Faults are scripted with {@link FakeSlack.fail}: 429 with Retry-After, HTTP 5xx, `ok: false`
 * errors, or a dropped connection, for the next N matching calls.
 *
 * Bodies: the Web API client sends application/x-www-form-urlencoded where object fields
 * (`blocks`, `view`, `attachments`, `metadata`, ...) are JSON strings: those are parsed back.
 * Scalars stay strings as Slack receives them (`unfurl_links: 'false'`). JSON bodies are parsed as is.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export interface SlackCall {
  /** 1, 2, 3 ... in arrival order. */
  seq: number;
  /** Arrival time (Date.now()). */
  at: number;
  /** Web API method (`chat.postMessage`), or `respond` for a post to a response_url. */
  method: string;
  /** For `respond`: the id in `/respond/<id>`. */
  respondId?: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Bot token from the Authorization header or the body, if any. */
  token?: string;
  /** HTTP status answered (0 when the connection was dropped). */
  status: number;
  /** The JSON answered (undefined when the connection was dropped). */
  answer?: Record<string, unknown>;
  /** True when Slack accepted the call: status 200 and `ok: true`. */
  ok: boolean;
}

/** What a scripted failure answers instead of the normal response. */
export type SlackFault =
  | { kind: 'rate-limited'; retryAfter: number }
  | { kind: 'http'; status: number; body?: string }
  | { kind: 'error'; error: string; extra?: Record<string, unknown> }
  | { kind: 'drop' };

export interface FailOptions {
  /** How many matching calls fail (default 1; Infinity until {@link FailHandle.cancel}). */
  times?: number;
  /** Only calls for which this holds fail (e.g. one channel). */
  match?: (call: Pick<SlackCall, 'method' | 'body' | 'respondId'>) => boolean;
}

export interface FailHandle {
  cancel(): void;
}

export type SlackHandler = (call: Pick<SlackCall, 'method' | 'body' | 'respondId'>) => Record<string, unknown>;

export interface FakeSlackOptions {
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** usergroups.users.list answers: usergroup id → user ids. Unknown groups answer no_such_subteam. */
  usergroups?: Record<string, string[]>;
  /** Users whom users.info describes as guests (`is_restricted`); everyone else is a full member. */
  guests?: string[];
}

export interface FakeSlack {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `http://127.0.0.1:<port>/api/` — the slackApiUrl. */
  readonly apiUrl: string;
  /** A response_url served (and recorded) by this server. */
  responseUrl(id: string): string;
  /** Recorded calls, all or of one method (`respond` for response_url posts), in arrival order. */
  calls(method?: string): SlackCall[];
  /** Recorded calls Slack accepted (200, ok: true), all or of one method. */
  accepted(method?: string): SlackCall[];
  /** Resolves with the first recorded call (past or future) matching; rejects after timeoutMs. */
  waitFor(predicate: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Resolves once `count` recorded calls match, with those calls; rejects after timeoutMs. */
  waitForCount(predicate: (call: SlackCall) => boolean, count: number, timeoutMs?: number): Promise<SlackCall[]>;
  /** Script failures for a method (`*` for any) — see {@link SlackFault}. */
  fail(method: string, fault: SlackFault, options?: FailOptions): FailHandle;
  /** Replace the answer of a method (the answer is sent as is; add `ok` yourself). */
  handle(method: string, handler: SlackHandler): void;
  /** Forget recorded calls, scripted failures and handlers. */
  reset(): void;
  close(): Promise<void>;
}

/** Fields the Web API client JSON-encodes; parsed back when they arrive as form fields. */
const NEVER_JSON = new Set(['text', 'markdown_text', 'channel', 'ts', 'thread_ts', 'user', 'token', 'trigger_id']);

function parseForm(raw: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = value;
    if (!NEVER_JSON.has(key) && /^\s*[[{]/.test(value)) {
      try {
        body[key] = JSON.parse(value);
      } catch {
        // not JSON after all: keep the string
      }
    }
  }
  return body;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { payload: parsed };
  }
  if (contentType?.includes('application/x-www-form-urlencoded')) return parseForm(raw);
  return { raw };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Script {
  method: string;
  fault: SlackFault;
  left: number;
  match: FailOptions['match'];
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botUserId = options.botUserId ?? 'UBOT0001';
  const botId = options.botId ?? 'BBOT0001';
  const teamId = options.teamId ?? 'T0TEAM001';
  const usergroups = new Map(Object.entries(options.usergroups ?? {}));
  const guests = new Set(options.guests ?? []);
  const recorded: SlackCall[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let scripts: Script[] = [];
  let handlers = new Map<string, SlackHandler>();
  let seq = 0;
  let tsCounter = 0;
  let viewCounter = 0;
  const epoch = Math.floor(Date.now() / 1000);

  const nextTs = () => {
    tsCounter += 1;
    return `${epoch + Math.floor(tsCounter / 1_000_000)}.${String(tsCounter % 1_000_000).padStart(6, '0')}`;
  };

  const message = (body: Record<string, unknown>, ts: string) => ({
    type: 'message',
    user: botUserId,
    bot_id: botId,
    team: teamId,
    ts,
    text: body.text ?? '',
    ...(body.blocks !== undefined ? { blocks: body.blocks } : {}),
    ...(body.thread_ts !== undefined ? { thread_ts: body.thread_ts } : {}),
  });

  const view = (body: Record<string, unknown>) => {
    viewCounter += 1;
    const v = (body.view ?? {}) as Record<string, unknown>;
    const id = typeof body.view_id === 'string' ? body.view_id : `V${String(viewCounter).padStart(10, '0')}`;
    return { ok: true, view: { ...v, id, team_id: teamId, app_id: 'A0APP0001', bot_id: botId, hash: `${Date.now()}.${viewCounter}`, state: { values: {} } } };
  };

  const answer = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    const custom = handlers.get(method);
    if (custom) return custom({ method, body });
    switch (method) {
      case 'respond':
        return { ok: true };
      case 'auth.test':
        return { ok: true, url: 'https://partnergate-test.slack.com/', team: 'partnergate-test', user: 'partnergate', team_id: teamId, user_id: botUserId, bot_id: botId };
      case 'chat.postMessage': {
        if (typeof body.channel !== 'string' || body.channel === '') return { ok: false, error: 'channel_not_found' };
        const ts = nextTs();
        // A user id as the channel is a DM: Slack posts in the app's DM with that person and answers its id (D…).
        const dm = /^[UW][A-Z0-9]+$/.test(body.channel) ? `D${body.channel.slice(1)}` : body.channel;
        return { ok: true, channel: dm, ts, message: message(body, ts) };
      }
      case 'chat.update': {
        const ts = String(body.ts ?? '');
        return { ok: true, channel: body.channel, ts, text: body.text ?? '', message: message(body, ts) };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.delete':
        return { ok: true, channel: body.channel, ts: body.ts };
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish':
        return view(body);
      case 'usergroups.users.list': {
        const users = usergroups.get(String(body.usergroup ?? ''));
        return users ? { ok: true, users: [...users] } : { ok: false, error: 'no_such_subteam' };
      }
      case 'users.info':
        return {
          ok: true,
          user: {
            id: body.user, team_id: teamId, name: String(body.user ?? '').toLowerCase(), deleted: false, is_bot: false,
            is_restricted: guests.has(String(body.user)), is_ultra_restricted: false,
          },
        };
      case 'conversations.info':
        return { ok: true, channel: { id: body.channel, is_channel: true, is_member: true, name: 'channel' } };
      default:
        return { ok: true };
    }
  };

  const takeFault = (method: string, body: Record<string, unknown>, respondId: string | undefined): SlackFault | undefined => {
    const script = scripts.find(
      (s) => s.left > 0 && (s.method === '*' || s.method === method) && (s.match === undefined || s.match({ method, body, respondId })),
    );
    if (!script) return undefined;
    script.left -= 1;
    return script.fault;
  };

  const send = (res: ServerResponse, status: number, json: Record<string, unknown>, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(json));
  };

  const record = (call: SlackCall) => {
    recorded.push(call);
    events.emit('call', call);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const respond = /^\/respond\/([^/]+)$/.exec(path);
    if (req.method !== 'POST' || (!api && !respond)) {
      send(res, 404, { ok: false, error: 'unknown_method' });
      return;
    }
    const method = api ? api[1]! : 'respond';
    const respondId = respond ? decodeURIComponent(respond[1]!) : undefined;
    let body: Record<string, unknown>;
    try {
      body = parseBody(await readBody(req), req.headers['content-type']);
    } catch {
      send(res, 200, { ok: false, error: 'invalid_json' });
      return;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof body.token === 'string' ? body.token : undefined;
    const base = { seq: ++seq, at: Date.now(), method, body, headers: req.headers, ...(respondId !== undefined ? { respondId } : {}), ...(token !== undefined ? { token } : {}) };

    const fault = takeFault(method, body, respondId);
    if (fault?.kind === 'drop') {
      record({ ...base, status: 0, ok: false });
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'rate-limited') {
      const json = { ok: false, error: 'ratelimited' };
      record({ ...base, status: 429, answer: json, ok: false });
      send(res, 429, json, { 'retry-after': String(fault.retryAfter) });
      return;
    }
    if (fault?.kind === 'http') {
      record({ ...base, status: fault.status, ok: false });
      res.writeHead(fault.status, { 'content-type': 'text/plain' });
      res.end(fault.body ?? 'internal_error');
      return;
    }
    const json = fault?.kind === 'error' ? { ok: false, error: fault.error, ...fault.extra } : answer(method, body);
    record({ ...base, status: 200, answer: json, ok: json.ok === true });
    send(res, 200, json);
  };

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const waitForCount = (predicate: (call: SlackCall) => boolean, count: number, timeoutMs = 5000) =>
    new Promise<SlackCall[]>((resolve, reject) => {
      const found = recorded.filter(predicate);
      if (found.length >= count) {
        resolve(found.slice(0, count));
        return;
      }
      const onCall = (call: SlackCall) => {
        if (!predicate(call)) return;
        found.push(call);
        if (found.length < count) return;
        clearTimeout(timer);
        events.off('call', onCall);
        resolve(found);
      };
      const timer = setTimeout(() => {
        events.off('call', onCall);
        const seen = recorded.map((c) => `${c.method}:${c.status}${c.ok ? '' : '!'}`).join(', ');
        reject(new Error(`fake Slack: ${found.length} of ${count} matching calls after ${timeoutMs} ms; recorded: [${seen}]`));
      }, timeoutMs);
      events.on('call', onCall);
    });

  return {
    url,
    apiUrl: `${url}/api/`,
    responseUrl: (id) => `${url}/respond/${encodeURIComponent(id)}`,
    calls: (method) => recorded.filter((c) => method === undefined || c.method === method),
    accepted: (method) => recorded.filter((c) => c.ok && (method === undefined || c.method === method)),
    waitFor: async (predicate, timeoutMs) => (await waitForCount(predicate, 1, timeoutMs))[0]!,
    waitForCount,
    fail(method, fault, opts = {}) {
      const script: Script = { method, fault, left: opts.times ?? 1, match: opts.match };
      scripts.push(script);
      return { cancel: () => void (script.left = 0) };
    },
    handle(method, handler) {
      handlers.set(method, handler);
    },
    reset() {
      recorded.length = 0;
      scripts = [];
      handlers = new Map();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        events.removeAllListeners();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
