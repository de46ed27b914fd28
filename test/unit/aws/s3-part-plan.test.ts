import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  choosePartSize,
  DEFAULT_PART_SIZE,
  GiB,
  MAX_MULTIPART_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MiB,
  MIN_PART_SIZE,
  planParts,
} from '../../../src/aws/s3-part-plan.js';

const TiB = 1024 * GiB;

describe('planParts', () => {
  it('when 12 MiB is cut in 5 MiB parts, then three parts: 5, 5 and 2 MiB', () => {
    expect(planParts(12 * MiB, 5 * MiB)).toEqual({
      partSize: 5 * MiB,
      parts: [
        { partNumber: 1, start: 0, end: 5 * MiB - 1 },
        { partNumber: 2, start: 5 * MiB, end: 10 * MiB - 1 },
        { partNumber: 3, start: 10 * MiB, end: 12 * MiB - 1 },
      ],
    });
  });

  it('when the preferred part size is under 5 MiB, then 5 MiB parts', () => {
    expect(planParts(11 * MiB, 1024).partSize).toBe(MIN_PART_SIZE);
  });

  it('when 5 TiB is copied with the default part size, then the part size grows to fit 10,000 parts', () => {
    const { partSize, parts } = planParts(5 * TiB);
    expect(partSize).toBe(525 * MiB);
    expect(partSize).toBeGreaterThan(DEFAULT_PART_SIZE);
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS);
  });

  it('when the object is exactly 10,000 parts of 5 GiB, then that is the plan; one byte more is refused', () => {
    const { partSize, parts } = planParts(MAX_MULTIPART_SIZE);
    expect(partSize).toBe(MAX_PART_SIZE);
    expect(parts).toHaveLength(MAX_PARTS);
    expect(() => choosePartSize(MAX_MULTIPART_SIZE + 1)).toThrow(RangeError);
  });

  it('when the size is not a positive whole number, then RangeError', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => planParts(size)).toThrow(RangeError);
  });

  /** The first way `plan` breaks S3's rules for an object of `size` bytes, or null. */
  function violation(size: number, plan: ReturnType<typeof planParts>): string | null {
    const { partSize, parts } = plan;
    if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) return `part size ${partSize}`;
    if (parts.length < 1 || parts.length > MAX_PARTS) return `${parts.length} parts`;
    let next = 0;
    for (const [i, part] of parts.entries()) {
      const length = part.end - part.start + 1;
      const last = i === parts.length - 1;
      if (part.partNumber !== i + 1) return `part ${i} numbered ${part.partNumber}`;
      if (part.start !== next) return `part ${part.partNumber} starts at ${part.start}, not ${next}`;
      if (last ? length < 1 || length > partSize : length !== partSize) return `part ${part.partNumber} has ${length} bytes`;
      next = part.end + 1;
    }
    return next === size ? null : `parts end at ${next}, not ${size}`;
  }

  const sizes = fc.oneof(
    fc.bigInt({ min: 1n, max: BigInt(5 * TiB) }).map(Number),
    fc.integer({ min: 1, max: 64 * MiB }),
    fc.constantFrom(MIN_PART_SIZE, MIN_PART_SIZE + 1, MAX_PART_SIZE, MAX_PART_SIZE + 1, 5 * TiB),
  );
  const preferred = fc.option(fc.bigInt({ min: 1n, max: BigInt(6 * GiB) }).map(Number), { nil: undefined });

  it('property: for any size up to 5 TiB and any preferred part size, parts are within S3 limits and cover the object exactly', () => {
    fc.assert(
      fc.property(sizes, preferred, (size, pref) => {
        expect(violation(size, planParts(size, pref))).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
