/**
 * The raw side of benchmark 2 (bench/delivery.ts), in a process of its own as the worker's copies
 * are: the very CopyObject a delivery sends (src/aws/s3-copy.ts: pinned, ETag-guarded, SSE-KMS,
 * CRC64NVME, provenance tags, metadata replaced), straight with the SDK at the worker's deliver concurrency, no queue.
 * One long-lived process, so its SDK is as warm as the worker's. Reads one round per line on stdin
 * (JSON: source key, its ETag, the target file name) and answers one line per round on stdout
 * (JSON: copies per second, from the first copy done to the last, as the pipeline's rate is taken):
 * `count` copies, to raw/bench-<i>/feeds/price-lists/<name>.
 *
 *   node --import tsx bench/raw-copies.ts --endpoint URL --bucket B --kms ARN --count 1000 --concurrency 16
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { copyObject } from '../src/aws/s3-copy.js';
import { provenanceTagging } from '../src/aws/s3-copy-source.js';
import { createLocalS3Client } from '../tools/local/s3.js';
import { pool } from './lib.js';

const { values: a } = parseArgs({
  options: { endpoint: { type: 'string' }, bucket: { type: 'string' }, kms: { type: 'string' }, count: { type: 'string' }, concurrency: { type: 'string' } },
});
const client = createLocalS3Client(a.endpoint!);
const count = Number(a.count);

for await (const line of createInterface({ input: process.stdin })) {
  const round = JSON.parse(line) as { source: string; etag: string; targetName: string };
  let first = Number.NaN;
  let last = Number.NaN;
  await pool(count, Number(a.concurrency), async (i) => {
    const copied = await copyObject(
      client,
      { bucket: a.bucket!, key: round.source, etag: round.etag },
      { bucket: a.bucket!, key: `raw/bench-${String(i).padStart(5, '0')}/feeds/price-lists/${round.targetName}`, kmsKeyArn: a.kms!, tagging: provenanceTagging(round.source, undefined), metadata: { headers: { contentType: 'text/csv' }, user: {} } },
    );
    if (copied.checksum === undefined) throw new Error('s3rver answered no CRC64NVME: the compat layer is off');
    last = performance.now();
    if (Number.isNaN(first)) first = last;
  });
  // As the pipeline's rate is taken: completions per second from the first to the last.
  process.stdout.write(`${JSON.stringify({ perSecond: (count - 1) / ((last - first) / 1000) })}\n`);
}
client.destroy();
