import { describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { retryDelayMs } from '../../../../src/jobs/notify/notify.js';
import { classifySlackError } from '../../../../src/jobs/notify/slack-errors.js';
import { ErrorCode, NotFoundError } from '../../../../src/domain/errors.js';

describe('retryDelayMs', () => {
  it('when failures repeat, then the delay doubles, with jitter between half and all, up to the cap', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelayMs(50, 1000, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(10_000, 1000, 60_000, () => 0)).toBe(30_000);
  });
});

describe('classifySlackError', () => {
  it('when Slack answers 429, then it is rate-limited for Retry-After seconds', () => {
    expect(classifySlackError(new webApi.WebAPIRateLimitedError(7))).toEqual({ kind: 'rate-limited', code: 'ratelimited', retryAfterMs: 7000 });
  });

  it('when Slack answers 5xx or the network fails, then it is transient', () => {
    expect(classifySlackError(new webApi.WebAPIHTTPError(503, 'x', {}, ''))).toEqual({ kind: 'transient', code: 'http_503' });
    expect(classifySlackError(new webApi.WebAPIRequestError(new Error('ECONNRESET')))).toEqual({ kind: 'transient', code: 'request_error' });
    expect(classifySlackError(new webApi.WebAPIPlatformError({ ok: false, error: 'internal_error' }))).toEqual({ kind: 'transient', code: 'internal_error' });
  });

  it.each(['channel_not_found', 'invalid_blocks', 'not_in_channel', 'msg_too_long', 'is_archived', 'message_not_found'])(
    'when Slack answers ok:false %s, then it is permanent',
    (error) => {
      expect(classifySlackError(new webApi.WebAPIPlatformError({ ok: false, error }))).toEqual({ kind: 'permanent', code: error });
    },
  );

  it('when ok:false ratelimited, then it is rate-limited; an AppError keeps its code and retryability; anything else is unknown', () => {
    expect(classifySlackError(new webApi.WebAPIPlatformError({ ok: false, error: 'ratelimited' }))).toMatchObject({ kind: 'rate-limited' });
    expect(classifySlackError(new NotFoundError(ErrorCode.RefNotFound, 'x'))).toEqual({ kind: 'permanent', code: 'ref_not_found' });
    expect(classifySlackError(new webApi.WebAPIHTTPError(400, 'x', {}, ''))).toEqual({ kind: 'permanent', code: 'http_400' });
    expect(classifySlackError(new Error('boom'))).toBeUndefined();
  });
});
