/** Deliveries: how a version of a file is named, its source's facts, and the record of one delivery. Pure. */
import { createHash } from 'node:crypto';
import type { CarriedMetadata } from './delivery-metadata.js';

/** A version of an object as the sources see it. `versionId` is absent on an unversioned bucket. */
export interface VersionRef {
  key: string;
  versionId?: string | undefined;
  etag?: string | undefined;
}

export function normalizeEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}

/**
 * What names a version: its version id, or — on an unversioned bucket, or the `null` version of a
 * suspended one — its ETag. The same version from HeadObject and from an S3 event gives the same tag.
 */
export function versionTag(v: VersionRef): string {
  if (v.versionId !== undefined && v.versionId !== '' && v.versionId !== 'null') return `v:${v.versionId}`;
  return `e:${normalizeEtag(v.etag)}`;
}

const sha = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');

/** The id of a (key, version): no `:`, never all digits. */
export const versionHash = (v: VersionRef): string => sha(v.key, versionTag(v)).slice(0, 32);

/** The id of a (key, version, partner). */
export const deliveryHash = (v: VersionRef, partnerId: string): string => sha(v.key, versionTag(v), partnerId).slice(0, 40);

/** The facts of one source version a copy is pinned to, guarded by and checked against. */
export interface SourceFacts {
  /** As S3 sent it (quoted or not): the copy is refused (412) when the source no longer has it. */
  etag: string;
  size: number;
  /** The full-object CRC64NVME S3 keeps for the version (base64), when it has one. */
  crc64nvme?: string;
  /**
   * What the copy is written with (MetadataDirective REPLACE): the content headers and the
   * allow-listed user metadata, already filtered (src/domain/delivery-metadata.ts). Absent in facts
   * queued before copies replaced metadata: the copy then reads the source itself.
   */
  metadata?: CarriedMetadata;
}

/** One line of a partner's delivery history (and the body of a receipt). */
export interface DeliveryRecord {
  outcome: 'delivered' | 'failed';
  at: string;
  partnerId: string;
  key: string;
  versionId: string | null;
  targetKey: string;
  size?: number;
  checksum?: { algorithm: string; value: string };
  multipart?: boolean;
  /** The copy's ETag (quotes removed), when S3 answered one: what download events name. */
  etag?: string;
  /** Seconds from the source's LastModified to the delivery, when known. */
  latencySeconds?: number;
  error?: { code: string; message: string };
  /** Who asked for a forced re-send. */
  forcedBy?: string;
}
