/**
 * How a multipart copy cuts an object into parts, within S3's limits: parts of 5 MiB to 5 GiB (the
 * last may be smaller), at most 10,000 of them, numbered from 1 without gaps. Pure.
 */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
/** The largest object a multipart copy can produce: 10,000 parts of 5 GiB. */
export const MAX_MULTIPART_SIZE = MAX_PARTS * MAX_PART_SIZE;
/** The largest object one CopyObject can copy: above it S3 requires a multipart copy. */
export const MAX_SINGLE_COPY_SIZE = 5 * GiB;
/** Few enough requests for big objects, small enough that a retried part is cheap. */
export const DEFAULT_PART_SIZE = 256 * MiB;

export interface PartRange {
  partNumber: number;
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive (as in `bytes=start-end`). */
  end: number;
}

export interface PartPlan {
  partSize: number;
  parts: PartRange[];
}

/**
 * The part size for `size` bytes: the preferred size, raised (to a whole MiB) when it would need
 * more than 10,000 parts, and kept within 5 MiB–5 GiB. Throws RangeError for sizes no multipart
 * copy can handle (not a positive whole number, or over 10,000 × 5 GiB).
 */
export function choosePartSize(size: number, preferred: number = DEFAULT_PART_SIZE): number {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`object size must be a positive whole number of bytes, got ${size}`);
  if (size > MAX_MULTIPART_SIZE) throw new RangeError(`object of ${size} bytes is larger than 10,000 parts of 5 GiB`);
  if (!Number.isSafeInteger(preferred) || preferred <= 0) throw new RangeError(`part size must be a positive whole number of bytes, got ${preferred}`);
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  return Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, preferred, needed));
}

/** The byte ranges of a multipart copy of `size` bytes. */
export function planParts(size: number, preferredPartSize?: number): PartPlan {
  const partSize = choosePartSize(size, preferredPartSize);
  const parts: PartRange[] = [];
  for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber++) {
    parts.push({ partNumber, start, end: Math.min(start + partSize, size) - 1 });
  }
  return { partSize, parts };
}
