/**
 * Real Redis for a test file, one key prefix per test: registers the hooks that open a connection
 * before each test and, after it, delete every key under its prefix and close the connection. Read
 * `redis` and `prefix` inside a test or a later hook (they are the running test's).
 */
import { afterEach, beforeEach } from 'vitest';
import type { Redis } from 'ioredis';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testPrefix } from '../../tools/local/env.js';

export interface RedisPerTest {
  readonly redis: Redis;
  readonly prefix: string;
}

export function redisPerTest(label?: string): RedisPerTest {
  let current: RedisPerTest | null = null;
  beforeEach(() => {
    current = { redis: createTestRedis(), prefix: testPrefix(label) };
  });
  afterEach(async () => {
    const { redis, prefix } = current!;
    current = null;
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });
  const running = () => {
    if (!current) throw new Error('redisPerTest: redis and prefix exist only while a test runs');
    return current;
  };
  return { get redis() { return running().redis; }, get prefix() { return running().prefix; } };
}
