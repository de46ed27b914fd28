import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkObjectKey } from '../../../src/domain/outbound-key.js';
import { isPartnerId, PARTNER_ID_PATTERN } from '../../../src/domain/partner-id.js';
import { feedTargetKey, routeOutboundKey, sourceOfCopy, type RoutingConfig } from '../../../src/domain/routing.js';

const CONFIG: RoutingConfig = { outboundPrefix: 'outbound/', feeds: ['price-lists', 'parts-catalogs', 'compliance'] };

describe('routeOutboundKey', () => {
  it('when a file is under a partner folder, then it goes to that partner home', () => {
    expect(routeOutboundKey('outbound/acme/2024/prices.csv', CONFIG)).toEqual({
      kind: 'partner',
      partnerId: 'acme',
      path: '2024/prices.csv',
      target: 'partners/acme/2024/prices.csv',
    });
  });

  it('when a file is under a configured feed, then it is a feed file with its path', () => {
    expect(routeOutboundKey('outbound/feeds/price-lists/eu/2024-06.csv', CONFIG)).toEqual({
      kind: 'feed',
      feed: 'price-lists',
      path: 'eu/2024-06.csv',
    });
  });

  it('when the prefix is configured without its slash, then it routes the same and does not match look-alike prefixes', () => {
    const config = { ...CONFIG, outboundPrefix: 'outbound' };
    expect(routeOutboundKey('outbound/acme/x.csv', config)).toMatchObject({ kind: 'partner', target: 'partners/acme/x.csv' });
    expect(routeOutboundKey('outboundx/acme/x.csv', config)).toMatchObject({ kind: 'unroutable', code: 'outside-outbound-prefix' });
  });

  it.each([
    ['outbound/acme/', 'directory-placeholder'],
    ['outbound/feeds/compliance/2024/', 'directory-placeholder'],
    ['outbound/', 'directory-placeholder'],
    ['inbound/acme/x.csv', 'outside-outbound-prefix'],
    ['partners/acme/x.csv', 'outside-outbound-prefix'],
    ['outbound/x.csv', 'no-folder'],
    ['outbound/feeds', 'no-folder'],
    ['outbound/feeds/secrets/x.csv', 'unknown-feed'],
    ['outbound/feeds/x.csv', 'unknown-feed'],
    ['outbound/ACME/x.csv', 'bad-partner-id'],
    ['outbound/-canary/x.csv', 'bad-partner-id'],
    ['outbound/ac/x.csv', 'bad-partner-id'],
    ['outbound/\u0430cme/x.csv', 'bad-partner-id'],
    ['outbound/acme*/x.csv', 'bad-partner-id'],
    ['outbound/${aws:username}/x.csv', 'bad-partner-id'],
    ['outbound/acme/../bob/x.csv', 'bad-key'],
    ['outbound/acme//x.csv', 'bad-key'],
    ['outbound/acme/x\u0000.csv', 'bad-key'],
    ['outbound/acme\\..\\bob/x.csv', 'bad-key'],
    ['outbound/acme/feeds/price-lists/x.csv', 'feeds-in-partner-folder'],
  ])('when the key is %j, then it is unroutable (%s)', (key, code) => {
    const route = routeOutboundKey(key, CONFIG);
    expect(route).toMatchObject({ kind: 'unroutable', code });
    if (route.kind === 'unroutable') expect(route.reason).not.toBe('');
  });

  it('when a feed file would give a subscriber copy over S3 key limits, then it is unroutable', () => {
    const path = 'p'.repeat(1024 - 'outbound/feeds/compliance/'.length);
    expect(checkObjectKey(`outbound/feeds/compliance/${path}`)).toBeNull();
    expect(routeOutboundKey(`outbound/feeds/compliance/${path}`, CONFIG)).toMatchObject({ kind: 'unroutable', code: 'target-too-long' });
  });

  it.each(['', 'partners/', 'partners'])('when the outbound prefix is %j, then nothing routes (it would loop into the homes)', (outboundPrefix) => {
    expect(routeOutboundKey('partners/acme/x.csv', { ...CONFIG, outboundPrefix })).toMatchObject({ kind: 'unroutable', code: 'bad-prefix' });
  });
});

describe('feedTargetKey', () => {
  it('puts a feed file under the partner home, in the feed folder', () => {
    expect(feedTargetKey('acme', 'price-lists', 'eu/2024-06.csv')).toBe('partners/acme/feeds/price-lists/eu/2024-06.csv');
  });

  it.each([
    ['ACME', 'price-lists', 'x.csv'],
    ['acme', '../x', 'x.csv'],
    ['acme', 'a/b', 'x.csv'],
    ['acme', 'price-lists', '../../bob/x.csv'],
    ['acme', 'price-lists', ''],
    ['acme', 'price-lists', 'dir/'],
  ])('when given (%j, %j, %j), then it throws', (id, feed, path) => {
    expect(() => feedTargetKey(id, feed, path)).toThrow();
  });
});

describe('sourceOfCopy', () => {
  it('when a copy is a partner file or a feed file, then the rule read backwards names its source and the partner', () => {
    expect(sourceOfCopy('partners/acme/2024/prices.csv', CONFIG)).toEqual({ partnerId: 'acme', sourceKey: 'outbound/acme/2024/prices.csv' });
    expect(sourceOfCopy('partners/acme/feeds/price-lists/q3.csv', CONFIG)).toEqual({ partnerId: 'acme', sourceKey: 'outbound/feeds/price-lists/q3.csv' });
    expect(sourceOfCopy('partners/acme/a.csv', { ...CONFIG, outboundPrefix: 'drop' })).toEqual({ partnerId: 'acme', sourceKey: 'drop/acme/a.csv' });
  });

  it('when no rule leads to a key (an unknown feed, the canary, a bad id, outside the homes, a bare home), then null', () => {
    for (const key of ['partners/acme/feeds/secrets/x.csv', 'partners/-canary/canary.txt', 'partners/ACME/a.csv', 'archive/partners/acme/a.csv', 'partners/acme/', 'partners/acme', 'outbound/acme/a.csv']) {
      expect(sourceOfCopy(key, CONFIG)).toBeNull();
    }
  });
});

describe('routing properties', () => {
  const partnerId = fc.stringMatching(PARTNER_ID_PATTERN);
  const segment = fc.oneof(
    partnerId,
    fc.constantFrom('', '.', '..', 'feeds', 'price-lists', 'compliance', '-canary', 'acme', 'acme-corp', '*', '${aws:username}', 'ACME', '\u0430cme', 'a\\b', '%2e%2e'),
    fc.string({ unit: 'binary', maxLength: 10 }),
  );
  const segments = fc.array(segment, { minLength: 0, maxLength: 8 });
  // Anything under the prefix, plus keys shaped like feed files, which arbitrary segments rarely hit.
  const outboundKey = fc.oneof(
    segments.map((rest) => ['outbound', ...rest].join('/')),
    fc
      .tuple(fc.constantFrom(...CONFIG.feeds, 'secrets', '..', ''), segments)
      .map(([feed, rest]) => ['outbound', 'feeds', feed, ...rest].join('/')),
  );

  it('a routed target is always inside partners/<id>/ for exactly the id of its folder, and never escapes it', () => {
    fc.assert(
      fc.property(outboundKey, partnerId, (key, otherId) => {
        const route = routeOutboundKey(key, CONFIG);
        if (route.kind !== 'partner') return;
        const home = `partners/${route.partnerId}/`;
        expect(isPartnerId(route.partnerId)).toBe(true);
        expect(key).toBe(`outbound/${route.partnerId}/${route.path}`);
        expect(route.target).toBe(home + route.path);
        expect(posix.normalize(route.target)).toBe(route.target);
        expect(checkObjectKey(route.target)).toBeNull();
        if (otherId !== route.partnerId) expect(route.target.startsWith(`partners/${otherId}/`)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('every subscriber copy of a routed feed file is inside that subscriber home, in that feed folder', () => {
    fc.assert(
      fc.property(outboundKey, partnerId, (key, subscriber) => {
        const route = routeOutboundKey(key, CONFIG);
        if (route.kind !== 'feed') return;
        expect(CONFIG.feeds).toContain(route.feed);
        const target = feedTargetKey(subscriber, route.feed, route.path);
        expect(target).toBe(`partners/${subscriber}/feeds/${route.feed}/${route.path}`);
        expect(posix.normalize(target)).toBe(target);
        expect(checkObjectKey(target)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('a copy routing made leads back to the key it came from (partner files and feed files alike)', () => {
    fc.assert(
      fc.property(outboundKey, partnerId, (key, subscriber) => {
        const route = routeOutboundKey(key, CONFIG);
        if (route.kind === 'partner') expect(sourceOfCopy(route.target, CONFIG)).toEqual({ partnerId: route.partnerId, sourceKey: key });
        if (route.kind === 'feed') expect(sourceOfCopy(feedTargetKey(subscriber, route.feed, route.path), CONFIG)).toEqual({ partnerId: subscriber, sourceKey: key });
      }),
      { numRuns: 2000 },
    );
  });

  it('routing is deterministic', () => {
    fc.assert(
      fc.property(outboundKey, (key) => {
        expect(routeOutboundKey(key, { ...CONFIG, feeds: [...CONFIG.feeds] })).toEqual(routeOutboundKey(key, CONFIG));
      }),
    );
  });

  it('a partner folder named like an id routes to that id; feeds is never a partner', () => {
    fc.assert(
      fc.property(partnerId, fc.stringMatching(/^[a-z0-9._-]{1,20}$/), (id, file) => {
        fc.pre(file !== '.' && file !== '..');
        const route = routeOutboundKey(`outbound/${id}/${file}`, CONFIG);
        if (id === 'feeds') expect(route.kind).not.toBe('partner');
        else expect(route).toEqual({ kind: 'partner', partnerId: id, path: file, target: `partners/${id}/${file}` });
      }),
    );
  });
});
