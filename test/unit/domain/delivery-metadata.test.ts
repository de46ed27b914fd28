import { describe, expect, it } from 'vitest';
import { carriedMetadata, MAX_USER_METADATA_BYTES, parseMetadataAllowlist } from '../../../src/domain/delivery-metadata.js';

describe('the metadata a delivered copy carries', () => {
  const source = {
    contentType: 'text/csv',
    contentEncoding: 'gzip',
    contentDisposition: undefined,
    contentLanguage: '',
    cacheControl: 'max-age=60',
    metadata: { 'partner-ref': 'PO-1', 'internal-job': 'run-8812', 'Batch': '7' },
  };

  it('when keys are allow-listed, then only those are kept (compared lower-cased), with every content header the source has', () => {
    expect(carriedMetadata(source, ['partner-ref', 'batch', 'absent'])).toEqual({
      carried: { headers: { contentType: 'text/csv', contentEncoding: 'gzip', cacheControl: 'max-age=60' }, user: { 'partner-ref': 'PO-1', batch: '7' } },
      dropped: [],
    });
  });

  it('when nothing is allow-listed, then no user metadata is kept and nothing is reported as dropped (that is the rule)', () => {
    expect(carriedMetadata(source, [])).toMatchObject({ carried: { user: {} }, dropped: [] });
  });

  it('when all is kept (the archive), then every key of the source is', () => {
    expect(carriedMetadata(source, 'all').carried.user).toEqual({ 'partner-ref': 'PO-1', 'internal-job': 'run-8812', batch: '7' });
  });

  it.each([
    ['a line break', 'a\r\nX-Injected: 1', 'not a valid header value'],
    ['a NUL', 'a\u0000b', 'not a valid header value'],
    ['a tab', 'a\tb', 'not a valid header value'],
    ['DEL', 'a\u007fb', 'not a valid header value'],
    ['non-ASCII (S3 would have sent it RFC 2047-encoded)', 'Préis', 'not a valid header value'],
    ['1,025 characters', 'x'.repeat(1025), 'too long'],
  ])('when an allow-listed value holds %s, then it is dropped by name, not by value', (_what, value, reason) => {
    const { carried, dropped } = carriedMetadata({ contentType: value, metadata: { k: value, ok: 'yes' } }, ['k', 'ok']);
    expect(carried).toEqual({ headers: {}, user: { ok: 'yes' } });
    expect(dropped).toEqual([{ name: 'contentType', reason }, { name: 'x-amz-meta-k', reason }]);
  });

  it('when the kept metadata would pass S3\'s 2 KB, then the keys after the limit are dropped, in allow-list order', () => {
    const v = 'v'.repeat(1000);
    const { carried, dropped } = carriedMetadata({ metadata: { a: v, b: v, c: v, d: 'small' } }, ['a', 'b', 'c', 'd']);
    expect(Object.keys(carried.user)).toEqual(['a', 'b', 'd']);
    expect(dropped).toEqual([{ name: 'x-amz-meta-c', reason: 'over the 2 KB of user metadata' }]);
    expect(Object.entries(carried.user).reduce((n, [k, x]) => n + k.length + x.length, 0)).toBeLessThanOrEqual(MAX_USER_METADATA_BYTES);
  });

  it('when an RFC 2047-encoded value (how S3 returns non-ASCII) is allow-listed, then it passes as it is', () => {
    expect(carriedMetadata({ metadata: { title: '=?UTF-8?B?UHLDqWlz?=' } }, ['title']).carried.user).toEqual({ title: '=?UTF-8?B?UHLDqWlz?=' });
  });
});

describe('DELIVERY_METADATA_ALLOWLIST', () => {
  it('when given a comma list, then it is trimmed and emptied of blanks', () => {
    expect(parseMetadataAllowlist(' partner-ref , batch_no,, v1.2 ')).toEqual(['partner-ref', 'batch_no', 'v1.2']);
    expect(parseMetadataAllowlist('')).toEqual([]);
  });

  it.each([
    ['Partner-Ref', /lower-case/],
    ['x-amz-meta-partner-ref', /without x-amz-meta-/],
    ['partner ref', /lower-case/],
    ['a,a', /must not repeat/],
    ['-ref', /lower-case/],
  ])('when it holds %s, then it is refused', (text, message) => {
    expect(() => parseMetadataAllowlist(text)).toThrow(message);
  });
});
