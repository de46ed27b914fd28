import { describe, expect, it } from 'vitest';
import { buildExternalIdDm, buildWelcomeDm, welcomeSentText, type WelcomeView } from '../../../src/bot/messages/welcome.js';
import { fingerprintOf } from '../../../src/domain/key-ages.js';
import { expectWithinSlackLimits, firstLine } from '../../support/slack-limits.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJUzz4Qk/RP8ihyEutBzt1Pmc403gMdnA1Gxk8eOqJuE';
const ARN = 'arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme';
const allText = (m: { text: string; blocks: unknown[] }) => m.text + JSON.stringify(m.blocks);

const view = (over: Partial<WelcomeView> = {}): WelcomeView => ({
  partnerId: 'acme', displayName: 'Acme <Corp>', contactEmail: 'files@acme.example', contact: 'UOWNER1', region: 'eu-west-1', bucket: 'dist-bucket',
  homePrefix: 'partners/acme/', feeds: ['price-lists'], dryRun: false,
  sftp: { host: 'sftp.example.com', port: 22, userName: 'acme', hostKeys: ['SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0'], staticIps: ['203.0.113.10', '203.0.113.11'], sshKeys: [KEY] },
  role: { arn: ARN, partnerSidePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ARN }] } },
  ...over,
});

describe('welcome DM', () => {
  it('when a partner has SFTP and a role, then the text to forward gives host, port, user, both kinds of fingerprint, addresses, where the files are, the role, the policy and whom to ask', () => {
    const m = buildWelcomeDm(view());
    const text = allText(m);
    for (const part of [
      'host: `sftp.example.com`, port `22`', 'user name: `acme`', 'your home directory, `/`',
      `registered as: \`ssh-ed25519\` \`${fingerprintOf(KEY)}\``,
      'fingerprint (check on first connection): `SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0`',
      'allow-list (outbound TCP `22`): `203.0.113.10`, `203.0.113.11`',
      `role to assume: \`${ARN}\``, 'bucket `dist-bucket` (`eu-west-1`) under `partners/acme/`', 'sts:AssumeRole',
      'Questions: ask <@UOWNER1>', 'files@acme.example', 'Acme &lt;Corp&gt;',
    ]) {
      expect(text).toContain(part);
    }
    expect(text).not.toContain('<Corp>');
    expect(text).not.toContain(KEY.split(' ')[1]);
    expectWithinSlackLimits(m);
  });

  it('when it is built, then its first line says the welcome text is ready to forward, and where the ExternalId is', () => {
    const m = buildWelcomeDm(view());
    expect(firstLine(m)).toMatch(/^:envelope: Welcome text for Acme &lt;Corp&gt; \(`acme`\) — forward what follows/);
    expect(allText(m)).toContain('The ExternalId is not in this text: it comes in a separate message');
  });

  it('when the partner has SFTP only, then there is no role part and no word of an ExternalId; a port other than 22 is given', () => {
    const m = buildWelcomeDm(view({ role: null, sftp: { ...view().sftp!, port: 2222, staticIps: [], hostKeys: ['SHA256:one', 'SHA256:two'] } }));
    const text = allText(m);
    expect(text).not.toContain('ExternalId');
    expect(text).not.toContain('allow-list');
    expect(text).toContain('port `2222`');
    expect(text).toContain('fingerprints (check on first connection): `SHA256:one`, `SHA256:two`');
  });

  it('when TRANSFER_HOST is unset in DRY_RUN, then the host and its keys are planned, nobody is told to ask a team, and nothing carries a ✅', () => {
    const m = buildWelcomeDm(view({ dryRun: true, sftp: { ...view().sftp!, host: undefined, hostKeys: [] } }));
    const text = allText(m);
    expect(firstLine(m)).toMatch(/^:memo: Welcome text for .* is planned — a dry run: nothing was created on AWS, so do not forward it\.$/);
    expect(text).toContain('host: _planned');
    expect(text).toContain("server host key: _planned");
    expect(text).not.toMatch(/platform team/);
    expect(text).not.toContain(':white_check_mark:');
  });

  it('when the host keys could not be read, or the server reports none, then the partner is told to ask its contact, by name', () => {
    const unread = allText(buildWelcomeDm(view({ sftp: { ...view().sftp!, hostKeys: null } })));
    expect(unread).toContain('could not be read just now; ask <@UOWNER1> for it before the first connection');
    const none = allText(buildWelcomeDm(view({ sftp: { ...view().sftp!, hostKeys: [] } })));
    expect(none).toContain('none reported by the server; ask <@UOWNER1>');
  });

  it('when the policy is long and there are many keys and addresses, then the message stays within Slack limits', () => {
    const statements = Array.from({ length: 200 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `${ARN}/${i}` }));
    const m = buildWelcomeDm(view({
      role: { arn: ARN, partnerSidePolicy: { Statement: statements } },
      sftp: { ...view().sftp!, sshKeys: Array.from({ length: 40 }, () => KEY), staticIps: Array.from({ length: 100 }, (_, i) => `203.0.113.${i}`) },
    }));
    expectWithinSlackLimits(m);
  });
});

describe('ExternalId DM', () => {
  const dm = (dryRun = false) => buildExternalIdDm({ partnerId: 'acme', displayName: 'Acme', roleArn: ARN, externalId: 'EXT-<!here>-123', dryRun });

  it('when it is built, then it holds the ExternalId (escaped, in code), the role it is for, and how to pass it on', () => {
    const m = dm();
    const text = allText(m);
    expect(firstLine(m)).toBe(':key: ExternalId for Acme (`acme`) — pass it on privately.');
    expect(text).toContain('ExternalId: `EXT-&lt;!here&gt;-123`');
    expect(text).not.toContain('<!here>');
    expect(text).toContain(ARN);
    expect(text).toMatch(/never in a ticket/);
    expectWithinSlackLimits(m);
  });

  it('when in DRY_RUN, then it says the ExternalId is planned and not to pass it on', () => {
    expect(firstLine(dm(true))).toMatch(/is planned — a dry run: the role does not exist, so do not pass it on/);
  });
});

describe('welcome sent, in the thread', () => {
  it('when the welcome went to the requester and the owner, then the thread names both and says the ExternalId went separately', () => {
    const line = welcomeSentText({ partnerId: 'acme', to: ['UREQ1', 'UOWNER1'], externalId: true, dryRun: false });
    expect(line).toBe(':envelope_with_arrow: The welcome text for `acme` was sent by DM to <@UREQ1> and <@UOWNER1>; the ExternalId went in a separate DM.');
  });

  it('when there is no role, then it says nothing of an ExternalId; in DRY_RUN the text is the planned one', () => {
    const line = welcomeSentText({ partnerId: 'acme', to: ['UREQ1'], externalId: false, dryRun: true });
    expect(line).toBe(':envelope_with_arrow: The planned welcome text for `acme` was sent by DM to <@UREQ1>.');
  });
});
