import { describe, expect, it } from 'vitest';
import { parseEndpoint, sftpEndpointRefusal } from '../../../src/domain/access.js';

describe('the SFTP endpoint (src/domain/access.ts)', () => {
  it('when TRANSFER_HOST is a host or host:port, then it is read as host and port (22 unless given)', () => {
    expect(parseEndpoint('sftp.example.com')).toEqual({ host: 'sftp.example.com', port: 22 });
    expect(parseEndpoint('sftp.example.com:2222')).toEqual({ host: 'sftp.example.com', port: 2222 });
  });

  it.each([
    ['SSH keys, no host, AWS touched', { sshKeys: ['k'], accountId: '444455556666' }, { transferHost: undefined, dryRun: false }, true],
    ['no keys and no account (an SFTP partner still), no host', { sshKeys: [], accountId: null }, { transferHost: undefined, dryRun: false }, true],
    ['S3 pull only, no host', { sshKeys: [], accountId: '444455556666' }, { transferHost: undefined, dryRun: false }, false],
    ['SSH keys, no host, DRY_RUN', { sshKeys: ['k'], accountId: null }, { transferHost: undefined, dryRun: true }, false],
    ['SSH keys and a host', { sshKeys: ['k'], accountId: null }, { transferHost: 'sftp.example.com', dryRun: false }, false],
  ])('when %s, then it is refused: %s', (_what, partner, endpoint, refused) => {
    const message = sftpEndpointRefusal(partner, endpoint);
    expect(message !== null).toBe(refused);
    if (message) expect(message).toMatch(/TRANSFER_HOST/);
  });
});
