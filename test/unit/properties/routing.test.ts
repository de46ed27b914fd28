/** Properties of the outbound router and the object key check: no key ever routes outside its partner's home. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkObjectKey, MAX_OBJECT_KEY_BYTES } from '../../../src/domain/outbound-key.js';
import { deliveryTarget, feedTargetKey, routeOutboundKey } from '../../../src/domain/routing.js';
import { isPartnerId } from '../../../src/domain/partner-id.js';

const FEEDS = ['price-lists', 'parts-catalogs', 'compliance'];
const CONFIG = { outboundPrefix: 'outbound/', feeds: FEEDS };

/** Segments that matter to a router: ids, feeds, traversal, empties, controls, look-alikes, long runs. */
const segment = fc.oneof(
  fc.constantFrom('acme', 'acme-corp', 'globex', 'feeds', 'price-lists', 'compliance', 'secret', '..', '.', '', '-canary', 'ACME', '\u0430cme', '${aws:username}', '*', 'a\\b', 'x\u0000', 'f\n', 'partners'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', ' '), maxLength: 40 }),
);
const key = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 8 }).map((s) => `outbound/${s.join('/')}`),
  fc.array(segment, { minLength: 1, maxLength: 8 }).map((s) => s.join('/')),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => `outbound/${s}`),
  fc.tuple(fc.constantFrom('outbound/acme/', 'outbound/feeds/price-lists/'), fc.integer({ min: 900, max: 1100 })).map(([p, n]) => p + 'f'.repeat(n)),
);
const subscriber = fc.constantFrom('acme', 'acme-corp', 'a'.repeat(32), 'x9-9x');

describe('properties: outbound routing', () => {
  it('when any key is routed, then a partner route targets only partners/<its id>/ and never escapes it', () => {
    let routed = 0;
    fc.assert(
      fc.property(key, (k) => {
        const route = routeOutboundKey(k, CONFIG);
        if (route.kind !== 'partner') return;
        routed += 1;
        expect(isPartnerId(route.partnerId)).toBe(true);
        expect(route.target.startsWith(`partners/${route.partnerId}/`)).toBe(true);
        expect(route.target).toBe(`partners/${route.partnerId}/${route.path}`);
        expect(checkObjectKey(route.target)).toBeNull();
        expect(route.path.split('/')[0]).not.toBe('feeds');
      }),
      { numRuns: 5000 },
    );
    expect(routed).toBeGreaterThan(50); // the generator reaches partner routes, not only refusals
  });

  it('when a key routes to a feed, then every subscriber copy is a valid key under partners/<id>/feeds/<feed>/', () => {
    let routed = 0;
    fc.assert(
      fc.property(key, subscriber, (k, partnerId) => {
        const route = routeOutboundKey(k, CONFIG);
        if (route.kind !== 'feed') return;
        routed += 1;
        expect(FEEDS).toContain(route.feed);
        const target = feedTargetKey(partnerId, route.feed, route.path);
        expect(target.startsWith(`partners/${partnerId}/feeds/${route.feed}/`)).toBe(true);
        expect(checkObjectKey(target)).toBeNull();
      }),
      { numRuns: 5000 },
    );
    expect(routed).toBeGreaterThan(20);
  });

  it('when any key is offered to any partner, then a delivery target is only ever inside that partner\'s home, from its folder or a feed it has', () => {
    let delivered = 0;
    fc.assert(
      fc.property(key, subscriber, fc.subarray(FEEDS), (k, partnerId, feeds) => {
        const target = deliveryTarget({ partnerId, feeds }, k, CONFIG);
        if (target === null) return;
        delivered += 1;
        expect(target.targetKey.startsWith(`partners/${partnerId}/`)).toBe(true);
        expect(checkObjectKey(target.targetKey)).toBeNull();
        if (target.route === 'feed') expect(feeds).toContain(target.feed);
        else expect(k.startsWith(`outbound/${partnerId}/`)).toBe(true);
      }),
      { numRuns: 5000 },
    );
    expect(delivered).toBeGreaterThan(20);
  });

  it('when the same key is routed twice, then the route is the same (pure)', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(routeOutboundKey(k, CONFIG)).toEqual(routeOutboundKey(k, CONFIG));
      }),
    );
  });

  it('when any key is checked, then an accepted key has plain segments only and fits S3', () => {
    fc.assert(
      fc.property(key, (k) => {
        if (checkObjectKey(k) !== null) return;
        expect(Buffer.byteLength(k, 'utf8')).toBeLessThanOrEqual(MAX_OBJECT_KEY_BYTES);
        expect(k.startsWith('/')).toBe(false);
        expect(k.split('/').every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
        // eslint-disable-next-line no-control-regex
        expect(k).not.toMatch(/[\u0000-\u001f\u007f-\u009f\\]/);
      }),
      { numRuns: 5000 },
    );
  });
});
