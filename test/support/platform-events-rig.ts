/**
 * The platform events consumer in the worker role's wiring, for its integration tests: the worker
 * rig (./worker-rig.ts: the container on real Redis, audits kept, logs captured), SQS through
 * aws-sdk-client-mock (deletes accepted) and the fake AWS account the platform check reads.
 * `deliver` hands the consumer one receive of these bodies, as SQS would.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { platformEventsWorkers } from '../../src/container/workers.js';
import type { SqsPoller } from '../../src/jobs/platform/sqs-poller.js';
import { FakeAws } from './fake-aws.js';
import { startWorkerRig, type SlackWorkerRig, type WorkerRig, type WorkerRigOptions } from './worker-rig.js';

export const PLATFORM_EVENTS_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/partnergate-platform-events';

export type PlatformEventsRig<R extends WorkerRig = WorkerRig> = R & {
  source: SqsPoller;
  sqsMock: ReturnType<typeof mockClient>;
  /** The AWS account the platform check reads (../support/fake-aws.ts). */
  fake: FakeAws;
  /** One receive of these bodies; resolves to how many messages were deleted. */
  deliver(...bodies: (string | Record<string, unknown>)[]): Promise<number>;
  /** The checks waiting on the reconcile queue. */
  checks(): Promise<{ name: string; data: unknown }[]>;
};

export async function startPlatformEventsRig(tag: string, o?: WorkerRigOptions & { slack?: false }): Promise<PlatformEventsRig>;
export async function startPlatformEventsRig(tag: string, o: WorkerRigOptions & { slack: true }): Promise<PlatformEventsRig<SlackWorkerRig>>;
export async function startPlatformEventsRig(tag: string, o: WorkerRigOptions = {}): Promise<PlatformEventsRig<WorkerRig | SlackWorkerRig>> {
  const sqsMock = mockClient(SQSClient);
  let fake!: FakeAws;
  const rig = await startWorkerRig(tag, {
    ...o,
    env: { PLATFORM_EVENTS_QUEUE_URL, ...o.env },
    overrides: (config, redis) => {
      fake = new FakeAws({ redis, ns: `${config.prefix}:fakeaws`, platform: config.platform });
      return { sqs: new SQSClient({ region: 'eu-west-1' }), awsClients: fake.clients(), ...o.overrides?.(config, redis) };
    },
  });
  const source = platformEventsWorkers(rig.c).source!;
  sqsMock.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
  return {
    ...rig, source, sqsMock, fake,
    async deliver(...bodies) {
      sqsMock.on(ReceiveMessageCommand).resolves({
        Messages: bodies.map((b, i) => ({ MessageId: `m${i}`, ReceiptHandle: `rh${i}`, Body: typeof b === 'string' ? b : JSON.stringify(b) })),
      });
      return source.receiveOnce();
    },
    checks: async () => (await rig.c.queues.reconcile.getJobs(['delayed', 'waiting'])).map((j) => ({ name: j.name, data: j.data as unknown })),
    async close() {
      sqsMock.restore();
      fake.restore();
      await rig.close();
    },
  };
}
