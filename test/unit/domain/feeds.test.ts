import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFeeds } from '../../../src/domain/feeds.js';

const CONFIGURED = ['price-lists', 'parts-catalogs', 'compliance'];

describe('checkFeeds', () => {
  it('when given a subset in any order, then it comes back in the configured order', () => {
    expect(checkFeeds(['compliance', 'price-lists'], CONFIGURED)).toEqual({ ok: true, value: ['price-lists', 'compliance'] });
  });

  it('when given none, then the partner has no feeds', () => {
    expect(checkFeeds([], CONFIGURED)).toEqual({ ok: true, value: [] });
    expect(checkFeeds(undefined, CONFIGURED)).toEqual({ ok: true, value: [] });
  });

  it('when a feed is not configured, then it is named', () => {
    expect(checkFeeds(['price-lists', 'secrets'], CONFIGURED)).toEqual({
      ok: false,
      error: 'Unknown feed "secrets"; choose from price-lists, parts-catalogs, compliance.',
    });
  });

  it('when a feed is chosen twice, then it is refused', () => {
    expect(checkFeeds(['compliance', 'compliance'], CONFIGURED)).toEqual({
      ok: false,
      error: 'Feed "compliance" is chosen more than once.',
    });
  });

  it('always answers a duplicate-free subset of the configured feeds', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...CONFIGURED), fc.string({ maxLength: 12 })), { maxLength: 6 }), (chosen) => {
        const result = checkFeeds(chosen, CONFIGURED);
        if (result.ok) {
          expect(new Set(result.value).size).toBe(result.value.length);
          expect(result.value.every((f) => CONFIGURED.includes(f))).toBe(true);
        }
      }),
    );
  });
});
