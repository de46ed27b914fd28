/**
 * docs/deploy.md and docs/operations.md name what manifests/runtime.yaml creates: the commands use
 * its parameters, cluster, service, log group, secrets and replication group, and the alerts table is
 * its alarms, every one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../tools/cloudformation/cloudformation.js';

const read = (path: string) => readFileSync(path, 'utf8');
const runtime = () => parseTemplate(read('manifests/runtime.yaml'));
const platform = () => parseTemplate(read('manifests/platform.yaml'));
const deployDoc = () => read('docs/deploy.md');
const operationsDoc = () => read('docs/operations.md');
const props = (id: string) => runtime().Resources[id]!.Properties!;

/** The `Key=` words of the runtime stack's first deployment in docs/deploy.md. */
function runtimeOverrides(): string[] {
  const doc = deployDoc();
  const start = doc.indexOf('aws cloudformation deploy --stack-name partnergate-runtime');
  const command = doc.slice(start, doc.indexOf('```', start));
  return [...command.matchAll(/\s([A-Z][A-Za-z]+)=/g)].map((m) => m[1]!);
}

describe('docs/deploy.md and docs/operations.md against manifests/runtime.yaml', () => {
  it('when the runtime stack is deployed as written, then every parameter given is one it declares, and every required one is given', () => {
    const parameters = runtime().Parameters!;
    const given = runtimeOverrides();
    for (const key of given) expect(Object.keys(parameters), key).toContain(key);
    const fromPlatform = Object.keys(platform().Outputs!).filter((key) => key !== 'BotRoleArn');
    expect(deployDoc()).toContain('select(.OutputKey != "BotRoleArn")');
    const required = Object.entries(parameters).filter(([, p]) => p['Default'] === undefined).map(([key]) => key);
    for (const key of required) expect([...given, ...fromPlatform], key).toContain(key);
  });

  it('when the guides name the cluster, the service, the log group, the task definition, the secrets and the Redis group, then those are the stack\'s', () => {
    const both = deployDoc() + operationsDoc();
    expect(props('Cluster')['ClusterName']).toBe('partnergate');
    // Socket Mode's one service; HTTP mode's web and worker services.
    expect(props('Service')['ServiceName']).toEqual({ 'Fn::If': ['HttpMode', 'partnergate-web', 'partnergate-bot'] });
    expect(props('WorkerService')['ServiceName']).toBe('partnergate-worker');
    expect(props('LogGroup')['LogGroupName']).toBe('/ecs/partnergate');
    expect(props('TaskDefinition')['Family']).toBe('partnergate-bot');
    expect(props('Redis')['ReplicationGroupId']).toBe('partnergate');
    expect(both).toContain('--cluster partnergate --service partnergate-bot');
    for (const name of ['partnergate-web', 'partnergate-worker']) {
      expect(deployDoc(), name).toContain(name);
      expect(operationsDoc(), name).toContain(name);
    }
    expect(both).toContain('aws logs tail /ecs/partnergate');
    expect(deployDoc()).toContain('--replication-group-id partnergate');
    for (const id of ['ApprovalSigningKeySecret', 'RedisAuthSecret', 'RedisUrlSecret']) {
      const name = (props(id)['Name'] as { 'Fn::Sub': string })['Fn::Sub'].replace('${AWS::StackName}', '$STACK');
      expect(deployDoc(), id).toContain(`"${name}"`);
    }
    // The bot container's log stream, as awslogs names it: prefix/container/task-id.
    // Socket Mode `bot/bot/`, HTTP mode `web/bot/` and `worker/worker/`.
    const bot = (props('TaskDefinition')['ContainerDefinitions'] as Array<Record<string, any>>).find((c) => c['Name'] === 'bot')!;
    const [, http, socket] = bot['LogConfiguration']['Options']['awslogs-stream-prefix']['Fn::If'] as [string, string, string];
    expect(operationsDoc()).toContain(`${socket}/bot/`);
    expect(operationsDoc()).toContain(`${http}/bot/`);
    const worker = (props('WorkerTaskDefinition')['ContainerDefinitions'] as Array<Record<string, any>>)[0]!;
    expect(operationsDoc()).toContain(`${worker['LogConfiguration']['Options']['awslogs-stream-prefix']}/${worker['Name']}/`);
  });

  it('when docs/operations.md lists the alerts, then its table is every alarm of the stack, by name', () => {
    const alarms = Object.values(runtime().Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties!['AlarmName'] as string);
    const doc = operationsDoc();
    const table = doc.slice(doc.indexOf('## Alerts'), doc.indexOf('## Running a command as the bot'));
    const listed = [...table.matchAll(/^\| `(partnergate-[a-z-]+)` \|/gm)].map((m) => m[1]!);
    expect(listed.sort()).toEqual(alarms.sort());
  });
});
