/**
 * Sends one notify message to Slack: resolves the refs it names, makes one Web API call, and says
 * which ref to record. Slack's failures are thrown as SlackError (src/jobs/notify/slack-errors.ts), a
 * named ref that was never posted as NotFoundError `ref_not_found` (permanent).
 */
import * as webApi from '@slack/web-api';
import type { Redis } from 'ioredis';
import { ErrorCode, NotFoundError } from '../../domain/errors.js';
import { toSlackError } from './slack-errors.js';
import { resolveRef, type MessageRef } from '../../store/message-refs.js';
import type { NotifyMessage, ThreadRef } from '../../domain/notify-message.js';

/**
 * The one Slack call the queue needs. A @slack/web-api WebClient fits; build it with
 * `{ slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }`: the queue owns retries.
 */
export interface SlackApi {
  apiCall(method: string, options?: Record<string, unknown>): Promise<{ ok: boolean }>;
}

/**
 * A WebClient for the notify worker: no retries of its own and 429s rejected at once (the queue
 * retries, per lane), and a request timeout so that a hung call cannot hold a lane for ever.
 */
export function createNotifySlackClient(
  token: string,
  options: Pick<webApi.WebClientOptions, 'slackApiUrl' | 'logger' | 'logLevel' | 'timeout'> = {},
): webApi.WebClient {
  return new webApi.WebClient(token, {
    timeout: 30_000,
    ...options,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

export interface SentMessage {
  method: string;
  /** The ref to record with where the message landed (posts with a ref, when Slack answered a ts). */
  record: { ref: string; at: MessageRef } | null;
}

async function mustResolve(redis: Redis, prefix: string, ref: string): Promise<MessageRef> {
  const at = await resolveRef(redis, prefix, ref);
  if (!at) throw new NotFoundError(ErrorCode.RefNotFound, `no message was posted under ref "${ref}"`);
  return at;
}

async function threadTs(redis: Redis, prefix: string, thread: ThreadRef | undefined): Promise<string | undefined> {
  if (thread === undefined) return undefined;
  return 'ts' in thread ? thread.ts : (await mustResolve(redis, prefix, thread.ref)).ts;
}

/** The Web API method and arguments for a message. */
export async function slackCallFor(
  redis: Redis, prefix: string, message: NotifyMessage,
): Promise<{ method: string; args: Record<string, unknown> }> {
  const content = { text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) };
  switch (message.op) {
    case 'post': {
      const thread_ts = await threadTs(redis, prefix, message.thread);
      return { method: 'chat.postMessage', args: { channel: message.channel, ...content, ...(thread_ts ? { thread_ts } : {}) } };
    }
    case 'update': {
      const at = await mustResolve(redis, prefix, message.target);
      return { method: 'chat.update', args: { channel: at.channel, ts: at.ts, ...content } };
    }
    case 'ephemeral': {
      const thread_ts = await threadTs(redis, prefix, message.thread);
      return {
        method: 'chat.postEphemeral',
        args: { channel: message.channel, user: message.user, ...content, ...(thread_ts ? { thread_ts } : {}) },
      };
    }
  }
}

export async function sendNotify(slack: SlackApi, redis: Redis, prefix: string, message: NotifyMessage): Promise<SentMessage> {
  const { method, args } = await slackCallFor(redis, prefix, message);
  const answer = await slack.apiCall(method, args).catch((err: unknown) => Promise.reject(toSlackError(err) ?? err));
  const result: Record<string, unknown> = { ...answer };
  if (message.op !== 'post' || message.ref === undefined) return { method, record: null };
  const channel = typeof result.channel === 'string' ? result.channel : message.channel;
  if (typeof result.ts !== 'string') return { method, record: null }; // accepted, but nowhere to point the ref
  return { method, record: { ref: message.ref, at: { channel, ts: result.ts } } };
}
