/** The doctor's verdicts that need no I/O (src/domain/doctor.ts): what Redis's answers, a caller's ARN and a queue's policy mean, and the report's lines. */
import { describe, expect, it } from 'vitest';
import {
  doctorExitCode, fail, formatCheck, identityVerdict, parseRedisInfo, pass, queueProblems, redisEviction, redisPersistence, roleNameOfCaller, skip,
} from '../../../src/domain/doctor.js';

describe('doctor verdicts', () => {
  it('when a check fails, then its line carries the fix; skips do not fail the run', () => {
    expect(formatCheck(fail('redis', 'no answer.', 'check REDIS_URL'))).toBe('FAIL redis: no answer. Fix: check REDIS_URL');
    expect(formatCheck(skip('canary', 'DRY_RUN'))).toBe('SKIP canary: DRY_RUN');
    expect(doctorExitCode([pass('a', 'x'), skip('b', 'y')])).toBe(0);
    expect(doctorExitCode([pass('a', 'x'), fail('b', 'y', 'z')])).toBe(1);
  });

  it('when a managed Redis refuses CONFIG, then INFO decides: AOF on passes, anything else is left to the service (skipped, said why)', () => {
    const info = parseRedisInfo('# Persistence\r\nloading:0\r\naof_enabled:1\r\n\r\n');
    expect(info).toEqual({ loading: '0', aof_enabled: '1' });
    expect(redisPersistence(null, info).status).toBe('pass');
    const unknown = redisPersistence(null, { aof_enabled: '0' });
    expect(unknown.status).toBe('skip');
    expect(unknown.detail).toContain('refuses CONFIG');
    expect(redisPersistence({ appendonly: 'yes', save: '' }, {}).status).toBe('pass');
    expect(redisPersistence({ appendonly: 'no', save: '900 1' }, {}).status).toBe('fail');
    expect(redisEviction(undefined).detail).toContain('maxmemory-policy is unknown');
  });

  it('when the caller is the bot role by any session, or by its role ARN, then it is the bot; another role or account is not', () => {
    expect(roleNameOfCaller('arn:aws:sts::111122223333:assumed-role/partnergate-bot/i-0abc')).toBe('partnergate-bot');
    expect(roleNameOfCaller('arn:aws-cn:iam::111122223333:role/partnergate/partnergate-bot')).toBe('partnergate-bot');
    expect(roleNameOfCaller('arn:aws:iam::111122223333:user/alice')).toBeUndefined();
    const expected = { accountId: '111122223333', botRoleArn: 'arn:aws:iam::111122223333:role/partnergate/partnergate-bot' };
    expect(identityVerdict({ account: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/partnergate-bot/x' }, expected).status).toBe('pass');
    expect(identityVerdict({ account: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/partnergate-bot-old/x' }, expected).status).toBe('fail');
  });

  it('when a queue policy allows the sender only from another source, or only denies, or has no dead-letter queue, then each is said', () => {
    const allow = (sourceArn: string) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: ['s3.amazonaws.com'] }, Action: ['sqs:SendMessage'], Condition: { ArnLike: { 'aws:SourceArn': sourceArn } } }] });
    const redrive = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:1:dlq', maxReceiveCount: 5 });
    const sender = { service: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::bucket' };
    expect(queueProblems({ Policy: allow('arn:aws:s3:::bucket'), RedrivePolicy: redrive }, sender)).toEqual([]);
    expect(queueProblems({ Policy: allow('arn:aws:s3:::other'), RedrivePolicy: redrive }, sender)).toEqual(['its policy lets no s3.amazonaws.com send to it from arn:aws:s3:::bucket: nothing arrives']);
    expect(queueProblems({ Policy: allow('arn:aws:s3:::bucket') }, sender)).toEqual(['it has no dead-letter queue: a message the bot cannot read comes back for ever']);
    expect(queueProblems({ RedrivePolicy: redrive }, { service: 'events.amazonaws.com' })).toHaveLength(1);
    expect(queueProblems({ Policy: '{', RedrivePolicy: redrive }, sender)[0]).toBe('its policy is not JSON');
  });
});
