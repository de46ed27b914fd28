/**
 * The Bolt receiver for HTTP mode: POST /slack/events, handed over by src/bot/transport/server.ts (which owns
 * the HTTP server). Transport only, once per request: read the body (within the limit), check
 * Slack's v0 signature, parse the body, refuse the shapes Bolt or a listener would choke on
 * (inspectSlackBody), answer ssl_check and url_verification, then hand the event to the app with an
 * ack that writes the HTTP answer.
 *
 * It replaces Bolt's HTTPReceiver behind a guard of our own, which read, verified and parsed every
 * request twice (and Bolt's comparison draws random bytes and two more HMACs per request). Answers
 * are the same: 401 unsigned or stale, 413 too large, 400 unreadable, unparsable or refused, 200
 * acknowledged and ignored, 404 when nothing acknowledged within the timeout, 500 when the app
 * failed before acknowledging. A second ack() from a listener throws ReceiverMultipleAckError, as
 * in Bolt. Each request tells its ack state through `context.slackAck` (see ackState), which the
 * app's ack-unhandled middleware reads.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { defaultBodyLimit, HTTPModuleFunctions, ReceiverMultipleAckError, type App, type Receiver } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { inspectSlackBody } from './slack-request-guard.js';

export interface SlackReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** Largest body read, in bytes (Bolt's default, 4 MiB). */
  bodyLimit?: number;
  /** A request nothing acknowledged by then is answered 404 (Slack gives up after 3 s). */
  unhandledRequestTimeoutMillis?: number;
  /** Now, in ms (tests). */
  now?: () => number;
}

/** What the receiver puts in each event's context: whether the request has been answered yet. */
export interface SlackAckState {
  acknowledged(): boolean;
}

/** The ack state of a request that came through SlackHttpReceiver; undefined for other receivers. */
export function ackState(context: Record<string, unknown>): SlackAckState | undefined {
  const state = context['slackAck'] as SlackAckState | undefined;
  return typeof state?.acknowledged === 'function' ? state : undefined;
}

/** Slack signs `v0:<timestamp>:<body>`; requests older than five minutes are refused (replays). */
const MAX_AGE_SECONDS = 5 * 60;

/** Why a request is not Slack's, or undefined when its signature holds. Pure but for `nowMs`. */
export function signatureProblem(secret: string, body: string, signature: unknown, timestamp: unknown, nowMs: number): string | undefined {
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return 'the signature or timestamp header is missing';
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds) || timestamp.trim() === '') return 'the timestamp header is not a number';
  if (seconds < Math.floor(nowMs / 1000) - MAX_AGE_SECONDS) return 'the request is stale (over five minutes old)';
  if (!signature.startsWith('v0=')) return 'unknown signature version';
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature mismatch';
  return undefined;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * The body as Bolt parses it: a form with a `payload` field is that JSON, another form is its
 * fields, anything else is JSON. `form` is the form already parsed, if it is one. Throws when unparsable.
 */
export function parseSlackBody(text: string, form: ReturnType<typeof parseQuery> | undefined): unknown {
  if (form) return typeof form['payload'] === 'string' ? (JSON.parse(form['payload']) as unknown) : form;
  return JSON.parse(text) as unknown;
}

function answer(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined || body === '' || body === null) {
    res.writeHead(status);
    res.end();
  } else if (typeof body === 'string') {
    res.writeHead(status);
    res.end(body);
  } else {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private readonly log: Logger;
  private readonly bodyLimit: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SlackReceiverOptions) {
    this.log = options.logger.child({ module: 'slack-receiver' });
    this.bodyLimit = options.bodyLimit ?? defaultBodyLimit;
    this.timeoutMs = options.unhandledRequestTimeoutMillis ?? 3001;
    this.now = options.now ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  /** The HTTP server is src/bot/transport/server.ts's: nothing to start or stop here. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  readonly requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    HTTPModuleFunctions.bufferIncomingMessage(req, this.bodyLimit).then(
      (buffered) => this.handle(req, res, buffered.rawBody.toString()),
      (err: unknown) => {
        const status = (err as { status?: number }).status === 413 ? 413 : 400;
        this.log.warn({ status, err }, 'Slack request body could not be read');
        answer(res, status);
      },
    );
  };

  private handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const form = req.headers['content-type'] === FORM ? parseQuery(text) : undefined;
    // Slack's ssl_check needs no signature; nothing else in such a request is looked at.
    if (form?.['ssl_check'] === '1') return answer(res, 200);

    const problem = signatureProblem(this.options.signingSecret, text, req.headers['x-slack-signature'], req.headers['x-slack-request-timestamp'], this.now());
    if (problem) {
      this.log.warn({ status: 401, reason: problem }, 'Slack request refused');
      return answer(res, 401);
    }
    let body: unknown;
    try {
      body = parseSlackBody(text, form);
    } catch (err) {
      this.log.warn({ status: 400, reason: (err as Error).message.slice(0, 200) }, 'Malformed request body');
      return answer(res, 400);
    }
    const verdict = inspectSlackBody(body);
    if (!verdict.pass) {
      this.log.warn({ status: verdict.status, reason: verdict.reason }, verdict.status === 200 ? 'Slack request ignored' : 'Slack request refused');
      return answer(res, verdict.status);
    }
    const event = body as Record<string, unknown>;
    if (event['ssl_check'] === '1') return answer(res, 200);
    if (event['type'] === 'url_verification') return answer(res, 200, { challenge: event['challenge'] });
    void this.dispatch(req, res, event);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    let acknowledged = false;
    const timer = setTimeout(() => {
      if (acknowledged) return;
      acknowledged = true;
      this.log.error('An incoming Slack request was not acknowledged within 3 seconds: answered 404');
      answer(res, 404);
    }, this.timeoutMs);
    const ack = async (response?: unknown): Promise<void> => {
      if (acknowledged) throw new ReceiverMultipleAckError();
      acknowledged = true;
      clearTimeout(timer);
      answer(res, 200, response);
    };
    const slackAck: SlackAckState = { acknowledged: () => acknowledged };
    try {
      await this.app!.processEvent({
        body,
        ack,
        retryNum: HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req),
        retryReason: HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req),
        customProperties: { slackAck },
      });
    } catch (err) {
      if (acknowledged) {
        this.log.error({ err }, 'An unhandled error occurred after ack() in a Slack listener');
        return;
      }
      acknowledged = true;
      clearTimeout(timer);
      this.log.error({ err }, 'An unhandled error occurred while the app processed a Slack request: answered 500');
      answer(res, 500);
    }
  }
}
