import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../src/domain/errors.js';
import { copySourceError, encodeCopySource, parseProvenance, provenanceTagging, provenanceVersion, tagValue } from '../../../src/aws/s3-copy-source.js';

describe('encodeCopySource', () => {
  it('when the key has spaces, "+", unicode, "%", "?" and "#", then each segment is URL-encoded and the slashes stay', () => {
    expect(encodeCopySource({ bucket: 'b', key: 'outbound/a b/c+d/é%?#.csv' })).toBe('b/outbound/a%20b/c%2Bd/%C3%A9%25%3F%23.csv');
  });

  it('when a version is named, then it follows as ?versionId=, encoded', () => {
    expect(encodeCopySource({ bucket: 'b', key: 'k', versionId: 'a+b/c' })).toBe('b/k?versionId=a%2Bb%2Fc');
  });

  it('property: decoding the path part per segment gives back bucket and key', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, unit: 'grapheme' }), { minLength: 1, maxLength: 5 }), (segments) => {
        const key = segments.join('/');
        const encoded = encodeCopySource({ bucket: 'bkt', key });
        expect(encoded).not.toMatch(/[ ?#+]/);
        expect(encoded.split('/').map(decodeURIComponent).join('/')).toBe(`bkt/${key}`);
      }),
    );
  });
});

describe('provenance tags', () => {
  it('when the source key is plain, then the tags name it and its version, URL-encoded', () => {
    expect(provenanceTagging('outbound/acme/a b.csv', 'v1.2_x')).toBe(
      'partnergate%3Asource-key=outbound%2Facme%2Fa%20b.csv&partnergate%3Asource-version=v1.2_x',
    );
  });

  it('when there is no version, then only the key tag, or the key and the ETag that names the version instead', () => {
    expect(provenanceTagging('k', undefined)).toBe('partnergate%3Asource-key=k');
    expect(provenanceTagging('k', undefined, '"0cc175b9c0f1b6a831c399e269772661"')).toBe('partnergate%3Asource-key=k&partnergate%3Asource-etag=0cc175b9c0f1b6a831c399e269772661');
    expect(provenanceTagging('k', 'null', '"e1-2"')).toBe('partnergate%3Asource-key=k&partnergate%3Asource-version=null&partnergate%3Asource-etag=e1-2');
    expect(provenanceTagging('k', 'v1', '"e1"')).toBe('partnergate%3Asource-key=k&partnergate%3Asource-version=v1');
  });

  const tagsOf = (tagging: string) => Object.fromEntries(new URLSearchParams(tagging));

  it('property: the version the tags were written with is read back for the key they name, and for no other key', () => {
    const version = fc.oneof(fc.constant(undefined), fc.constant('null'), fc.stringMatching(/^[A-Za-z0-9._+/=-]{1,64}$/));
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }), version, fc.stringMatching(/^[0-9a-f]{32}(-[0-9]{1,4})?$/), (key, versionId, etag) => {
        const p = parseProvenance(tagsOf(provenanceTagging(key, versionId, `"${etag}"`)))!;
        const expected = versionId !== undefined && versionId !== 'null' ? { versionId } : { etag };
        expect(provenanceVersion(p, key)).toEqual(expected);
        expect(provenanceVersion(p, `${key}x`)).toBeNull();
      }),
    );
  });

  it('when the tags carry no source key, or a version that had to be hashed, then nothing is read back', () => {
    expect(parseProvenance({ other: 'x' })).toBeNull();
    expect(provenanceVersion(parseProvenance(tagsOf(provenanceTagging('k', 'v(1)')))!, 'k')).toBeNull();
    expect(provenanceVersion(parseProvenance(tagsOf(provenanceTagging('k', undefined)))!, 'k')).toBeNull();
  });

  it('when a value has characters tags cannot hold or is too long, then it is replaced by its SHA-256', () => {
    expect(tagValue('outbound/acme/price(1).csv')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tagValue('x'.repeat(257))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tagValue('outbound/acme/Préis 2024+1.csv')).toBe('outbound/acme/Préis 2024+1.csv');
  });
});

describe('copySourceError', () => {
  const source = { bucket: 'b', key: 'outbound/a.csv', versionId: 'v1' };
  const aws = (code: string, status: number) => new AwsError('s3', 'CopyObject', code, code, { httpStatus: status });

  it('when the source key or version is gone, then SOURCE_MISSING, not retryable, keeping the cause', () => {
    for (const code of ['NoSuchKey', 'NoSuchVersion']) {
      const err = copySourceError(aws(code, 404), source) as AwsError;
      expect(err).toMatchObject({ code: 'SOURCE_MISSING', retryable: false, httpStatus: 404, operation: 'CopyObject' });
      expect(err.message).toContain('version v1');
      expect((err.cause as AwsError).code).toBe(code);
    }
  });

  it('when the source ETag no longer matches, then SOURCE_CHANGED, not retryable', () => {
    expect(copySourceError(aws('PreconditionFailed', 412), source)).toMatchObject({ code: 'SOURCE_CHANGED', retryable: false });
  });

  it('when it is anything else, then the error is unchanged', () => {
    const denied = aws('AccessDenied', 403);
    expect(copySourceError(denied, source)).toBe(denied);
  });
});
