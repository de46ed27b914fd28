/**
 * How a partner reaches its files: over SFTP (a Transfer user) when it has SSH keys, or when it has
 * no AWS account to pull from (then it must get keys); through its own role when it has an account.
 */
export function wantsTransferUser(partner: { sshKeys: readonly string[]; accountId: string | null | undefined }): boolean {
  return partner.sshKeys.length > 0 || !partner.accountId;
}
