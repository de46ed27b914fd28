/**
 * Key builders under PARTNERGATE_PREFIX shared by the onboarding request store, the partner id
 * retirers and Slack replay protection. The other key families are built by their own modules
 * (src/store/*.ts, a few jobs); docs/architecture.md "Redis layout" lists every one.
 */
export function keys(prefix: string) {
  return {
    partnerIdReservation: (partnerId: string) => `${prefix}:pid:${partnerId}`,
    request: (requestId: string) => `${prefix}:req:${requestId}`,
    pendingRequests: () => `${prefix}:req:pending`,
    sftpUsers: () => `${prefix}:capacity:sftp`,
    partnerRoles: () => `${prefix}:capacity:roles`,
    partner: (partnerId: string) => `${prefix}:partner:${partnerId}`,
    /** SHA256 fingerprint → who holds the SSH key (src/domain/ssh-key-holder.ts); kept by src/store/ssh-key-scripts.ts. */
    sshKeyHolders: () => `${prefix}:sshkeys`,
    seen: (kind: string, id: string) => `${prefix}:seen:${kind}:${id}`,
  };
}
export type Keys = ReturnType<typeof keys>;
