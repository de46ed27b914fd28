/**
 * manifests/runtime.yaml evaluated offline the way the platform stack's tests evaluate platform.yaml
 * (tools/cloudformation): deployed with the platform stack's own Outputs, its references resolve, the
 * bot's configuration loads from what ECS would hand the container, no secret is in plain text, the
 * task role is the platform's bot role and its trust lets this stack's tasks in, the stop timeout
 * outlasts the drain, the load balancer's idle timeout is below the bot's keep-alive, and every alarm
 * watches a metric something publishes. (Staleness of its generated blocks: test/unit/manifests.test.ts.)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadPlatformConfig } from '../../src/config.js';
import { parseApprovalSigningKey } from '../../src/domain/approval-seal.js';
import { isSecretKey } from '../../src/domain/secrets.js';
import { DRAIN_TIMEOUT_MS } from '../../src/main.js';
import { KEEP_ALIVE_MS, startHttpServer } from '../../src/bot/transport/server.js';
import { CLOUDWATCH_METRICS, parseExporterArgs, UP_METRIC } from '../../src/cli/cloudwatch-metrics.js';
import type { PolicyDocument } from '../../src/aws/policies/index.js';
import { botStopTimeoutSeconds, FARGATE_MAX_STOP_TIMEOUT_SECONDS } from '../../scripts/manifests/blocks.js';
import {
  dependencyCycle,
  dependsOn,
  deploy,
  evaluateCondition,
  isCreated,
  parseTemplate,
  propertiesOf,
  referenceProblems,
  resolve,
  type CfnTemplate,
  type Deployment,
} from '../../tools/cloudformation/cloudformation.js';
import { IamEngine } from '../../tools/isolation/iam-engine.js';
import { ACCOUNT, deployPlatform, envName, outputsAsEnv, outputsOf, platformTemplate, pseudoOf, REGIONS, type Region } from '../support/platform-stack.js';

const read = (path: string) => readFileSync(path, 'utf8');
const runtimeTemplate = () => parseTemplate(read('manifests/runtime.yaml'));

type Mode = 'socket' | 'http';
const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/partnergate:0.1.0`;
const SLACK_CREDENTIALS = { SLACK_BOT_TOKEN: 'xoxb-1-2-abcdef', SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5', SLACK_APP_TOKEN: 'xapp-1-A0-1-abcdef' };
const REDIS_TOKEN = 'R3d1sAuthT0kenR3d1sAuthT0kenR3d1sAuthT0kenR3d1sAuthT0kenR3d1sAu';
const SIGNING_KEY = 'Zq8vN2xL5kP0aW3rT6yU9iO1eS4dF7gH2jK5lM8nB0vC3xZ6qW9eR2tY5uI8oP1a';
const PRIMARY = 'master.partnergate-redis.abc123.euw1.cache.amazonaws.com';

const secretArn = (r: Region, name: string) => `arn:${r.partition}:secretsmanager:${r.region}:${ACCOUNT}:secret:${name}-AbC123`;

/** What the platform stack hands this one: its Outputs under the keys this template declares (BotRoleArn is derived here). */
function platformParameters(platform: Deployment, runtime: CfnTemplate): Record<string, string> {
  const declared = new Set(Object.keys(runtime.Parameters ?? {}));
  return Object.fromEntries(Object.entries(outputsOf(platform)).filter(([key]) => declared.has(key)));
}

interface Deployed {
  r: Region;
  mode: Mode;
  platform: Deployment;
  d: Deployment;
}

function deployRuntime(mode: Mode = 'socket', r: Region = REGIONS[0]!, parameters: Record<string, string> = {}): Deployed {
  const platform = deployPlatform(platformTemplate(), r);
  const t = runtimeTemplate();
  const d = deploy(
    t,
    {
      ...platformParameters(platform, t),
      ImageUri: IMAGE,
      SlackMode: mode,
      SlackSecretArn: secretArn(r, 'partnergate/slack'),
      ApprovalsChannel: 'C0123456789',
      Approvers: 'U0123456789,U0987654321',
      VpcId: 'vpc-0123456789abcdef0',
      SubnetIds: 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb',
      ...(mode === 'http' ? { PublicSubnetIds: 'subnet-0cccccccccccccccc,subnet-0dddddddddddddddd', CertificateArn: `arn:${r.partition}:acm:${r.region}:${ACCOUNT}:certificate/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c` } : {}),
      ...parameters,
    },
    pseudoOf(r),
    {
      ApprovalSigningKeySecret: { Ref: secretArn(r, 'partnergate-test/approval-signing-key') },
      RedisAuthSecret: { Ref: secretArn(r, 'partnergate-test/redis-auth') },
      RedisUrlSecret: { Ref: secretArn(r, 'partnergate-test/redis-url') },
      Redis: { 'PrimaryEndPoint.Address': PRIMARY, 'PrimaryEndPoint.Port': '6379' },
      RedisParameters: { Ref: 'partnergate-test-redisparameters-1a2b3c' },
      RedisSubnetGroup: { Ref: 'partnergate-test-redissubnetgroup-1a2b3c' },
      RedisSecurityGroup: { GroupId: 'sg-0redis00000000000' },
      TaskSecurityGroup: { GroupId: 'sg-0tasks00000000000' },
      LoadBalancerSecurityGroup: { GroupId: 'sg-0alb0000000000000' },
      ExecutionRole: { Arn: `arn:${r.partition}:iam::${ACCOUNT}:role/partnergate-test-ExecutionRole-1A2B3C4D5E6F` },
      LoadBalancer: { Ref: `arn:${r.partition}:elasticloadbalancing:${r.region}:${ACCOUNT}:loadbalancer/app/partnergate/0123456789abcdef`, DNSName: 'partnergate-123.eu-west-1.elb.amazonaws.com' },
      SlackTargetGroup: { Ref: `arn:${r.partition}:elasticloadbalancing:${r.region}:${ACCOUNT}:targetgroup/partnergate/0123456789abcdef` },
      HttpsListener: { Ref: `arn:${r.partition}:elasticloadbalancing:${r.region}:${ACCOUNT}:listener/app/partnergate/0123456789abcdef/0123456789abcdef` },
      SlackListenerRule: { Ref: `arn:${r.partition}:elasticloadbalancing:${r.region}:${ACCOUNT}:listener-rule/app/partnergate/0123456789abcdef/0123456789abcdef/1` },
      SlackRoutingReady: { Ref: 'https://cloudformation-waitcondition.example/handle' },
    },
  );
  return { r, mode, platform, d };
}

type Container = Record<string, any>;
const containers = (d: Deployment, task = 'TaskDefinition'): Container[] => propertiesOf(d, task)['ContainerDefinitions'];
const container = (d: Deployment, name: string, task = 'TaskDefinition'): Container => containers(d, task).find((c) => c['Name'] === name)!;

/** Secrets Manager as the task would find it: each secret's value by ARN, the generated ones as CloudFormation would make them. */
function secretStore(x: Deployed): Map<string, string> {
  const store = new Map<string, string>([
    [secretArn(x.r, 'partnergate/slack'), JSON.stringify(SLACK_CREDENTIALS)],
    [x.d.physical('ApprovalSigningKeySecret', null), SIGNING_KEY],
    [x.d.physical('RedisAuthSecret', null), JSON.stringify({ token: REDIS_TOKEN })],
  ]);
  const url = String(propertiesOf(x.d, 'RedisUrlSecret')['SecretString']);
  store.set(x.d.physical('RedisUrlSecret', null), resolveDynamicReferences(url, store));
  return store;
}

/** CloudFormation's `{{resolve:secretsmanager:<id>:SecretString:<json-key>}}`, against the store. */
function resolveDynamicReferences(text: string, store: Map<string, string>): string {
  return text.replace(/\{\{resolve:secretsmanager:(arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:[^:]+):SecretString:([^:}]*)(?::[^}]*)?\}\}/g, (_, id: string, key: string) => {
    const value = store.get(id);
    if (value === undefined) throw new Error(`no secret ${id}`);
    return key === '' ? value : String((JSON.parse(value) as Record<string, unknown>)[key]);
  });
}

/** ECS's `valueFrom`: a secret's ARN, optionally `:json-key:version-stage:version-id`; a missing secret or key fails the task. */
function ecsSecretValue(valueFrom: string, store: Map<string, string>): string {
  const parts = valueFrom.split(':');
  const arn = parts.slice(0, 7).join(':');
  const value = store.get(arn);
  if (value === undefined) throw new Error(`ECS: no secret ${arn}`);
  const key = parts[7];
  if (key === undefined || key === '') return value;
  expect(parts).toHaveLength(10);
  const picked = (JSON.parse(value) as Record<string, unknown>)[key];
  if (typeof picked !== 'string') throw new Error(`ECS: secret ${arn} has no key ${key}`);
  return picked;
}

/** The environment the bot container starts with: its Environment, then its Secrets as ECS injects them. */
function containerEnv(x: Deployed, name = 'bot'): Record<string, string> {
  const c = container(x.d, name);
  const store = secretStore(x);
  const env: Record<string, string> = {};
  for (const e of (c['Environment'] ?? []) as Array<{ Name: string; Value: string }>) env[e.Name] = String(e.Value);
  for (const s of (c['Secrets'] ?? []) as Array<{ Name: string; ValueFrom: string }>) env[s.Name] = ecsSecretValue(s.ValueFrom, store);
  return env;
}

const MODES: Mode[] = ['socket', 'http'];

describe('manifests/runtime.yaml as CloudFormation', () => {
  it.each(MODES)('when parsed (%s mode), then every Ref, GetAtt, Sub, condition and DependsOn names something that exists, and nothing is circular', (mode) => {
    const t = runtimeTemplate();
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(referenceProblems(t)).toEqual([]);
    expect(dependencyCycle(t)).toBeNull();
    expect(() => deployRuntime(mode)).not.toThrow();
  });

  it('when the platform stack\'s Outputs are passed, then each is a parameter of the same name that becomes the variable the output names, and only BotRoleArn is left (the task role is derived)', () => {
    const platformOutputs = Object.keys(platformTemplate().Outputs ?? {});
    const t = runtimeTemplate();
    const parameters = Object.keys(t.Parameters ?? {});
    expect(platformOutputs.filter((key) => !parameters.includes(key))).toEqual(['BotRoleArn']);
    const { d } = deployRuntime();
    const fromRef = new Map<string, string>();
    const definitions = runtimeTemplate().Resources['TaskDefinition']!.Properties!['ContainerDefinitions'] as Array<{ Environment: Array<Record<string, any>> }>;
    for (const e of definitions[0]!.Environment) {
      const entry = e['Fn::If'] ? e['Fn::If'][1] : e;
      if (entry?.Value?.Ref !== undefined) fromRef.set(entry.Value.Ref, entry.Name);
    }
    for (const key of platformOutputs.filter((k) => k !== 'BotRoleArn')) expect(fromRef.get(key), key).toBe(envName(key));
    expect(d.parameters['AwsRegion']).toBe('eu-west-1');
  });

  describe.each(REGIONS)('when deployed in $region with the platform\'s Outputs', (r) => {
    it.each(MODES)('then the bot container\'s environment (%s mode) is a valid configuration: the platform\'s, the Slack app\'s, and Redis over TLS with AUTH', (mode) => {
      const x = deployRuntime(mode, r);
      const env = containerEnv(x);
      const config = loadConfig(env);
      expect(config.platform).toEqual(loadPlatformConfig(outputsAsEnv(x.platform)));
      const outputs = outputsOf(x.platform);
      expect(config.transferHost).toBe(outputs['TransferHost']);
      expect(config.deliveryQueueUrl).toBe(outputs['DeliveryQueueUrl']);
      expect(config.platformEventsQueueUrl).toBe(outputs['PlatformEventsQueueUrl']);
      expect(config.redisUrl).toBe(`rediss://:${REDIS_TOKEN}@${PRIMARY}:6379`);
      expect(config.slack.botToken).toBe(SLACK_CREDENTIALS.SLACK_BOT_TOKEN);
      expect(config.slack.signingSecret).toBe(SLACK_CREDENTIALS.SLACK_SIGNING_SECRET);
      // The app-level token is what selects Socket Mode (src/main.ts): HTTP mode must not have it.
      expect(config.slack.appToken).toBe(mode === 'socket' ? SLACK_CREDENTIALS.SLACK_APP_TOKEN : undefined);
      expect(config.slack.approvers).toEqual(['U0123456789', 'U0987654321']);
      expect(config.port).toBe(3000);
      expect(config.metricsPort).toBe(9464);
    });
  });

  it('when the optional Slack settings are given, then they reach the bot, and left empty they are not set at all', () => {
    const given = loadConfig(containerEnv(deployRuntime('socket', REGIONS[0], { Approvers: '', ApproverUsergroup: 'S0123ABCD', SlackTeamId: 'T0123ABCD', DeliveriesChannel: 'C0DELIVERS' })));
    expect(given.slack.approvers).toEqual([]);
    expect(given.slack.approverUsergroup).toBe('S0123ABCD');
    expect(given.slack.teamId).toBe('T0123ABCD');
    expect(given.slack.deliveriesChannel).toBe('C0DELIVERS');
    const names = (container(deployRuntime().d, 'bot')['Environment'] as Array<{ Name: string }>).map((e) => e.Name);
    for (const name of ['APPROVER_USERGROUP', 'SLACK_TEAM_ID', 'DELIVERIES_CHANNEL']) expect(names).not.toContain(name);
  });
});

describe('no secret in plain text', () => {
  const SECRET_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'APPROVAL_SIGNING_KEY', 'REDIS_URL'];

  it.each(MODES)('when the bot container is read (%s mode), then every secret comes from Secrets Manager through ECS Secrets, and its Environment names none', (mode) => {
    const c = container(deployRuntime(mode).d, 'bot');
    const plain = (c['Environment'] as Array<{ Name: string }>).map((e) => e.Name);
    const injected = (c['Secrets'] as Array<{ Name: string; ValueFrom: string }>).map((s) => s.Name);
    for (const name of plain) {
      expect(isSecretKey(name), name).toBe(false);
      expect(SECRET_VARIABLES).not.toContain(name);
    }
    expect(injected.sort()).toEqual(SECRET_VARIABLES.filter((v) => mode === 'socket' || v !== 'SLACK_APP_TOKEN').sort());
    for (const s of c['Secrets'] as Array<{ ValueFrom: string }>) expect(s.ValueFrom).toMatch(/^arn:aws[a-z-]*:secretsmanager:/);
  });

  it('when the template is read, then it holds no token, no key and no parameter for one: Redis\'s AUTH token is a dynamic reference to a generated secret', () => {
    const text = read('manifests/runtime.yaml');
    expect(text).not.toMatch(/xox[abpr]-|xapp-|AKIA[0-9A-Z]{16}/);
    const t = runtimeTemplate();
    for (const [name, p] of Object.entries(t.Parameters ?? {})) {
      expect(isSecretKey(name), name).toBe(false);
      expect(p['NoEcho'], name).toBeUndefined();
    }
    const x = deployRuntime();
    expect(propertiesOf(x.d, 'Redis')['AuthToken']).toBe(`{{resolve:secretsmanager:${x.d.physical('RedisAuthSecret', null)}:SecretString:token}}`);
    expect(propertiesOf(x.d, 'RedisUrlSecret')['SecretString']).toBe(`rediss://:{{resolve:secretsmanager:${x.d.physical('RedisAuthSecret', null)}:SecretString:token}}@${PRIMARY}:6379`);
    for (const id of ['ApprovalSigningKeySecret', 'RedisAuthSecret']) expect(propertiesOf(x.d, id)['SecretString'], id).toBeUndefined();
    // The Outputs name secrets, never hold them.
    for (const [key, o] of Object.entries(t.Outputs ?? {})) expect(JSON.stringify(o.Value), key).not.toContain('resolve:secretsmanager');
  });

  it('when a secret is generated, then what Secrets Manager makes is what the bot and ElastiCache accept', () => {
    const x = deployRuntime();
    const key = propertiesOf(x.d, 'ApprovalSigningKeySecret')['GenerateSecretString'];
    const token = propertiesOf(x.d, 'RedisAuthSecret')['GenerateSecretString'];
    expect(key).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false });
    expect(key['SecretStringTemplate']).toBeUndefined();
    expect(token).toMatchObject({ SecretStringTemplate: '{}', GenerateStringKey: 'token', ExcludePunctuation: true, IncludeSpace: false });
    const alnum = (n: number) => fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), { minLength: n, maxLength: n }).map((a) => a.join(''));
    fc.assert(
      fc.property(alnum(key['PasswordLength']), alnum(token['PasswordLength']), (k, t) => {
        fc.pre(new Set(k).size > 1);
        expect(parseApprovalSigningKey(k).ok).toBe(true);
        // ElastiCache: 16 to 128 printable characters, none of space, /, " or @.
        expect(t).toMatch(/^[^\s/"@]{16,128}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('when a task starts, then only the execution role reads the secrets, and only these three', async () => {
    const x = deployRuntime();
    const execution = propertiesOf(x.d, 'ExecutionRole');
    expect(execution['AssumeRolePolicyDocument']['Statement']).toEqual([
      { Sid: 'EcsTasksOfThisAccount', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } },
    ]);
    expect(execution['ManagedPolicyArns']).toEqual(['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy']);
    const statements = execution['Policies'].flatMap((p: { PolicyDocument: PolicyDocument }) => p.PolicyDocument.Statement);
    expect(statements).toEqual([
      { Sid: 'TaskSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [secretArn(x.r, 'partnergate/slack'), x.d.physical('ApprovalSigningKeySecret', null), x.d.physical('RedisUrlSecret', null)] },
    ]);
    // Nothing in this stack gives the bot role anything: its rights are the platform's renderer's alone.
    const botRole = x.platform.physical('BotRole', 'Arn');
    for (const [id, res] of Object.entries(x.d.template.Resources)) {
      if (res.Type === 'AWS::ECS::TaskDefinition') continue;
      expect(JSON.stringify(resolve(x.d, res.Properties ?? {})), id).not.toContain(':role/partnergate/');
    }
    // HTTP mode adds the worker's task definition: the same execution role, a sidecar without secrets too.
    const http = deployRuntime('http');
    for (const [d, task] of [[x.d, 'TaskDefinition'], [http.d, 'TaskDefinition'], [http.d, 'WorkerTaskDefinition']] as const) {
      expect(propertiesOf(d, task)['ExecutionRoleArn'], task).not.toBe(botRole);
      expect(container(d, 'metrics', task)['Secrets'], task).toBeUndefined();
      expect(container(d, 'metrics', task)['Environment'], task).toBeUndefined();
    }
  });
});

describe('the task role is the bot role', () => {
  it.each(REGIONS)('when deployed in $region, then the task role is the platform stack\'s BotRole, and its trust lets this stack\'s tasks assume it', async (r) => {
    const x = deployRuntime('socket', r);
    const td = propertiesOf(x.d, 'TaskDefinition');
    expect(td['TaskRoleArn']).toBe(x.platform.physical('BotRole', 'Arn'));
    const trust = propertiesOf(x.platform, 'BotRole')['AssumeRolePolicyDocument'] as PolicyDocument;
    const cluster = x.d.physical('Cluster', null);
    const engine = new IamEngine();
    const assume = (context: Record<string, string>) =>
      engine.simulate({ identity: [], resource: trust }, { principal: 'ecs-tasks.amazonaws.com', action: 'sts:AssumeRole', resource: td['TaskRoleArn'], resourceAccount: ACCOUNT, context });
    const task = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:${r.partition}:ecs:${r.region}:${ACCOUNT}:task/${cluster}/0123456789abcdef0123456789abcdef` };
    expect((await assume(task)).decision).toBe('Allowed');
    // The same stack in another region would get no credentials: the rule below refuses it.
    const elsewhere = { ...task, 'aws:SourceArn': task['aws:SourceArn'].replace(`:${r.region}:`, r.partition === 'aws' ? ':us-east-2:' : ':cn-northwest-1:') };
    expect((await assume(elsewhere)).decision).not.toBe('Allowed');
  });

  it('when deployed in another region or account than the platform\'s, then the stack\'s rule refuses it', () => {
    const t = runtimeTemplate();
    const rule = t.Rules!['SameAccountAndRegionAsThePlatform']!;
    const holds = (pseudo: Record<string, string>) => {
      const x = deployRuntime();
      const d = deploy(t, x.d.parameters, { ...pseudoOf(REGIONS[0]!), ...pseudo });
      return rule.Assertions.every((a) => evaluateCondition(d, a.Assert));
    };
    expect(holds({})).toBe(true);
    expect(holds({ 'AWS::Region': 'us-east-2' })).toBe(false);
    expect(holds({ 'AWS::AccountId': '444455556666' })).toBe(false);
  });

  it.each(['bot-task-role', 'worker-task-role'])('when the bot role\'s name or path changes in the renderer, then the task role follows (the generated block %s)', (name) => {
    const block = read('manifests/runtime.yaml').match(new RegExp(`# BEGIN GENERATED ${name}[^\\n]*\\n( *TaskRoleArn: .*)\\n`));
    expect(block?.[1]?.trim()).toBe('TaskRoleArn: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/partnergate/partnergate-bot');
  });
});

describe('shutdown and health', () => {
  it('when ECS stops the bot, then its stopTimeout outlasts the drain\'s deadline and stays within Fargate\'s limit', () => {
    const bot = container(deployRuntime().d, 'bot');
    expect(bot['StopTimeout']).toBe(botStopTimeoutSeconds());
    expect(bot['StopTimeout'] * 1000).toBeGreaterThan(DRAIN_TIMEOUT_MS);
    expect(bot['StopTimeout']).toBeLessThanOrEqual(FARGATE_MAX_STOP_TIMEOUT_SECONDS);
    expect(bot['Essential']).toBe(true);
    expect(bot['Command']).toEqual(['start']);
  });

  it('when the drain\'s deadline would leave no time within Fargate\'s limit, then rendering refuses', () => {
    expect(() => botStopTimeoutSeconds(100_000)).toThrow(/above Fargate's 120 s: shorten DRAIN_TIMEOUT_MS/);
  });

  it('when ECS runs the container health check, then it asks the bot\'s /healthz on PORT: 0 while it answers, 1 when nothing does', async () => {
    const x = deployRuntime();
    const bot = container(x.d, 'bot');
    const [kind, node, flag, script] = bot['HealthCheck']['Command'] as string[];
    expect([kind, node, flag]).toEqual(['CMD', 'node', '-e']);
    const port = containerEnv(x)['PORT'];
    expect(script).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(bot['PortMappings']).toEqual([{ ContainerPort: Number(port), Protocol: 'tcp' }]);
    const server = await startHttpServer({ ready: async () => false }, 0, '127.0.0.1');
    const run = promisify(execFile);
    try {
      await expect(run(process.execPath, ['-e', script!.replace(`:${port}/`, `:${server.port}/`)])).resolves.toBeDefined();
    } finally {
      await server.close();
    }
    await expect(run(process.execPath, ['-e', script!.replace(`:${port}/`, `:${server.port}/`)])).rejects.toMatchObject({ code: 1 });
  });
});

describe('Socket Mode (the default) and HTTP mode', () => {
  const LOAD_BALANCING = ['LoadBalancer', 'LoadBalancerSecurityGroup', 'TasksFromLoadBalancer', 'SlackTargetGroup', 'HttpsListener', 'SlackListenerRule'];

  it('when SlackMode is left out, then it is Socket Mode: no load balancer, nothing may reach the tasks, and the service has no target group', () => {
    const x = deployRuntime();
    expect(x.d.parameters['SlackMode']).toBe('socket');
    for (const id of LOAD_BALANCING) expect(isCreated(x.d, x.d.template.Resources[id]!), id).toBe(false);
    expect(propertiesOf(x.d, 'TaskSecurityGroup')['SecurityGroupIngress']).toBeUndefined();
    const ingress = Object.entries(x.d.template.Resources).filter(([, res]) => res.Type === 'AWS::EC2::SecurityGroupIngress' && isCreated(x.d, res));
    expect(ingress.map(([id]) => id)).toEqual(['RedisFromTasks']);
    expect(propertiesOf(x.d, 'Service')['LoadBalancers']).toBeUndefined();
  });

  it('when HTTP mode is chosen, then the load balancer\'s idle timeout is below the bot\'s keep-alive, its health check is /healthz on the bot\'s port, and only /slack/events is forwarded', () => {
    const x = deployRuntime('http');
    for (const id of LOAD_BALANCING) expect(isCreated(x.d, x.d.template.Resources[id]!), id).toBe(true);
    const attributes = Object.fromEntries((propertiesOf(x.d, 'LoadBalancer')['LoadBalancerAttributes'] as Array<{ Key: string; Value: string }>).map((a) => [a.Key, a.Value]));
    expect(Number(attributes['idle_timeout.timeout_seconds']) * 1000).toBeLessThan(KEEP_ALIVE_MS);
    const port = Number(containerEnv(x)['PORT']);
    expect(propertiesOf(x.d, 'SlackTargetGroup')).toMatchObject({ TargetType: 'ip', Port: port, HealthCheckPath: '/healthz', Matcher: { HttpCode: '200' } });
    expect(propertiesOf(x.d, 'Service')['LoadBalancers']).toEqual([{ ContainerName: 'bot', ContainerPort: port, TargetGroupArn: x.d.physical('SlackTargetGroup', null) }]);
    const listener = propertiesOf(x.d, 'HttpsListener');
    expect(listener).toMatchObject({ Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: x.d.parameters['CertificateArn'] }] });
    expect(listener['DefaultActions'][0]['Type']).toBe('fixed-response');
    const rule = propertiesOf(x.d, 'SlackListenerRule');
    expect(rule['Conditions']).toEqual([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/slack/events'] } }]);
    expect(rule['Actions']).toEqual([{ Type: 'forward', TargetGroupArn: x.d.physical('SlackTargetGroup', null) }]);
    expect(propertiesOf(x.d, 'TasksFromLoadBalancer')).toMatchObject({ FromPort: port, ToPort: port, SourceSecurityGroupId: x.d.physical('LoadBalancerSecurityGroup', 'GroupId') });
    // ECS refuses a target group no listener forwards to: the service waits for the rule.
    expect(dependsOn(x.d.template, 'Service', 'SlackListenerRule')).toBe(true);
  });

  it('when HTTP mode lacks a certificate or public subnets, or nobody approves, then the stack\'s rules refuse it', () => {
    const t = runtimeTemplate();
    const holds = (ruleName: string, parameters: Record<string, string>, mode: Mode = 'http') => {
      const d = deployRuntime(mode, REGIONS[0], parameters).d;
      const rule = t.Rules![ruleName]!;
      if (rule.RuleCondition !== undefined && !evaluateCondition(d, rule.RuleCondition)) return true;
      return rule.Assertions.every((a) => evaluateCondition(d, a.Assert));
    };
    expect(holds('HttpModeHasAnEndpoint', {})).toBe(true);
    expect(holds('HttpModeHasAnEndpoint', { CertificateArn: '' })).toBe(false);
    expect(holds('HttpModeHasAnEndpoint', { PublicSubnetIds: '' })).toBe(false);
    expect(holds('HttpModeHasAnEndpoint', {}, 'socket')).toBe(true);
    expect(holds('SomeoneApproves', { Approvers: '' }, 'socket')).toBe(false);
    expect(holds('SomeoneApproves', { Approvers: '', ApproverUsergroup: 'S0123ABCD' }, 'socket')).toBe(true);
  });
});

describe('the services: `start` in Socket Mode, `web` and `worker` in HTTP mode', () => {
  const services = (x: Deployed) => Object.entries(x.d.template.Resources)
    .filter(([, res]) => res.Type === 'AWS::ECS::Service' && isCreated(x.d, res))
    .map(([id]) => id);
  const commandOf = (x: Deployed, service: string) => {
    const task = resolve(x.d, x.d.template.Resources[service]!.Properties!['TaskDefinition']);
    const id = Object.keys(x.d.template.Resources).find((k) => x.d.template.Resources[k]!.Type === 'AWS::ECS::TaskDefinition' && x.d.physical(k, null) === task)!;
    return containers(x.d, id)[0]!['Command'];
  };

  it('when Socket Mode is chosen, then one service runs `start` and is what ServiceName names; there is no worker service nor web outputs', () => {
    const x = deployRuntime();
    expect(services(x)).toEqual(['Service']);
    expect(commandOf(x, 'Service')).toEqual(['start']);
    expect(propertiesOf(x.d, 'Service')['ServiceName']).toBe('partnergate-bot');
    const out = outputsOf(x.d);
    expect(out['ServiceName']).toBe(x.d.physical('Service', 'Name'));
    expect(out['WebServiceName']).toBeUndefined();
    expect(out['WorkerServiceName']).toBeUndefined();
    expect(container(x.d, 'bot')['LogConfiguration']['Options']['awslogs-stream-prefix']).toBe('bot');
  });

  it('when HTTP mode is chosen, then `web` (behind the target group) and `worker` (behind nothing) run from the same image, task role, environment, secrets and stopTimeout, each at its own count', () => {
    const x = deployRuntime('http', REGIONS[0], { DesiredCount: '2', WorkerDesiredCount: '3' });
    expect(services(x).sort()).toEqual(['Service', 'WorkerService']);
    expect(commandOf(x, 'Service')).toEqual(['web']);
    expect(commandOf(x, 'WorkerService')).toEqual(['worker']);
    const web = propertiesOf(x.d, 'Service');
    const worker = propertiesOf(x.d, 'WorkerService');
    expect(web).toMatchObject({ ServiceName: 'partnergate-web', DesiredCount: '2', HealthCheckGracePeriodSeconds: 60 });
    expect(worker).toMatchObject({ ServiceName: 'partnergate-worker', DesiredCount: '3' });
    // Only the web service is a target of the load balancer.
    expect(web['LoadBalancers'][0]['TargetGroupArn']).toBe(x.d.physical('SlackTargetGroup', null));
    expect(worker['LoadBalancers']).toBeUndefined();
    expect(worker['HealthCheckGracePeriodSeconds']).toBeUndefined();
    expect(worker['NetworkConfiguration']).toEqual(web['NetworkConfiguration']);
    const webTask = propertiesOf(x.d, 'TaskDefinition');
    const workerTask = propertiesOf(x.d, 'WorkerTaskDefinition');
    for (const key of ['TaskRoleArn', 'ExecutionRoleArn', 'Cpu', 'Memory', 'RuntimePlatform']) expect(workerTask[key], key).toEqual(webTask[key]);
    const [webBot, workerBot] = [container(x.d, 'bot'), container(x.d, 'worker', 'WorkerTaskDefinition')];
    for (const key of ['Image', 'Environment', 'Secrets', 'StopTimeout', 'HealthCheck']) expect(workerBot[key], key).toEqual(webBot[key]);
    expect(workerBot['Essential']).toBe(true);
    expect(workerBot['PortMappings']).toBeUndefined();
    const prefixes = [...containers(x.d), ...containers(x.d, 'WorkerTaskDefinition')].map((c) => c['LogConfiguration']['Options']);
    for (const o of prefixes) expect(o['awslogs-group']).toBe(x.d.physical('LogGroup', null));
    expect(new Set(prefixes.map((o) => o['awslogs-stream-prefix'])).size).toBe(4);
    const out = outputsOf(x.d);
    expect(out['WebServiceName']).toBe(x.d.physical('Service', 'Name'));
    expect(out['WorkerServiceName']).toBe(x.d.physical('WorkerService', 'Name'));
    // The runbook's bot_task runs one-off tasks from ServiceName's task definition: the worker's, which serves no Slack.
    expect(out['ServiceName']).toBe(out['WorkerServiceName']);
  });

  it('when HTTP mode is chosen, then the worker\'s sidecar feeds every `partnergate` alarm and the web\'s sidecar its own partnergate_up alarm', () => {
    const x = deployRuntime('http');
    const namespaceOf = (c: Container) => parseExporterArgs((c['Command'] as string[]).slice(1)).namespace;
    const workerSidecar = container(x.d, 'metrics', 'WorkerTaskDefinition');
    expect(workerSidecar['DependsOn']).toEqual([{ ContainerName: 'worker', Condition: 'START' }]);
    expect(namespaceOf(workerSidecar)).toBe('partnergate');
    expect(namespaceOf(container(x.d, 'metrics'))).toBe('partnergate/web');
    const alarms = Object.entries(x.d.template.Resources).filter(([, res]) => res.Type === 'AWS::CloudWatch::Alarm' && isCreated(x.d, res)).map(([id]) => [id, propertiesOf(x.d, id)] as const);
    const byNamespace = (ns: string) => alarms.filter(([, a]) => a['Namespace'] === ns).map(([id]) => id).sort();
    expect(byNamespace('partnergate/web')).toEqual(['WebDownAlarm']);
    expect(byNamespace('partnergate')).toEqual(['AwsErrorsAlarm', 'BotDownAlarm', 'FailedJobsAlarm', 'NotifySlackBacklogAlarm', 'QuarantinedPartnerAlarm', 'SlackErrorsAlarm']);
    expect(propertiesOf(x.d, 'WebDownAlarm')).toMatchObject({ MetricName: UP_METRIC, TreatMissingData: 'breaching', ComparisonOperator: 'LessThanThreshold', Threshold: 1 });
  });
});

describe('Redis', () => {
  it('when the replication group is read, then it is TLS-only with AUTH, never evicts, has a replica in another zone with failover, and keeps snapshots (and a final one)', () => {
    const x = deployRuntime();
    const redis = propertiesOf(x.d, 'Redis');
    expect(redis).toMatchObject({
      Engine: 'redis', TransitEncryptionEnabled: true, TransitEncryptionMode: 'required', AtRestEncryptionEnabled: true,
      AutomaticFailoverEnabled: true, MultiAZEnabled: true,
    });
    expect(redis['NumCacheClusters']).toBeGreaterThanOrEqual(2);
    expect(Number(redis['SnapshotRetentionLimit'])).toBeGreaterThanOrEqual(1);
    expect(Number(x.d.template.Parameters!['RedisSnapshotRetentionDays']!['MinValue'])).toBeGreaterThanOrEqual(1);
    expect(x.d.template.Resources['Redis']!.DeletionPolicy).toBe('Snapshot');
    expect(x.d.template.Resources['Redis']!.UpdateReplacePolicy).toBe('Snapshot');
    expect(redis['CacheParameterGroupName']).toBe(x.d.physical('RedisParameters', null));
    expect(propertiesOf(x.d, 'RedisParameters')['Properties']).toEqual({ 'maxmemory-policy': 'noeviction' });
    expect(redis['SecurityGroupIds']).toEqual([x.d.physical('RedisSecurityGroup', 'GroupId')]);
    expect(propertiesOf(x.d, 'RedisSecurityGroup')['SecurityGroupIngress']).toBeUndefined();
    expect(propertiesOf(x.d, 'RedisFromTasks')).toMatchObject({ FromPort: 6379, ToPort: 6379, SourceSecurityGroupId: x.d.physical('TaskSecurityGroup', 'GroupId') });
    expect(new URL(containerEnv(x)['REDIS_URL']!).port).toBe(String(redis['Port']));
  });

  it('when Redis fills up or fails over, then an alarm watches the memory of every node of the group, and its events go to the alarms topic', () => {
    const x = deployRuntime();
    const redis = propertiesOf(x.d, 'Redis');
    expect(redis['NotificationTopicArn']).toBe(x.d.physical('AlarmTopic', null));
    const nodes = Array.from({ length: redis['NumCacheClusters'] }, (_, i) => `${redis['ReplicationGroupId']}-${String(i + 1).padStart(3, '0')}`);
    const alarm = propertiesOf(x.d, 'RedisMemoryAlarm');
    const watched = (alarm['Metrics'] as Array<Record<string, any>>).filter((m) => m['MetricStat']).map((m) => {
      expect(m['MetricStat']['Metric']).toMatchObject({ Namespace: 'AWS/ElastiCache', MetricName: 'DatabaseMemoryUsagePercentage' });
      return m['MetricStat']['Metric']['Dimensions'][0].Value as string;
    });
    expect(watched.sort()).toEqual(nodes);
    const expression = (alarm['Metrics'] as Array<Record<string, any>>).filter((m) => m['Expression']);
    expect(expression).toHaveLength(1);
    expect(expression[0]!['Expression']).toBe(`MAX([${(alarm['Metrics'] as Array<Record<string, any>>).filter((m) => m['MetricStat']).map((m) => m['Id']).join(', ')}])`);
    expect(alarm['Threshold']).toBeLessThan(100);
  });
});

describe('logs, metrics and alarms', () => {
  it('when the containers log, then both go to the stack\'s log group, whose retention is the parameter', () => {
    const x = deployRuntime('socket', REGIONS[0], { LogRetentionDays: '30' });
    expect(propertiesOf(x.d, 'LogGroup')['RetentionInDays']).toBe('30');
    for (const c of containers(x.d)) {
      expect(c['LogConfiguration']['LogDriver'], c['Name']).toBe('awslogs');
      expect(c['LogConfiguration']['Options']).toMatchObject({ 'awslogs-group': x.d.physical('LogGroup', null), 'awslogs-region': 'eu-west-1' });
    }
  });

  it('when the metrics sidecar runs, then it reads the bot\'s METRICS_PORT on the task\'s own network into the namespace the alarms watch, and is not essential', () => {
    const x = deployRuntime();
    const sidecar = container(x.d, 'metrics');
    expect(sidecar['Image']).toBe(IMAGE);
    expect(sidecar['Essential']).toBe(false);
    expect(sidecar['DependsOn']).toEqual([{ ContainerName: 'bot', Condition: 'START' }]);
    const [command, ...argv] = sidecar['Command'] as string[];
    expect(command).toBe('cloudwatch-metrics');
    const options = parseExporterArgs(argv);
    expect(options.url).toBe(`http://127.0.0.1:${containerEnv(x)['METRICS_PORT']}/metrics`);
    const namespaces = new Set(Object.values(x.d.template.Resources).filter((res) => res.Type === 'AWS::CloudWatch::Alarm' && isCreated(x.d, res)).map((res) => res.Properties!['Namespace']).filter((ns) => ns !== undefined && !String(ns).startsWith('AWS/')));
    expect([...namespaces]).toEqual([options.namespace]);
  });

  it('when an alarm watches a partnergate metric, then the sidecar publishes that metric under exactly that dimension set', () => {
    const x = deployRuntime();
    const alarms = Object.entries(x.d.template.Resources).filter(([, res]) => res.Type === 'AWS::CloudWatch::Alarm' && isCreated(x.d, res)).map(([id]) => [id, propertiesOf(x.d, id)] as const);
    const ours = alarms.filter(([, a]) => a['Namespace'] === 'partnergate');
    expect(ours.map(([, a]) => a['MetricName']).sort()).toEqual([
      'partnergate_aws_errors_total', 'partnergate_jobs_total', 'partnergate_queue_depth', 'partnergate_quarantined_partners', 'partnergate_slack_errors_total', UP_METRIC,
    ].sort());
    for (const [id, a] of ours) {
      const keys = ((a['Dimensions'] ?? []) as Array<{ Name: string }>).map((dim) => dim.Name).sort();
      const sets = a['MetricName'] === UP_METRIC ? [[]] : CLOUDWATCH_METRICS[a['MetricName']]!.dimensions;
      expect(sets.map((s) => [...s].sort()), id).toContainEqual(keys);
    }
    const byName = Object.fromEntries(alarms) as Record<string, Record<string, any>>;
    expect(byName['BotDownAlarm']).toMatchObject({ TreatMissingData: 'breaching', ComparisonOperator: 'LessThanThreshold', Threshold: 1 });
    expect(byName['FailedJobsAlarm']!['Dimensions']).toEqual([{ Name: 'outcome', Value: 'failed' }]);
    expect(byName['QuarantinedPartnerAlarm']).toMatchObject({ Statistic: 'Minimum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(byName['QuarantinedPartnerAlarm']!['Period'] * byName['QuarantinedPartnerAlarm']!['EvaluationPeriods']).toBe(3600);
    for (const [id, a] of alarms) expect(a['AlarmActions'], id).toEqual([x.d.physical('AlarmTopic', null)]);
  });

  it('when the dead-letter alarms are read, then they watch the platform stack\'s dead-letter queues, every one of them', () => {
    const x = deployRuntime();
    const deadLetters = Object.entries(x.platform.template.Resources)
      .filter(([, res]) => res.Type === 'AWS::SQS::Queue' && res.Properties?.['RedrivePolicy'] !== undefined)
      .map(([id]) => propertiesOf(x.platform, id)['RedrivePolicy']['deadLetterTargetArn'] as string)
      .map((arn) => arn.split(':').at(-1)!);
    expect(deadLetters.sort()).toEqual(['partnergate-deliveries-dlq', 'partnergate-platform-events-dlq']);
    const watched = Object.entries(x.d.template.Resources)
      .filter(([, res]) => res.Type === 'AWS::CloudWatch::Alarm' && res.Properties!['Namespace'] === 'AWS/SQS')
      .map(([id]) => propertiesOf(x.d, id))
      .map((a) => {
        expect(a).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
        return (a['Dimensions'] as Array<{ Name: string; Value: string }>).find((dim) => dim.Name === 'QueueName')!.Value;
      });
    expect(watched.sort()).toEqual(deadLetters.sort());
  });
});
