/**
 * A CloudFormation template evaluated offline, for the manifest tests (cfn-lint is not available here):
 * - `parseTemplate` reads YAML with the short-form intrinsic tags (!Ref, !Sub, !GetAtt, …) into
 *   their long forms, as YAML 1.1 (so an unquoted `2012-10-17` or `yes` shows up as what YAML 1.1
 *   makes of it), and refuses unknown tags, duplicate keys and any other parser warning;
 * - `referenceProblems` lists every Ref, GetAtt, Sub `${…}`, condition and DependsOn that names
 *   nothing the template or CloudFormation defines;
 * - `dependencyCycle` finds a cycle among resources;
 * - `resolve` evaluates the intrinsics for given parameters and physical resources, so a deployed
 *   document can be compared with what the renderer says for the same values.
 */
import { parseDocument, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, Record<string, unknown>>;
  Rules?: Record<string, { RuleCondition?: unknown; Assertions: Array<{ Assert: unknown; AssertDescription?: string }> }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Condition?: string }>;
}

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
];

/** GetAtt attributes of the resource types the manifests use (CloudFormation's resource reference). */
export const GETATT_ATTRIBUTES: Record<string, string[]> = {
  'AWS::KMS::Key': ['Arn', 'KeyId'],
  'AWS::S3::Bucket': ['Arn', 'DomainName', 'DualStackDomainName', 'RegionalDomainName', 'WebsiteURL'],
  'AWS::SQS::Queue': ['Arn', 'QueueName', 'QueueUrl'],
  'AWS::IAM::Role': ['Arn', 'RoleId'],
  'AWS::IAM::ManagedPolicy': ['PolicyArn'],
  'AWS::Transfer::Server': ['Arn', 'ServerId'],
  'AWS::Transfer::User': ['Arn', 'ServerId', 'UserName'],
  'AWS::Logs::LogGroup': ['Arn'],
  'AWS::CloudTrail::Trail': ['Arn', 'SnsTopicArn'],
  'AWS::Events::Rule': ['Arn'],
  'AWS::SecretsManager::Secret': ['Id'],
  'AWS::ElastiCache::ReplicationGroup': [
    'ConfigurationEndPoint.Address', 'ConfigurationEndPoint.Port', 'PrimaryEndPoint.Address', 'PrimaryEndPoint.Port',
    'ReaderEndPoint.Address', 'ReaderEndPoint.Port', 'ReadEndPoint.Addresses', 'ReadEndPoint.Ports',
  ],
  'AWS::ElastiCache::ParameterGroup': ['CacheParameterGroupName'],
  'AWS::ElastiCache::SubnetGroup': [],
  'AWS::EC2::SecurityGroup': ['GroupId', 'VpcId'],
  'AWS::EC2::EIP': ['AllocationId', 'PublicIp'],
  'AWS::Route53::RecordSet': [],
  'AWS::ECS::Cluster': ['Arn'],
  'AWS::ECS::Service': ['Name', 'ServiceArn'],
  'AWS::ECS::TaskDefinition': ['TaskDefinitionArn'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['CanonicalHostedZoneID', 'DNSName', 'LoadBalancerArn', 'LoadBalancerFullName', 'LoadBalancerName', 'SecurityGroups'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['LoadBalancerArns', 'TargetGroupArn', 'TargetGroupFullName', 'TargetGroupName'],
  'AWS::ElasticLoadBalancingV2::Listener': ['ListenerArn'],
  'AWS::ElasticLoadBalancingV2::ListenerRule': ['IsDefault', 'RuleArn'],
  'AWS::SNS::Topic': ['TopicArn', 'TopicName'],
  'AWS::CloudWatch::Alarm': ['Arn'],
};

/** Short-form tags CloudFormation's YAML accepts, and the node kinds each takes. */
const SHORT_FORMS: Record<string, Array<'scalar' | 'seq' | 'map'>> = {
  Ref: ['scalar'],
  Condition: ['scalar'],
  GetAtt: ['scalar', 'seq'],
  Sub: ['scalar', 'seq'],
  Base64: ['scalar', 'map'],
  Cidr: ['seq'],
  FindInMap: ['seq'],
  GetAZs: ['scalar'],
  ImportValue: ['scalar', 'map'],
  Join: ['seq'],
  Select: ['seq'],
  Split: ['seq'],
  Transform: ['map'],
  And: ['seq'],
  Equals: ['seq'],
  If: ['seq'],
  Not: ['seq'],
  Or: ['seq'],
};

function longName(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

const CFN_TAGS: Tags = Object.entries(SHORT_FORMS).flatMap(([name, kinds]) =>
  kinds.map((kind) =>
    kind === 'scalar'
      ? { tag: `!${name}`, resolve: (v: string) => ({ [longName(name)]: name === 'GetAtt' ? splitGetAtt(v) : v }) }
      : { tag: `!${name}`, collection: kind, resolve: (node: YAMLMap | YAMLSeq) => ({ [longName(name)]: node.toJSON() }) },
  ),
) as Tags;

function splitGetAtt(v: string): string[] {
  const dot = v.indexOf('.');
  return dot < 0 ? [v] : [v.slice(0, dot), v.slice(dot + 1)];
}

export function parseTemplate(text: string): CfnTemplate {
  const doc = parseDocument(text, { customTags: CFN_TAGS, version: '1.1', uniqueKeys: true, prettyErrors: false });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`template does not parse cleanly:\n${problems.join('\n')}`);
  const t = doc.toJSON() as CfnTemplate;
  if (t === null || typeof t !== 'object' || typeof t.Resources !== 'object') throw new Error('template has no Resources');
  return t;
}

const INTRINSICS = new Set([
  'Ref', 'Condition', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAZs', 'Fn::ImportValue',
  'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Transform', 'Fn::And', 'Fn::Equals', 'Fn::If', 'Fn::Not', 'Fn::Or',
  'Fn::Contains', 'Fn::EachMemberEquals', 'Fn::EachMemberIn', 'Fn::RefAll', 'Fn::ValueOf', 'Fn::ValueOfAll',
]);

/** `{ "Fn::X": … }` / `{ Ref: … }`: the function and its argument, else null. */
export function intrinsicOf(value: unknown): [string, unknown] | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const key = keys[0]!;
  if (key === 'Ref' || key.startsWith('Fn::')) return [key, (value as Record<string, unknown>)[key]];
  return null;
}

/** The `${Name}` references of a Sub string (not the `${!Literal}` escapes). */
export function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !name.startsWith('!'));
}

type Scope = 'resources' | 'conditions' | 'rules' | 'outputs' | 'parameters';

/** Every reference in the template that names nothing; an empty list means all resolve. */
export function referenceProblems(t: CfnTemplate): string[] {
  const problems: string[] = [];
  const parameters = new Set(Object.keys(t.Parameters ?? {}));
  const resources = new Set(Object.keys(t.Resources));
  const conditions = new Set(Object.keys(t.Conditions ?? {}));
  const where = (path: string, what: string): void => {
    problems.push(`${path}: ${what}`);
  };

  const checkName = (path: string, name: string, scope: Scope) => {
    if (parameters.has(name) || PSEUDO_PARAMETERS.includes(name)) return;
    if (resources.has(name) && (scope === 'resources' || scope === 'outputs')) return;
    where(path, resources.has(name) ? `${name} is a resource, which ${scope} cannot reference` : `${name} names no parameter, pseudo parameter or resource`);
  };
  const checkAttribute = (path: string, logicalId: string, attribute: string, scope: Scope) => {
    const r = t.Resources[logicalId];
    if (r === undefined || (scope !== 'resources' && scope !== 'outputs')) return where(path, `GetAtt names ${logicalId}, which is not a resource here`);
    const known = GETATT_ATTRIBUTES[r.Type];
    if (known === undefined) return where(path, `no attribute list for ${r.Type} (add it to GETATT_ATTRIBUTES)`);
    if (!known.includes(attribute)) where(path, `${r.Type} has no attribute ${attribute}`);
  };

  const walk = (value: unknown, path: string, scope: Scope): void => {
    const fn = intrinsicOf(value);
    if (fn) {
      const [name, arg] = fn;
      if (!INTRINSICS.has(name)) return where(path, `unknown intrinsic ${name}`);
      if (name === 'Ref') {
        if (typeof arg !== 'string') return where(path, 'Ref takes a name');
        return checkName(path, arg, scope);
      }
      if (name === 'Fn::GetAtt') {
        if (!Array.isArray(arg) || arg.length !== 2 || arg.some((a) => typeof a !== 'string')) return where(path, 'GetAtt takes [resource, attribute]');
        return checkAttribute(path, arg[0] as string, arg[1] as string, scope);
      }
      if (name === 'Fn::Sub') {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [undefined, {}];
        if (typeof text !== 'string') return where(path, 'Sub takes a string or [string, variables]');
        const own = new Set(Object.keys(variables as object));
        walk(variables, `${path}.Fn::Sub[1]`, scope);
        for (const ref of subReferences(text)) {
          if (own.has(ref)) continue;
          const dot = ref.indexOf('.');
          if (dot > 0 && !ref.startsWith('AWS::')) checkAttribute(path, ref.slice(0, dot), ref.slice(dot + 1), scope);
          else checkName(path, ref, scope);
        }
        return;
      }
      if (name === 'Fn::If') {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return where(path, 'If takes [condition, then, else]');
        if (!conditions.has(arg[0])) where(path, `If names no condition ${arg[0]}`);
        return walk(arg.slice(1), `${path}.Fn::If`, scope);
      }
      return walk(arg, `${path}.${name}`, scope);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'Condition' in value && Object.keys(value).length === 1) {
      const c = (value as { Condition: unknown }).Condition;
      if (typeof c !== 'string' || !conditions.has(c)) where(path, `Condition names no condition ${String(c)}`);
      return;
    }
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`, scope));
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, scope);
    }
  };

  for (const [id, c] of Object.entries(t.Conditions ?? {})) walk(c, `Conditions.${id}`, 'conditions');
  for (const [id, rule] of Object.entries(t.Rules ?? {})) walk(rule, `Rules.${id}`, 'rules');
  for (const [id, p] of Object.entries(t.Parameters ?? {})) walk(p, `Parameters.${id}`, 'parameters');
  for (const [id, r] of Object.entries(t.Resources)) {
    if (!/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(r.Type ?? '')) where(`Resources.${id}`, `Type ${String(r.Type)} is not AWS::Service::Resource`);
    if (!/^[A-Za-z0-9]+$/.test(id)) where(`Resources.${id}`, 'logical ids are letters and digits only');
    if (r.Condition !== undefined && !conditions.has(r.Condition)) where(`Resources.${id}`, `Condition ${r.Condition} does not exist`);
    for (const d of [r.DependsOn ?? []].flat()) {
      if (!resources.has(d)) where(`Resources.${id}.DependsOn`, `${d} is not a resource`);
    }
    walk(r.Properties ?? {}, `Resources.${id}.Properties`, 'resources');
    walk(r.Metadata ?? {}, `Resources.${id}.Metadata`, 'resources');
  }
  for (const [id, o] of Object.entries(t.Outputs ?? {})) {
    if (!/^[A-Za-z0-9]+$/.test(id)) where(`Outputs.${id}`, 'output keys are letters and digits only');
    if (o.Condition !== undefined && !conditions.has(o.Condition)) where(`Outputs.${id}`, `Condition ${o.Condition} does not exist`);
    if (o.Value === undefined) where(`Outputs.${id}`, 'no Value');
    walk(o.Value, `Outputs.${id}.Value`, 'outputs');
  }
  return problems;
}

/** The resources each resource needs first: by Ref, GetAtt, Sub and DependsOn. */
export function resourceDependencies(t: CfnTemplate): Map<string, Set<string>> {
  const resources = new Set(Object.keys(t.Resources));
  const graph = new Map<string, Set<string>>();
  const collect = (value: unknown, into: Set<string>): void => {
    const fn = intrinsicOf(value);
    if (fn?.[0] === 'Ref' && typeof fn[1] === 'string' && resources.has(fn[1])) into.add(fn[1]);
    if (fn?.[0] === 'Fn::GetAtt' && Array.isArray(fn[1]) && resources.has(fn[1][0] as string)) into.add(fn[1][0] as string);
    if (fn?.[0] === 'Fn::Sub') {
      const text = typeof fn[1] === 'string' ? fn[1] : Array.isArray(fn[1]) ? fn[1][0] : '';
      for (const ref of subReferences(String(text))) {
        const id = ref.split('.')[0]!;
        if (resources.has(id)) into.add(id);
      }
    }
    if (Array.isArray(value)) value.forEach((v) => collect(v, into));
    else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => collect(v, into));
  };
  for (const [id, r] of Object.entries(t.Resources)) {
    const deps = new Set<string>([r.DependsOn ?? []].flat());
    collect(r.Properties ?? {}, deps);
    // A reference in Metadata orders creation too (a WaitConditionHandle standing in for a conditional DependsOn).
    collect(r.Metadata ?? {}, deps);
    graph.set(id, deps);
  }
  return graph;
}

/** A cycle among resources (ids in order, first repeated last), or null. */
export function dependencyCycle(t: CfnTemplate): string[] | null {
  const graph = resourceDependencies(t);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of graph.get(id) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of graph.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return null;
}

/** Whether `later` is created after `earlier` (depends on it, directly or through others). */
export function dependsOn(t: CfnTemplate, later: string, earlier: string): boolean {
  const graph = resourceDependencies(t);
  const seen = new Set<string>();
  const todo = [...(graph.get(later) ?? [])];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (id === earlier) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(graph.get(id) ?? []));
  }
  return false;
}

/** What a deployment would know: parameter values, pseudo parameters, the physical resources. */
export interface Deployment {
  template: CfnTemplate;
  parameters: Record<string, string>;
  pseudo: Record<string, string>;
  /** The physical value of a resource: its Ref (`attribute` null) or an attribute. */
  physical: (logicalId: string, attribute: string | null) => string;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Parameter values with the template's defaults for those not given; throws for a missing one. */
export function parameterValues(t: CfnTemplate, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(t.Parameters ?? {})) {
    const value = given[name] ?? (p['Default'] === undefined ? undefined : String(p['Default']));
    if (value === undefined) throw new Error(`parameter ${name} has no value and no default`);
    const pattern = p['AllowedPattern'];
    if (typeof pattern === 'string' && !new RegExp(`^(?:${pattern})$`).test(value)) {
      throw new Error(`parameter ${name}: ${JSON.stringify(value)} does not match its AllowedPattern ${pattern}`);
    }
    const allowed = p['AllowedValues'];
    if (Array.isArray(allowed) && !allowed.map(String).includes(value)) throw new Error(`parameter ${name}: ${value} is not an allowed value`);
    out[name] = value;
  }
  const unknown = Object.keys(given).filter((k) => !(k in out));
  if (unknown.length > 0) throw new Error(`no parameters ${unknown.join(', ')} in the template`);
  return out;
}

/** A list parameter (CommaDelimitedList, List<…>) is its value split at commas, as CloudFormation does ("" is [""]). */
function isListParameter(t: CfnTemplate, name: string): boolean {
  const type = String(t.Parameters?.[name]?.['Type'] ?? '');
  return type === 'CommaDelimitedList' || type.startsWith('List<');
}

function lookup(d: Deployment, name: string): string | string[] {
  if (name in d.parameters) return isListParameter(d.template, name) ? d.parameters[name]!.split(',') : d.parameters[name]!;
  if (name in d.pseudo) return d.pseudo[name]!;
  if (name in d.template.Resources) return d.physical(name, null);
  throw new Error(`nothing named ${name}`);
}

/** The truth of a condition (or a rule's condition or assertion). */
export function evaluateCondition(d: Deployment, value: unknown): boolean {
  const result = resolveValue(d, value);
  if (typeof result !== 'boolean') throw new Error(`not a condition: ${JSON.stringify(value)}`);
  return result;
}

function resolveValue(d: Deployment, value: unknown): unknown {
  const fn = intrinsicOf(value);
  if (fn) {
    const [name, arg] = fn;
    const list = () => (Array.isArray(arg) ? arg : [arg]).map((v) => resolveValue(d, v));
    switch (name) {
      case 'Ref':
        return arg === 'AWS::NoValue' ? NO_VALUE : lookup(d, String(arg));
      case 'Fn::GetAtt':
        return d.physical(String((arg as string[])[0]), String((arg as string[])[1]));
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        const own = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(resolveValue(d, v))]));
        return text.replace(/\$\{([^}]*)\}/g, (_, ref: string) => {
          if (ref.startsWith('!')) return `\${${ref.slice(1)}}`;
          if (ref in own) return own[ref]!;
          const dot = ref.indexOf('.');
          return dot > 0 && !ref.startsWith('AWS::') ? d.physical(ref.slice(0, dot), ref.slice(dot + 1)) : String(lookup(d, ref));
        });
      }
      case 'Fn::Join': {
        const [delimiter, items] = arg as [string, unknown];
        // A list written out, or one intrinsic that gives a list (a Ref to a CommaDelimitedList).
        const list = Array.isArray(items) ? items.map((v) => resolveValue(d, v)) : (resolveValue(d, items) as unknown[]);
        return list.filter((v) => v !== NO_VALUE).join(delimiter);
      }
      case 'Fn::Split': {
        const [delimiter, text] = arg as [string, unknown];
        return String(resolveValue(d, text)).split(delimiter);
      }
      case 'Fn::Select': {
        const [index, items] = arg as [unknown, unknown];
        return (resolveValue(d, items) as unknown[])[Number(resolveValue(d, index))];
      }
      case 'Fn::If': {
        const [condition, then, otherwise] = arg as [string, unknown, unknown];
        return resolveValue(d, conditionValue(d, condition) ? then : otherwise);
      }
      case 'Fn::Equals': {
        const [a, b] = list();
        return String(a) === String(b);
      }
      case 'Fn::Not':
        return !(list()[0] as boolean);
      case 'Fn::And':
        return list().every(Boolean);
      case 'Fn::Or':
        return list().some(Boolean);
      case 'Fn::Contains': {
        const [items, item] = list() as [unknown[], unknown];
        return items.map(String).includes(String(item));
      }
      default:
        throw new Error(`resolve: ${name} is not modelled here`);
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && 'Condition' in value) {
    return conditionValue(d, String((value as { Condition: unknown }).Condition));
  }
  if (Array.isArray(value)) return value.map((v) => resolveValue(d, v)).filter((v) => v !== NO_VALUE);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveValue(d, v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }
  return value;
}

function conditionValue(d: Deployment, name: string): boolean {
  const c = d.template.Conditions?.[name];
  if (c === undefined) throw new Error(`no condition ${name}`);
  return evaluateCondition(d, c);
}

/** A value with every intrinsic evaluated for this deployment. */
export function resolve(d: Deployment, value: unknown): unknown {
  return resolveValue(d, value);
}

/** A resource's properties with every intrinsic evaluated. */
export function propertiesOf(d: Deployment, logicalId: string): Record<string, any> {
  const r = d.template.Resources[logicalId];
  if (!r) throw new Error(`no resource ${logicalId}`);
  return resolve(d, r.Properties ?? {}) as Record<string, any>;
}

/** Whether a resource (or output) with a Condition exists in this deployment. */
export function isCreated(d: Deployment, item: { Condition?: string }): boolean {
  return item.Condition === undefined || conditionValue(d, item.Condition);
}

/** What AWS makes up at creation (key ids, server ids, generated names), by logical id and attribute. */
export type Generated = Record<string, Record<string, string>>;

/**
 * A deployment whose physical values are built the way AWS builds them from the template's own
 * properties (a role's ARN from its Path and RoleName, a queue's URL from its QueueName, …), so a
 * wrong name or path in the template shows up as a wrong ARN. `generated` supplies the rest.
 */
export function deploy(template: CfnTemplate, given: Record<string, string>, pseudo: Record<string, string>, generated: Generated = {}): Deployment {
  const d: Deployment = {
    template,
    parameters: parameterValues(template, given),
    pseudo: { 'AWS::StackName': 'partnergate-test', ...pseudo },
    physical: (id, attribute) => physicalValue(d, generated, id, attribute),
  };
  return d;
}

function physicalValue(d: Deployment, generated: Generated, id: string, attribute: string | null): string {
  const made = generated[id]?.[attribute ?? 'Ref'];
  if (made !== undefined) return made;
  const r = d.template.Resources[id];
  if (r === undefined) throw new Error(`no resource ${id}`);
  const prop = (name: string): string => {
    const v = resolve(d, r.Properties?.[name]);
    if (typeof v !== 'string') throw new Error(`${id}.${name} is not set; give ${id}.${attribute ?? 'Ref'} in generated`);
    return v;
  };
  const { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::URLSuffix': suffix } = d.pseudo;
  const key = `${r.Type} ${attribute ?? 'Ref'}`;
  switch (key) {
    case 'AWS::IAM::Role Ref':
      return prop('RoleName');
    case 'AWS::IAM::Role Arn':
      return `arn:${partition}:iam::${account}:role${r.Properties?.['Path'] === undefined ? '/' : prop('Path')}${prop('RoleName')}`;
    case 'AWS::IAM::ManagedPolicy Ref':
    case 'AWS::IAM::ManagedPolicy PolicyArn':
      return `arn:${partition}:iam::${account}:policy${r.Properties?.['Path'] === undefined ? '/' : prop('Path')}${prop('ManagedPolicyName')}`;
    case 'AWS::S3::Bucket Ref':
      return prop('BucketName');
    case 'AWS::S3::Bucket Arn':
      return `arn:${partition}:s3:::${physicalValue(d, generated, id, null)}`;
    case 'AWS::SQS::Queue Ref':
    case 'AWS::SQS::Queue QueueUrl':
      return `https://sqs.${region}.${suffix}/${account}/${prop('QueueName')}`;
    case 'AWS::SQS::Queue Arn':
      return `arn:${partition}:sqs:${region}:${account}:${prop('QueueName')}`;
    case 'AWS::KMS::Key Arn':
      return `arn:${partition}:kms:${region}:${account}:key/${physicalValue(d, generated, id, null)}`;
    case 'AWS::Transfer::Server Arn':
      return `arn:${partition}:transfer:${region}:${account}:server/${physicalValue(d, generated, id, 'ServerId')}`;
    case 'AWS::Transfer::User UserName':
      return prop('UserName');
    case 'AWS::Transfer::User ServerId':
      return prop('ServerId');
    case 'AWS::Events::Rule Arn':
      return `arn:${partition}:events:${region}:${account}:rule/${prop('Name')}`;
    case 'AWS::ECS::Cluster Ref':
      return prop('ClusterName');
    case 'AWS::ECS::Cluster Arn':
      return `arn:${partition}:ecs:${region}:${account}:cluster/${prop('ClusterName')}`;
    case 'AWS::ECS::Service Name':
      return prop('ServiceName');
    case 'AWS::ECS::TaskDefinition Ref':
    case 'AWS::ECS::TaskDefinition TaskDefinitionArn':
      return `arn:${partition}:ecs:${region}:${account}:task-definition/${prop('Family')}:1`;
    case 'AWS::SNS::Topic Ref':
    case 'AWS::SNS::Topic TopicArn':
      return `arn:${partition}:sns:${region}:${account}:${prop('TopicName')}`;
    case 'AWS::Logs::LogGroup Ref':
      return prop('LogGroupName');
    case 'AWS::Logs::LogGroup Arn':
      return `arn:${partition}:logs:${region}:${account}:log-group:${prop('LogGroupName')}:*`;
    default:
      throw new Error(`no physical value for ${id} (${key}); give it in generated`);
  }
}
