/**
 * How a partner reaches its files: over SFTP (a Transfer user) when it has SSH keys, or when it has
 * no AWS account to pull from (then it must get keys); through its own role when it has an account.
 */
export function wantsTransferUser(partner: { sshKeys: readonly string[]; accountId: string | null | undefined }): boolean {
  return partner.sshKeys.length > 0 || !partner.accountId;
}

/** Where SFTP partners connect: TRANSFER_HOST, and whether AWS is touched at all (DRY_RUN creates no user). */
export interface SftpEndpoint {
  transferHost: string | undefined;
  dryRun: boolean;
}

/**
 * TRANSFER_HOST is required once partners use SFTP: a Transfer user the partner cannot be told how
 * to reach is a half-done onboarding (and its live SFTP probe would be skipped). DRY_RUN creates no
 * user, so it needs no host. Null when the partner may go ahead.
 */
export function sftpEndpointRefusal(partner: { sshKeys: readonly string[]; accountId: string | null | undefined }, endpoint: SftpEndpoint): string | null {
  if (!wantsTransferUser(partner) || endpoint.dryRun || endpoint.transferHost !== undefined) return null;
  return 'SFTP is not set up on this bot: TRANSFER_HOST is not set, so the partner could not be told where to connect. '
    + 'Ask the platform team to set TRANSFER_HOST (the platform stack\'s TransferHost output), or give only an AWS account id (S3 pull).';
}

/** TRANSFER_HOST, `host` or `host:port`, as its host and port (22 unless given). */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const at = endpoint.lastIndexOf(':');
  return at < 0 ? { host: endpoint, port: 22 } : { host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)) };
}
