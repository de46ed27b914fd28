/** The S3 client of the distribution bucket, built once by the composition root. */
import { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from './policies/platform.js';

export interface S3ClientOptions {
  /** Path-style addressing (S3_FORCE_PATH_STYLE): local S3 servers such as s3rver need it. */
  forcePathStyle?: boolean;
  /**
   * When the SDK adds request checksums. The SDK default (WHEN_SUPPORTED) is right for AWS; a local
   * s3rver stores streamed bodies with their aws-chunked framing unless this is WHEN_REQUIRED.
   */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Attempts per request by the SDK's own retry (throttling, 5xx, network). SDK default 3. */
  maxAttempts?: number;
}

/**
 * Region from the platform; the endpoint follows the SDK's own settings (AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL), and credentials the default provider chain.
 */
export function createS3Client(platform: Pick<PlatformConfig, 'region'>, options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    region: platform.region,
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.requestChecksumCalculation ? { requestChecksumCalculation: options.requestChecksumCalculation } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
}
