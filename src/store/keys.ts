/** Every Redis key the bot uses, under PARTNERGATE_PREFIX. See docs/architecture.md "Redis layout". */
export function keys(prefix: string) {
  return {
    partnerIdReservation: (partnerId: string) => `${prefix}:pid:${partnerId}`,
    request: (requestId: string) => `${prefix}:req:${requestId}`,
    pendingRequests: () => `${prefix}:req:pending`,
    sftpUsers: () => `${prefix}:capacity:sftp`,
    partnerRoles: () => `${prefix}:capacity:roles`,
    partner: (partnerId: string) => `${prefix}:partner:${partnerId}`,
    seen: (kind: string, id: string) => `${prefix}:seen:${kind}:${id}`,
  };
}
export type Keys = ReturnType<typeof keys>;
