/**
 * The offline IAM evaluation engine for tests and `npm run check-isolation`: AWS IAM's policy
 * evaluation logic as implemented by @cloud-copilot/iam-simulate (AGPL-3.0: a devDependency, never
 * imported from src/). Nothing here decides access itself.
 *
 * Two ways in, same engine:
 * - `simulate()` calls the library's public `runSimulation`, which validates the policies, the
 *   action, the resource type and the context keys on every call (~1 ms a call).
 * - `evaluate()` does that validation once per document and once per (action, resource), then
 *   calls the library's own evaluation core (`authorize`) with the loaded policies (~0.2 ms). The
 *   core is not in the package's export map, so it is loaded by file path from the pinned version;
 *   the tests cross-check every cell of the scenario matrix against `simulate()`.
 *
 * The library compares names with `localeCompare(x, undefined, { sensitivity: 'accent' })`, which
 * builds an ICU collator on every call and is most of its run time. `useCachedCollator()` makes
 * that one call shape use one cached `Intl.Collator` with the same locale and options — the
 * definition of localeCompare in ECMA-402, so every comparison answers exactly as before.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  allowedContextKeysForRequest,
  isConditionKeyArray,
  runSimulation,
  typeForContextKey,
  type Simulation,
} from '@cloud-copilot/iam-simulate';
import {
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
  type ValidationError,
} from '@cloud-copilot/iam-policy';
import type { PolicyDocument } from '../../src/aws/policies/index.js';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export type ContextValues = Record<string, string | string[]>;

/** One request as AWS would authorize it. */
export interface SimRequest {
  /** The calling principal: an assumed-role session, role, account root or service principal. */
  principal: string;
  action: string;
  resource: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  context: ContextValues;
}

/** The documents that apply to a request. */
export interface SimDocuments {
  identity: Array<{ name: string; document: PolicyDocument }>;
  session?: PolicyDocument;
  boundary?: PolicyDocument;
  /** Bucket policy, key policy, or the role's trust policy for sts:AssumeRole. */
  resource?: PolicyDocument;
}

export interface SimResult {
  decision: Decision;
  /** Context keys the engine dropped because they do not apply to the action and resource. */
  ignoredContextKeys: string[];
}

export type ResourcePolicyKind = 'resource' | 'trust';

/** Loaded, validated documents; build once, evaluate many requests. */
export interface LoadedDocuments {
  readonly raw: SimDocuments;
  readonly resourceKind: ResourcePolicyKind;
  readonly identity: unknown[];
  readonly session: unknown;
  readonly boundary: unknown[] | undefined;
  readonly resource: unknown;
}

interface Core {
  authorize(input: Record<string, unknown>): { result: Decision };
  AwsRequestImpl: new (principal: string, resource: { resource: string; accountId: string }, action: string, context: unknown) => unknown;
  RequestContextImpl: new (values: ContextValues) => unknown;
  DiscoveryContextKeyConstraints: new (constraints: unknown[]) => unknown;
  loadPolicy(doc: unknown, metadata: { name: string }): unknown;
}

function loadCore(): Core {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@cloud-copilot/iam-simulate'));
  const policyLib = require('@cloud-copilot/iam-policy') as { loadPolicy: Core['loadPolicy'] };
  return {
    authorize: (require(join(dist, 'core_engine/CoreSimulatorEngine.js')) as Pick<Core, 'authorize'>).authorize,
    AwsRequestImpl: (require(join(dist, 'request/request.js')) as Pick<Core, 'AwsRequestImpl'>).AwsRequestImpl,
    RequestContextImpl: (require(join(dist, 'requestContext.js')) as Pick<Core, 'RequestContextImpl'>).RequestContextImpl,
    DiscoveryContextKeyConstraints: (
      require(join(dist, 'context_keys/discoveryContextKeyConstraints.js')) as Pick<Core, 'DiscoveryContextKeyConstraints'>
    ).DiscoveryContextKeyConstraints,
    loadPolicy: policyLib.loadPolicy,
  };
}

/**
 * Context keys with a variable part the matrix passes: a principal's tags, and the tags a request
 * passes. The library lists each family once (`aws:principaltag/tag-key`) among the keys an action carries.
 */
const TAG_KEY_FAMILIES = ['aws:principaltag/', 'aws:requesttag/'] as const;

function familyOf(lowerKey: string): string {
  const family = TAG_KEY_FAMILIES.find((f) => lowerKey.startsWith(f));
  return family === undefined ? lowerKey : `${family}tag-key`;
}

let collatorCached = false;

/** See the module comment: one cached collator for the library's one localeCompare call shape. */
export function useCachedCollator(): void {
  if (collatorCached) return;
  collatorCached = true;
  const original = String.prototype.localeCompare;
  const accent = new Intl.Collator(undefined, { sensitivity: 'accent' });
  String.prototype.localeCompare = function localeCompare(
    this: string,
    that: string,
    locales?: string | string[],
    options?: Intl.CollatorOptions,
  ): number {
    if (locales === undefined && options?.sensitivity === 'accent' && Object.keys(options).length === 1) {
      return accent.compare(String(this), String(that));
    }
    return original.call(this, that, locales, options);
  } as typeof original;
}

export class PolicyValidationError extends Error {
  constructor(
    readonly document: string,
    readonly errors: readonly ValidationError[],
  ) {
    super(`${document} is not a valid policy: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'PolicyValidationError';
  }
}

function validated(name: string, doc: PolicyDocument, validate: (d: unknown) => ValidationError[]): PolicyDocument {
  const errors = validate(doc);
  if (errors.length > 0) throw new PolicyValidationError(name, errors);
  return doc;
}

export class IamEngine {
  private readonly core = loadCore();
  private readonly discovery: unknown;
  private readonly allowedKeys = new Map<string, Set<string>>();
  private readonly arrayKeys = new Map<string, boolean>();

  constructor() {
    useCachedCollator();
    this.discovery = new this.core.DiscoveryContextKeyConstraints([]);
  }

  /** Validates every document (throws PolicyValidationError) and loads it for evaluation. */
  load(label: string, docs: SimDocuments, resourceKind: ResourcePolicyKind = 'resource'): LoadedDocuments {
    const load = (name: string, d: PolicyDocument, v: (x: unknown) => ValidationError[]) =>
      this.core.loadPolicy(validated(`${label}: ${name}`, d, v), { name });
    const validateResource = resourceKind === 'trust' ? validateTrustPolicy : validateResourcePolicy;
    return {
      raw: docs,
      resourceKind,
      identity: docs.identity.map((p) => load(p.name, p.document, validateIdentityPolicy)),
      session: docs.session && load('session policy', docs.session, validateIdentityPolicy),
      boundary: docs.boundary && [load('permissions boundary', docs.boundary, validateIdentityPolicy)],
      resource: docs.resource && load(resourceKind === 'trust' ? 'trust policy' : 'resource policy', docs.resource, validateResource),
    };
  }

  /** Fast path: the engine's evaluation core with documents loaded once. */
  async evaluate(docs: LoadedDocuments, request: SimRequest): Promise<SimResult> {
    await this.prepare([request]);
    return this.evaluatePrepared(docs, request);
  }

  /**
   * What runSimulation works out once per call, worked out once per (action, resource) and per
   * context key: which keys apply (the rest are dropped and reported), and which are arrays.
   * Throws when a resource does not fit its action.
   */
  async prepare(requests: Iterable<SimRequest>): Promise<void> {
    for (const request of requests) {
      const cacheKey = `${request.action} ${request.resource}`;
      if (!this.allowedKeys.has(cacheKey)) {
        const [service, action] = request.action.split(':') as [string, string];
        this.allowedKeys.set(cacheKey, new Set(await allowedContextKeysForRequest(service, action, request.resource, false, undefined)));
      }
      for (const key of Object.keys(request.context)) {
        const lower = key.toLowerCase();
        if (lower.includes('/') && !TAG_KEY_FAMILIES.some((f) => lower.startsWith(f))) {
          throw new Error(`context keys with a variable part (${key}) are supported here only for ${TAG_KEY_FAMILIES.join(', ')}`);
        }
        if (!this.arrayKeys.has(lower)) this.arrayKeys.set(lower, isConditionKeyArray(await typeForContextKey(lower)));
      }
    }
  }

  /** The fast path for a request `prepare` has seen. */
  evaluatePrepared(docs: LoadedDocuments, request: SimRequest): SimResult {
    const keys = this.allowedKeys.get(`${request.action} ${request.resource}`);
    if (!keys) throw new Error(`not prepared: ${request.action} on ${request.resource}`);
    const values: ContextValues = {};
    const ignored: string[] = [];
    for (const [key, value] of Object.entries(request.context)) {
      const lower = key.toLowerCase();
      if (!keys.has(lower) && !keys.has(familyOf(lower))) {
        ignored.push(key);
        continue;
      }
      values[key] = this.arrayKeys.get(lower) ? [value].flat() : Array.isArray(value) ? value[0]! : value;
    }
    const r = this.core.authorize({
      request: new this.core.AwsRequestImpl(
        request.principal,
        { resource: request.resource, accountId: request.resourceAccount },
        request.action,
        new this.core.RequestContextImpl(values),
      ),
      sessionPolicy: docs.session,
      identityPolicies: docs.identity,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: docs.resource,
      permissionBoundaries: docs.boundary,
      vpcEndpointPolicies: undefined,
      simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: this.discovery },
      serviceSettings: { s3: {} },
    });
    return { decision: r.result, ignoredContextKeys: ignored };
  }

  /** Public path: `runSimulation`, validating everything on this call. */
  async simulate(docs: SimDocuments, request: SimRequest): Promise<SimResult> {
    const simulation: Simulation = {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: request.context,
      },
      identityPolicies: docs.identity.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(docs.session ? { sessionPolicy: docs.session } : {}),
      ...(docs.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: docs.boundary }] } : {}),
      ...(docs.resource ? { resourcePolicy: docs.resource } : {}),
    };
    const r = await runSimulation(simulation, {});
    if (r.resultType === 'error') throw new Error(`iam-simulate refused the request: ${JSON.stringify(r.errors)}`);
    const ignored = r.resultType === 'single' ? (r.result.ignoredContextKeys ?? []) : [];
    return { decision: r.overallResult as Decision, ignoredContextKeys: ignored };
  }
}
