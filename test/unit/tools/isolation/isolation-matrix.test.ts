import { describe, expect, it } from 'vitest';
import { IamEngine } from '../../../../tools/isolation/iam-engine.js';
import { buildCells, buildScenario, describeDifference, runIsolationMatrix, scenarioSpecs, type MatrixReport, type Scenario } from '../../../../tools/isolation/iam-matrix.js';
import { externalIdFor, testPlatform } from '../../../support/iam-fixtures.js';
import type { PolicyDocument, PolicyStatement } from '../../../../src/aws/policies/index.js';

const engine = new IamEngine();
const platform = testPlatform();

function scenario(): Scenario {
  return buildScenario(platform, scenarioSpecs(8, externalIdFor));
}

function partner(s: Scenario, id: string) {
  const found = s.partners.find((p) => p.partnerId === id);
  if (!found) throw new Error(`no partner ${id}`);
  return found;
}

function sid(doc: PolicyDocument, name: string): PolicyStatement {
  const found = doc.Statement.find((st) => st.Sid === name);
  if (!found) throw new Error(`no statement ${name}`);
  return found;
}

async function differences(s: Scenario): Promise<string[]> {
  return (await runIsolationMatrix(s, { engine })).differing.map(describeDifference);
}

describe('the isolation matrix', () => {
  it('when the rendered documents are evaluated, then every cell is as expected (both engine paths agree)', async () => {
    const s = scenario();
    expect(s.partners.map((p) => p.partnerId)).toEqual(expect.arrayContaining(['acme', 'acme-corp', 'acme-corp-eu']));
    expect(s.partners.some((p) => p.partnerRole === null)).toBe(true);
    const report = await runIsolationMatrix(s, { engine, crossCheck: true });
    expect(report.differing.map(describeDifference)).toEqual([]);
    expect(report.results.length).toBeGreaterThan(700);
    expect(report.results.filter((r) => r.expected === 'allow').length).toBeGreaterThan(50);
    expect(report.ignoredContextKeys).toEqual({});
  });

  it('when an Allow * policy is attached beside the bot\'s policy by mistake, then every guarded escalation is still explicitly denied and the bot\'s own work is still allowed', async () => {
    const report = await runIsolationMatrix(scenario(), { engine });
    const cells = report.results.filter((r) => r.principal === 'bot + AdministratorAccess');
    const denied = cells.filter((r) => r.expected === 'deny');
    expect(denied.map((r) => r.request.action)).toEqual(expect.arrayContaining([
      'iam:CreateUser', 'iam:PutUserPolicy', 'iam:AttachUserPolicy', 'iam:AttachGroupPolicy', 'iam:PutGroupPolicy', 'iam:AddUserToGroup',
      'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:PassRole', 'sts:AssumeRole',
      'iam:DeleteRolePermissionsBoundary', 'iam:AttachRolePolicy', 'iam:CreatePolicyVersion', 's3:PutBucketPolicy', 'kms:PutKeyPolicy',
      's3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning',
    ]));
    expect(denied.filter((r) => r.decision !== 'ExplicitlyDenied').map(describeDifference)).toEqual([]);
    // The same guards refuse the bot with its policy alone explicitly too: a Deny, not a missing Allow.
    const guarded = new Set(denied.map((r) => r.what));
    const alone = report.results.filter((r) => r.principal === 'bot' && guarded.has(r.what));
    expect(alone).toHaveLength(denied.length);
    expect(alone.filter((r) => r.decision !== 'ExplicitlyDenied').map(describeDifference)).toEqual([]);
    const allowed = cells.filter((r) => r.expected === 'allow');
    expect(allowed.map((r) => r.what)).toEqual(expect.arrayContaining(['PassRole the Transfer role to Transfer', 'AssumeRole the verifier', 'CreateRole under the partner path with the boundary']));
    expect(allowed.filter((r) => r.decision !== 'Allowed').map(describeDifference)).toEqual([]);
  });

  it('when the bot writes the audit trail, then only a new object (If-None-Match: *) is allowed, and no rewrite or removal, with or without an Allow * beside its policy', async () => {
    const report = await runIsolationMatrix(scenario(), { engine });
    const trail = report.results.filter((r) => r.category === 'audit trail');
    const decision = (principal: string, what: RegExp) => {
      const found = trail.filter((r) => r.principal === principal && what.test(r.what));
      expect(found, `${principal}: ${what}`).toHaveLength(1);
      return found[0]!.decision;
    };
    for (const principal of ['bot', 'bot + AdministratorAccess']) {
      expect(decision(principal, /^PutObject audit\/\S+ with If-None-Match: \*$/)).toBe('Allowed');
      expect(decision(principal, /^PutObject audit\/\S+ without If-None-Match/)).toBe('ExplicitlyDenied');
      expect(decision(principal, /^PutObject audit\/\S+ with If-None-Match other than \*/)).toBe('ExplicitlyDenied');
      expect(decision(principal, /^DeleteObject audit\//)).toBe('ExplicitlyDenied');
      expect(decision(principal, /^DeleteObjectVersion audit\//)).toBe('ExplicitlyDenied');
      expect(decision(principal, /^BypassGovernanceRetention on audit\//)).toBe('ExplicitlyDenied');
    }
    expect(trail.filter((r) => !r.ok).map(describeDifference)).toEqual([]);
    // The public runSimulation path agrees on every audit cell (the key is passed in contextVariables).
    const { documents } = buildCells(scenario());
    for (const r of trail) {
      const pub = await engine.simulate(documents.get(r.docsKey)!.docs, r.request);
      expect(`${r.principal}: ${r.what}: ${pub.decision}`).toBe(`${r.principal}: ${r.what}: ${r.decision}`);
      expect(pub.ignoredContextKeys).toEqual([]);
    }
  });

  it('when the bot runs as an ECS task, then ECS tasks of this account and region may become the bot (of any cluster: ECS cannot narrow it), and nothing else', async () => {
    const report = await runIsolationMatrix(scenario(), { engine });
    const trust = report.results.filter((r) => r.request.action === 'sts:AssumeRole' && r.request.resource === platform.botRoleArn);
    const decision = (principal: string, what: RegExp) => {
      const found = trust.filter((r) => r.principal === principal && what.test(r.what));
      expect(found, `${principal}: ${what}`).toHaveLength(1);
      return found[0]!.decision;
    };
    expect(decision('ecs-tasks.amazonaws.com', /a task of the bot's cluster/)).toBe('Allowed');
    expect(decision('ecs-tasks.amazonaws.com', /a task of another cluster of this account/)).toBe('Allowed');
    expect(decision('ecs-tasks.amazonaws.com', /a task of this account in another region/)).not.toBe('Allowed');
    expect(decision('ecs-tasks.amazonaws.com', /a task of another account/)).not.toBe('Allowed');
    expect(decision('ecs-tasks.amazonaws.com', /without a source/)).not.toBe('Allowed');
    expect(decision('another role of the account', /AssumeRole the bot role/)).not.toBe('Allowed');
    expect(trust.filter((r) => !r.ok).map(describeDifference)).toEqual([]);
    // Only the ECS service is allowed: every partner principal, the verifier, the stranger are refused.
    expect([...new Set(trust.filter((r) => r.expected === 'allow').map((r) => r.principal))]).toEqual(['ecs-tasks.amazonaws.com']);
  });

  it('when the bot runs as a named role, then that role alone may become the bot — no ECS task of any cluster, no other role, not its namesake elsewhere — and the bot cannot widen that role', async () => {
    const s = buildScenario({ ...platform, botRunsAsRole: 'eks/partnergate-bot-pod' }, scenarioSpecs(8, externalIdFor));
    const report = await runIsolationMatrix(s, { engine, crossCheck: true });
    expect(report.differing.map(describeDifference)).toEqual([]);
    const trust = report.results.filter((r) => r.request.action === 'sts:AssumeRole' && r.request.resource === platform.botRoleArn);
    const decision = (principal: string, what: RegExp) => {
      const found = trust.filter((r) => r.principal === principal && what.test(r.what));
      expect(found, `${principal}: ${what}`).toHaveLength(1);
      return found[0]!.decision;
    };
    expect(decision('the role the bot runs as', /AssumeRole the bot role from eks\/partnergate-bot-pod/)).toBe('Allowed');
    expect(decision('ecs-tasks.amazonaws.com', /a task of the bot's cluster/)).not.toBe('Allowed');
    expect(decision('ecs-tasks.amazonaws.com', /a task of another cluster of this account/)).not.toBe('Allowed');
    expect(decision('another role of the account', /AssumeRole the bot role/)).not.toBe('Allowed');
    expect(decision('its namesake in another account', /AssumeRole the bot role/)).not.toBe('Allowed');
    expect([...new Set(trust.filter((r) => r.decision === 'Allowed').map((r) => r.principal))]).toEqual(['the role the bot runs as']);
    const widen = report.results.filter((r) => r.category === 'role it runs as');
    expect(widen.map((r) => `${r.principal}: ${r.request.action}`).sort()).toEqual([
      'bot + AdministratorAccess: iam:AttachRolePolicy', 'bot + AdministratorAccess: iam:PutRolePolicy', 'bot + AdministratorAccess: iam:UpdateAssumeRolePolicy',
      'bot: iam:AttachRolePolicy', 'bot: iam:PutRolePolicy', 'bot: iam:UpdateAssumeRolePolicy',
    ]);
    expect(widen.filter((r) => r.decision !== 'ExplicitlyDenied').map(describeDifference)).toEqual([]);
  });

  describe('single changes to one partner\'s access (the second layer)', () => {
    const held = (report: MatrixReport, id: string) => report.mutations!.cases.find((c) => c.id === id)!;
    const cellsOf = (report: MatrixReport, id: string) => report.results.filter((r) => r.mutation === id);

    it('when each change is made alone, then acme still cannot list or read any neighbour\'s files, or the case says AWS gives no second layer and names the tests that catch it', async () => {
      const report = await runIsolationMatrix(scenario(), { engine });
      expect(report.failures).toBe(0);
      const m = report.mutations!;
      expect(m.attacker).toBe('acme');
      expect(m.victims).toEqual(['acme-corp', 'acme-corp-eu', 'globex', 'initech', 'umbrella-ltd', 'a1b', 'a1b2']);
      expect(m.cases.map((c) => `${c.target}: ${c.id}`)).toEqual([
        'partner role: attach AmazonS3ReadOnlyAccess', 'partner role: attach AdministratorAccess', 'partner role: inline s3:* on *',
        'partner role: inline policy widened to partners/', 'partner role: boundary replaced by a wide one', 'partner role: boundary removed',
        'partner role: partner tag removed', 'partner role: partner tag set to *', 'partner role: partner tag changed to a neighbour',
        'partner role: trust allows TagSession', "a neighbour's partner role: neighbour's trust widened",
        'Transfer user: session policy replaced by a wide one', 'Transfer user: session policy removed', 'Transfer user: home mapped to a neighbour',
        'Transfer user: PATH home at the bucket root', 'Transfer user: user runs as an admin role', 'the Transfer role: Transfer role gets S3 read',
      ]);
      for (const c of m.cases) {
        expect(c.ok, c.id).toBe(true);
        expect(c.caughtBy.length, c.id).toBeGreaterThan(0);
        expect(c.cells, c.id).toBeGreaterThan(0);
        if (c.holds.length === 0) expect(c.why, c.id).toMatch(/trust policy alone decides/);
      }
      // Only the trust of a neighbour's role has no second layer.
      expect(m.cases.filter((c) => c.holds.length === 0).map((c) => c.id)).toEqual(["neighbour's trust widened"]);
      // Where IAM still holds, no cell about a neighbour is allowed; where it was the trust, every AssumeRole is.
      for (const c of m.cases.filter((x) => x.holds.some((l) => l !== "the user's LOGICAL home mapping"))) {
        const neighbour = cellsOf(report, c.id).filter((r) => !r.what.startsWith('its own') && r.request.action !== 'sts:TagSession');
        expect(neighbour.filter((r) => r.decision === 'Allowed').map(describeDifference), c.id).toEqual([]);
      }
      expect(cellsOf(report, "neighbour's trust widened").map((r) => r.decision)).toEqual(['Allowed', 'Allowed', 'Allowed', 'Allowed']);
    });

    it('when AmazonS3ReadOnlyAccess or AdministratorAccess is attached, then the bucket policy refuses explicitly, and acme still reads its own home', async () => {
      const report = await runIsolationMatrix(scenario(), { engine });
      for (const id of ['attach AmazonS3ReadOnlyAccess', 'attach AdministratorAccess', 'inline s3:* on *']) {
        const cells = cellsOf(report, id);
        expect(cells.filter((r) => r.expected === 'deny').every((r) => r.decision === 'ExplicitlyDenied'), id).toBe(true);
        expect(cells.filter((r) => r.what.startsWith('its own')).map((r) => r.decision), id).toEqual(['Allowed']);
      }
    });

    it('when the tag names a neighbour, then the boundary and the bucket policy cap acme at that home and its literal inline policy grants only its own: neither is readable', async () => {
      const report = await runIsolationMatrix(scenario(), { engine });
      const cells = cellsOf(report, 'partner tag changed to a neighbour').filter((r) => r.principal.endsWith(': globex]'));
      expect(cells.find((r) => r.what === 'GetObject partners/globex/prices.csv')!.decision).toBe('ImplicitlyDenied');
      expect(cells.find((r) => r.what.startsWith('its own'))!.decision).toBe('ExplicitlyDenied');
      expect(held(report, 'partner tag changed to a neighbour').holds).toEqual(["the role's inline policy"]);
    });

    it('when only one of the two new documents is in place, then each alone still holds every change the other holds too; with neither, one attached policy reaches every neighbour', async () => {
      const withoutBucketLayer = scenario();
      withoutBucketLayer.platformDocs.bucketPolicy.Statement = withoutBucketLayer.platformDocs.bucketPolicy.Statement.filter((st) => !st.Sid.startsWith('PartnerRoles'));
      const a = await runIsolationMatrix(withoutBucketLayer, { engine });
      for (const id of ['attach AmazonS3ReadOnlyAccess', 'attach AdministratorAccess', 'inline s3:* on *', 'inline policy widened to partners/']) {
        expect(held(a, id).ok, `${id} on the boundary alone`).toBe(true);
      }

      const wideBoundary = scenario();
      wideBoundary.platformDocs.permissionsBoundary.policies[0]!.document = wideBoundary.platformDocs.transferRole.policies[0]!.document;
      const b = await runIsolationMatrix(wideBoundary, { engine });
      for (const id of ['attach AmazonS3ReadOnlyAccess', 'attach AdministratorAccess', 'inline s3:* on *', 'inline policy widened to partners/', 'boundary removed']) {
        expect(held(b, id).ok, `${id} on the bucket policy alone`).toBe(true);
      }

      const neither = scenario();
      neither.platformDocs.bucketPolicy.Statement = neither.platformDocs.bucketPolicy.Statement.filter((st) => !st.Sid.startsWith('PartnerRoles'));
      neither.platformDocs.permissionsBoundary.policies[0]!.document = neither.platformDocs.transferRole.policies[0]!.document;
      const c = await runIsolationMatrix(neither, { engine });
      expect(held(c, 'attach AmazonS3ReadOnlyAccess').ok).toBe(false);
      const reached = c.differing.filter((r) => r.mutation === 'attach AmazonS3ReadOnlyAccess' && r.request.action === 's3:GetObject');
      expect(reached.map((r) => r.what).sort()).toEqual(['acme-corp', 'acme-corp-eu', 'globex', 'initech', 'umbrella-ltd', 'a1b', 'a1b2'].map((id) => `GetObject partners/${id}/prices.csv`).sort());
    });

    it('when the bucket policy\'s refusal of untagged partner roles is dropped, then an untagged role is refused by IAM alone: its other Denies name the tag in a variable, which then resolves to nothing and does not apply', async () => {
      const neighbourReads = (report: MatrixReport) =>
        cellsOf(report, 'partner tag removed').filter((r) => r.request.action === 's3:GetObject' && !r.what.startsWith('its own')).map((r) => r.decision);
      expect(new Set(neighbourReads(await runIsolationMatrix(scenario(), { engine })))).toEqual(new Set(['ExplicitlyDenied']));
      const s = scenario();
      s.platformDocs.bucketPolicy.Statement = s.platformDocs.bucketPolicy.Statement.filter((st) => st.Sid !== 'PartnerRolesWithoutTheirTag');
      const report = await runIsolationMatrix(s, { engine });
      expect(held(report, 'partner tag removed').ok).toBe(true); // the boundary and the inline policy still hold
      expect(new Set(neighbourReads(report))).toEqual(new Set(['ImplicitlyDenied']));
    });
  });

  describe('when a document is broken on purpose, then the matrix fails naming the cells', () => {
    it('a bot trust without aws:SourceAccount and aws:SourceArn lets another account\'s ECS tasks become the bot', async () => {
      const s = scenario();
      delete sid(s.platformDocs.botRole.trustPolicy, 'EcsTasksOfThisAccount').Condition;
      expect(await differences(s)).toEqual([
        expect.stringMatching(/^ecs-tasks\.amazonaws\.com: AssumeRole for a task of this account in another region .*engine says Allowed/),
        expect.stringMatching(/^ecs-tasks\.amazonaws\.com: AssumeRole for a task of another account .*engine says Allowed/),
        expect.stringMatching(/^ecs-tasks\.amazonaws\.com: AssumeRole without a source .*engine says Allowed/),
      ]);
    });

    it('a named-role bot trust widened to the account root lets any role of the account with an Allow * become the bot', async () => {
      const s = buildScenario({ ...platform, botRunsAsRole: 'eks/partnergate-bot-pod' }, scenarioSpecs(8, externalIdFor));
      sid(s.platformDocs.botRole.trustPolicy, 'TheRoleTheBotRunsAs').Principal = { AWS: `arn:aws:iam::${platform.accountId}:root` };
      expect(await differences(s)).toEqual([
        expect.stringMatching(/^another role of the account: AssumeRole the bot role .*engine says Allowed/),
      ]);
    });

    it('a bot trust naming one cluster (which AWS says ECS does not support for task roles) does not pass unnoticed', async () => {
      const s = scenario();
      const st = sid(s.platformDocs.botRole.trustPolicy, 'EcsTasksOfThisAccount');
      st.Condition = { ...st.Condition, ArnLike: { 'aws:SourceArn': `arn:aws:ecs:eu-west-1:${platform.accountId}:task/partnergate/*` } };
      expect(await differences(s)).toEqual([
        expect.stringMatching(/^ecs-tasks\.amazonaws\.com: AssumeRole for a task of another cluster of this account .*expected allow, engine says ImplicitlyDenied/),
      ]);
    });


    it('a prefix condition and resource without the trailing slash let acme reach acme-corp', async () => {
      const s = scenario();
      const session = partner(s, 'acme').transferUser.Policy;
      sid(session, 'ListOwnPrefix').Condition = { StringLike: { 's3:prefix': ['partners/acme', 'partners/acme*'] } };
      sid(session, 'ReadOwnPrefix').Resource = 'arn:aws:s3:::partnergate-dist-test/partners/acme*';
      const diff = await differences(s);
      expect(diff).toEqual(expect.arrayContaining([
        expect.stringMatching(/^acme SFTP session: ListBucket prefix=partners\/acme-corp\/ delimiter=\/ .*expected deny, engine says Allowed/),
        expect.stringMatching(/^acme SFTP session: GetObject partners\/acme-corp\/prices\.csv .*expected deny/),
        expect.stringMatching(/^acme SFTP session: ListBucket prefix=partners\/acme .*expected deny/),
      ]));
      expect(diff.every((d) => d.startsWith('acme SFTP session'))).toBe(true);
    });

    it('a wildcard principal in a partner trust lets an unrelated account assume the role', async () => {
      const s = scenario();
      sid(partner(s, 'acme').partnerRole!.trustPolicy, 'PartnerAccountWithExternalId').Principal = { AWS: '*' };
      expect(await differences(s)).toEqual(expect.arrayContaining([
        expect.stringMatching(/^unrelated account admin: AssumeRole partnergate-partner-acme with its ExternalId .*engine says Allowed/),
      ]));
    });

    it('a partner trust without the ExternalId lets the account assume the role without one', async () => {
      const s = scenario();
      delete sid(partner(s, 'acme').partnerRole!.trustPolicy, 'PartnerAccountWithExternalId').Condition;
      expect(await differences(s)).toEqual(expect.arrayContaining([
        expect.stringMatching(/^acme account admin: AssumeRole partnergate-partner-acme without an ExternalId .*engine says Allowed/),
        expect.stringMatching(/^acme account admin: AssumeRole partnergate-partner-acme with another ExternalId .*engine says Allowed/),
      ]));
    });

    it('a bot role without the path condition (and without the Deny behind it) lets the bot create roles anywhere', async () => {
      const s = scenario();
      const doc = s.platformDocs.botRole.policies[0]!.document;
      sid(doc, 'ManagePartnerRolesWithBoundary').Resource = 'arn:aws:iam::111122223333:role/*';
      doc.Statement = doc.Statement.filter((st) => st.Sid !== 'DenyRoleChangesOutsidePartnerPath');
      expect(await differences(s)).toEqual(expect.arrayContaining([
        expect.stringMatching(/^bot: CreateRole outside the partner path .*engine says Allowed/),
        expect.stringMatching(/^bot: CreateRole at the root path .*engine says Allowed/),
        expect.stringMatching(/^bot: PutRolePolicy on a role outside the partner path .*engine says Allowed/),
      ]));
    });

    it('a bot role without the boundary condition lets the bot create a role without the boundary', async () => {
      const s = scenario();
      const doc = s.platformDocs.botRole.policies[0]!.document;
      delete sid(doc, 'ManagePartnerRolesWithBoundary').Condition;
      doc.Statement = doc.Statement.filter((st) => st.Sid !== 'DenyRolesWithoutBoundary');
      expect(await differences(s)).toEqual(expect.arrayContaining([
        expect.stringMatching(/^bot: CreateRole under the partner path without a boundary .*engine says Allowed/),
        expect.stringMatching(/^bot: CreateRole with another boundary .*engine says Allowed/),
      ]));
    });

    it('a bot role without its explicit Denies is guarded by nothing once a broader policy is attached beside it', async () => {
      const s = scenario();
      const doc = s.platformDocs.botRole.policies[0]!.document;
      doc.Statement = doc.Statement.filter((st) => st.Effect === 'Allow');
      const diff = await differences(s);
      expect(diff).toEqual(expect.arrayContaining([
        expect.stringMatching(/^bot \+ AdministratorAccess: CreateUser .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: CreateAccessKey .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: PassRole the verifier role to Transfer .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: PassRole the Transfer role to EC2 .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: AssumeRole another role of the account .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: DeleteRolePermissionsBoundary of a partner role .*engine says Allowed/),
      ]));
      // The bot's own policy alone still grants none of it: only the guards are gone.
      expect(diff.filter((d) => d.startsWith('bot:'))).toEqual([]);
    });

    it('a bot role without its audit Denies lets an Allow * beside it rewrite and delete the trail', async () => {
      const s = scenario();
      const doc = s.platformDocs.botRole.policies[0]!.document;
      doc.Statement = doc.Statement.filter((st) => st.Sid !== 'DenyAuditOverwrites' && st.Sid !== 'DenyAuditRemoval');
      const diff = await differences(s);
      expect(diff).toEqual(expect.arrayContaining([
        expect.stringMatching(/^bot \+ AdministratorAccess: PutObject audit\/\S+ without If-None-Match .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: DeleteObject audit\/\S+ .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: DeleteObjectVersion audit\/\S+ .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: BypassGovernanceRetention on audit\/\S+ .*engine says Allowed/),
      ]));
      expect(diff.filter((d) => d.startsWith('bot:'))).toEqual([]);
    });

    it('an audit Allow without its If-None-Match condition (and no Deny behind it) lets the bot overwrite a record', async () => {
      const s = scenario();
      const doc = s.platformDocs.botRole.policies[0]!.document;
      delete sid(doc, 'AppendAuditRecords').Condition;
      doc.Statement = doc.Statement.filter((st) => st.Sid !== 'DenyAuditOverwrites');
      expect(await differences(s)).toEqual(expect.arrayContaining([
        expect.stringMatching(/^bot: PutObject audit\/\S+ without If-None-Match .*engine says Allowed/),
        expect.stringMatching(/^bot: CopyObject onto audit\/\S+ .*engine says Allowed/),
      ]));
    });

    it('a bucket policy without the TLS refusal lets plain HTTP through', async () => {
      const s = scenario();
      s.platformDocs.bucketPolicy.Statement = s.platformDocs.bucketPolicy.Statement.filter((st) => st.Sid !== 'DenyInsecureTransport');
      expect(await differences(s)).toEqual(expect.arrayContaining([
        expect.stringMatching(/^acme SFTP session: GetObject partners\/acme\/prices\.csv without TLS .*engine says Allowed/),
        expect.stringMatching(/^bot: PutObject without TLS .*engine says Allowed/),
      ]));
    });

    it('a bucket policy that forgets the key refusal lets an upload name another key', async () => {
      const s = scenario();
      s.platformDocs.bucketPolicy.Statement = s.platformDocs.bucketPolicy.Statement.filter((st) => st.Sid !== 'DenyUploadsNamingAnotherKey');
      expect(await differences(s)).toEqual([
        expect.stringMatching(/^bot: PutObject naming another KMS key .*engine says Allowed/),
        expect.stringMatching(/^bot \+ AdministratorAccess: PutObject naming another KMS key .*engine says Allowed/),
      ]);
    });
  });
});
