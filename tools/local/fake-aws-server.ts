/**
 * A loopback AWS for a benchmark's child process (`partnergate worker`), answering the reads the
 * drift sweep and the isolation probes send, as AWS answers them for partners as provisioned (the
 * renderer's documents): Transfer DescribeUser and KMS GetKeyPolicy (JSON 1.1); IAM GetRole,
 * ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, GetPolicy, GetPolicyVersion and STS
 * AssumeRole (query protocol, XML); KMS ListGrants (none); S3 GetBucketPolicy, the bucket's public access block, ownership
 * controls and encryption, ListObjectsV2 and GetObject (path style).
 * Point the process at it with AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3.
 *
 * S3 answers as the policies mean it, by who signed: the session an AssumeRole made is named in its
 * access key (`V-` the verifier, `P-<partnerId>` a partner's role or SFTP session): the verifier
 * reads the canary, a partner lists and reads its own home only, anything else is AccessDenied; the
 * process's own credentials list nothing. Counts the calls by service; any other request is
 * answered 400 and counted under `unknown`, its action in `unknownActions`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformConfig } from '../../src/aws/policies/platform.js';
import { renderPlatform, type RenderedRole } from '../../src/aws/policies/index.js';
import type { PartnerRecord } from '../../src/domain/partner.js';
import { intendedFor } from '../../src/jobs/lifecycle/index.js';
import { CANARY_PREFIX } from '../../src/domain/partner-id.js';

export interface FakeAwsServer {
  endpoint: string;
  /** Calls by service (transfer, iam, sts, kms, s3-control, s3-data, unknown). */
  readonly calls: Record<string, number>;
  readonly unknownActions: Set<string>;
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const enc = (doc: unknown) => xmlEscape(encodeURIComponent(JSON.stringify(doc)));
const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'fake' });
  res.end(body);
}

const queryOk = (res: ServerResponse, ns: string, action: string, inner: string) =>
  send(res, 200, 'text/xml', `<${action}Response xmlns="${ns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`);
const queryError = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, 'text/xml', `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`);
const jsonError = (res: ServerResponse, code: string, message: string) =>
  send(res, 400, 'application/x-amz-json-1.1', JSON.stringify({ __type: code, Message: message }));
const s3Error = (res: ServerResponse, status: number, code: string) =>
  send(res, status, 'application/xml', `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>fake</RequestId></Error>`);

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeAwsServer(platform: PlatformConfig, partners: ReadonlyMap<string, PartnerRecord>): Promise<FakeAwsServer> {
  const calls: Record<string, number> = {};
  const unknownActions = new Set<string>();
  const count = (what: string) => void (calls[what] = (calls[what] ?? 0) + 1);
  const rendered = renderPlatform(platform);
  const platformRoles = new Map<string, RenderedRole>([rendered.transferRole, rendered.verifierRole, rendered.botRole].map((r) => [r.roleName, r]));
  const boundary = rendered.permissionsBoundary;
  const PARTNER_ROLE = /^partnergate-partner-(.+)$/;
  /** A role as AWS holds it: a partner's (as provisioned) or a platform role; undefined: none. */
  const roleNamed = (name: string) => {
    const partner = PARTNER_ROLE.exec(name)?.[1];
    if (partner !== undefined) {
      const p = partners.get(partner);
      const role = p ? intendedFor(platform, p).partnerRole : null;
      return role ? { role, path: role.path, boundary: role.permissionsBoundary, tags: role.tags } : undefined;
    }
    const role = platformRoles.get(name);
    return role ? { role, path: '/', boundary: undefined, tags: {} as Record<string, string> } : undefined;
  };

  const iam = (res: ServerResponse, form: URLSearchParams) => {
    const action = form.get('Action') ?? '';
    const found = roleNamed(form.get('RoleName') ?? '');
    const noRole = () => queryError(res, 404, 'NoSuchEntity', `The role with name ${form.get('RoleName')} cannot be found.`);
    if (action === 'GetRole') {
      if (!found) return noRole();
      const { role, path, boundary: b, tags } = found;
      const tagXml = Object.entries(tags).map(([k, v]) => `<member><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></member>`).join('');
      return queryOk(res, IAM_NS, action, `<Role><Path>${path}</Path><RoleName>${role.roleName}</RoleName><RoleId>AROAFAKE</RoleId><Arn>${role.arn}</Arn>`
        + `<CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>${enc(role.trustPolicy)}</AssumeRolePolicyDocument>`
        + (b ? `<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType><PermissionsBoundaryArn>${b}</PermissionsBoundaryArn></PermissionsBoundary>` : '')
        + `<Tags>${tagXml}</Tags></Role>`);
    }
    if (action === 'ListRolePolicies') {
      if (!found) return noRole();
      return queryOk(res, IAM_NS, action, `<PolicyNames>${found.role.policies.map((p) => `<member>${p.name}</member>`).join('')}</PolicyNames><IsTruncated>false</IsTruncated>`);
    }
    if (action === 'GetRolePolicy') {
      const policy = found?.role.policies.find((p) => p.name === form.get('PolicyName'));
      if (!found || !policy) return noRole();
      return queryOk(res, IAM_NS, action, `<RoleName>${found.role.roleName}</RoleName><PolicyName>${policy.name}</PolicyName><PolicyDocument>${enc(policy.document)}</PolicyDocument>`);
    }
    if (action === 'ListAttachedRolePolicies') {
      if (!found) return noRole();
      const attached = (found.role.managedPolicies ?? []).map((m) => `<member><PolicyName>${m.name}</PolicyName><PolicyArn>${m.arn}</PolicyArn></member>`).join('');
      return queryOk(res, IAM_NS, action, `<AttachedPolicies>${attached}</AttachedPolicies><IsTruncated>false</IsTruncated>`);
    }
    if ((action === 'GetPolicy' || action === 'GetPolicyVersion') && form.get('PolicyArn') === boundary.arn) {
      return action === 'GetPolicy'
        ? queryOk(res, IAM_NS, action, `<Policy><PolicyName>${boundary.name}</PolicyName><Arn>${boundary.arn}</Arn><Path>${boundary.path}</Path><DefaultVersionId>v1</DefaultVersionId></Policy>`)
        : queryOk(res, IAM_NS, action, `<PolicyVersion><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><Document>${enc(boundary.policies[0]!.document)}</Document></PolicyVersion>`);
    }
    count('unknown');
    unknownActions.add(`iam:${action}`);
    return queryError(res, 400, 'InvalidAction', `not simulated: ${action}`);
  };

  /** The session's access key names who it is: the verifier, or the partner whose role or SFTP session it is. */
  const assumeRole = (res: ServerResponse, form: URLSearchParams) => {
    const who = form.get('RoleArn') === platform.verifierRoleArn ? 'V-' : `P-${(form.get('RoleSessionName') ?? '').replace(/^partnergate-verify-/, '')}`;
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    return queryOk(res, STS_NS, 'AssumeRole', `<Credentials><AccessKeyId>${xmlEscape(who)}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>`
      + `<SessionToken>token</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${platform.accountId}:assumed-role/fake/s</Arn><AssumedRoleId>AROAFAKE:s</AssumedRoleId></AssumedRoleUser>`);
  };

  const describeUser = (res: ServerResponse, input: { UserName?: string }) => {
    const p = partners.get(input.UserName ?? '');
    if (!p) return jsonError(res, 'ResourceNotFoundException', `Unknown user ${input.UserName}`);
    const u = intendedFor(platform, p).transferUser;
    return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({
      ServerId: platform.transferServerId,
      User: {
        Arn: `arn:aws:transfer:${platform.region}:${platform.accountId}:user/${platform.transferServerId}/${u.UserName}`, UserName: u.UserName, Role: u.Role,
        HomeDirectoryType: u.HomeDirectoryType, HomeDirectoryMappings: u.HomeDirectoryMappings, Policy: JSON.stringify(u.Policy),
        SshPublicKeys: p.sshKeys.map((k, i) => ({ SshPublicKeyBody: k, SshPublicKeyId: `key-${i}`, DateImported: 0 })),
      },
    }));
  };

  const s3 = (res: ServerResponse, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (bucket !== platform.bucket) return s3Error(res, 404, 'NoSuchBucket');
    if (url.searchParams.has('policy')) {
      count('s3-control');
      return send(res, 200, 'application/json', JSON.stringify(rendered.bucketPolicy));
    }
    const settings = rendered.bucketSettings;
    const xml = (body: string) => (count('s3-control'), send(res, 200, 'application/xml', `<?xml version="1.0" encoding="UTF-8"?>${body}`));
    if (url.searchParams.has('publicAccessBlock')) {
      return xml(`<PublicAccessBlockConfiguration>${Object.entries(settings.publicAccessBlock).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</PublicAccessBlockConfiguration>`);
    }
    if (url.searchParams.has('ownershipControls')) {
      return xml(`<OwnershipControls><Rule><ObjectOwnership>${settings.objectOwnership}</ObjectOwnership></Rule></OwnershipControls>`);
    }
    if (url.searchParams.has('encryption')) {
      return xml(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${settings.encryption.algorithm}</SSEAlgorithm>`
        + `<KMSMasterKeyID>${settings.encryption.kmsKeyArn}</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>${settings.encryption.bucketKeyEnabled}</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`);
    }
    count('s3-data');
    const who = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const home = who.startsWith('P-') ? `partners/${who.slice(2)}/` : null;
    if (url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const mine = home !== null && prefix.startsWith(home);
      if (!mine && who.startsWith('P-')) return s3Error(res, 403, 'AccessDenied');
      const contents = mine ? `<Contents><Key>${xmlEscape(`${home}.partnergate`)}</Key><Size>12</Size></Contents>` : '';
      return send(res, 200, 'application/xml', `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix>`
        + `<KeyCount>${mine ? 1 : 0}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`);
    }
    const readable = (who === 'V-' && key.startsWith(CANARY_PREFIX)) || (home !== null && key.startsWith(home));
    if (!readable) return s3Error(res, 403, 'AccessDenied');
    return send(res, 200, 'application/octet-stream', 'partnergate\n');
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const [service, action] = target.split('.');
        const input = JSON.parse(body || '{}') as Record<string, string>;
        if (service === 'TransferService' && action === 'DescribeUser') {
          count('transfer');
          return describeUser(res, input);
        }
        if (service === 'TrentService' && action === 'GetKeyPolicy') {
          count('kms');
          return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ Policy: JSON.stringify(rendered.kmsKeyPolicy), PolicyName: 'default' }));
        }
        if (service === 'TrentService' && action === 'ListGrants') {
          count('kms');
          return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ Grants: [], Truncated: false }));
        }
        count('unknown');
        unknownActions.add(target);
        return jsonError(res, 'UnknownOperationException', `not simulated: ${target}`);
      }
      if (req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        const form = new URLSearchParams(body);
        if (form.get('Action') === 'AssumeRole') {
          count('sts');
          return assumeRole(res, form);
        }
        count('iam');
        return iam(res, form);
      }
      return s3(res, req);
    })().catch((err: unknown) => send(res, 500, 'text/plain', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    unknownActions,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
