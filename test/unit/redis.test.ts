import { describe, expect, it } from 'vitest';
import { createRedis, redisExposureWarning } from '../../src/redis.js';

describe('Redis connections', () => {
  it.each([
    ['redis://127.0.0.1:6379'],
    ['redis://localhost:6379'],
    ['redis://127.0.1.1:6379'],
    ['redis://[::1]:6379'],
    ['redis://:s3cret@redis.internal:6379'],
    ['rediss://partnergate:s3cret@redis.internal:6380'],
  ])('when REDIS_URL is %s (on this host, or with a password), then start-up has nothing to warn of', (url) => {
    expect(redisExposureWarning(url)).toBeNull();
  });

  it('when Redis is elsewhere without a password, then start-up warns once, naming the host, saying what to set, and TLS too when it is off', () => {
    const plain = redisExposureWarning('redis://redis:6379');
    expect(plain).toMatch(/^Redis at redis:6379 is not on this host and REDIS_URL has no password, and without TLS/);
    expect(plain).toContain('rediss://');
    expect(plain!.split('\n')).toHaveLength(1);
    const tls = redisExposureWarning('rediss://partnergate@cache.example.com:6380');
    expect(tls).toMatch(/^Redis at cache.example.com:6380 is not on this host and REDIS_URL has no password:/);
  });

  it('when a CA file is configured, then the connection verifies the server with it over TLS; without one, rediss:// uses Node’s CAs', () => {
    const withCa = createRedis({ url: 'rediss://:pw@redis.internal:6380', tlsCa: 'PEM' }, 'command', { lazyConnect: true });
    const without = createRedis({ url: 'rediss://:pw@redis.internal:6380' }, 'worker', { lazyConnect: true });
    try {
      expect(withCa.options.tls).toEqual({ ca: 'PEM' });
      expect(withCa.options.password).toBe('pw');
      expect(without.options.tls).toBe(true);
    } finally {
      withCa.disconnect();
      without.disconnect();
    }
  });
});
