/** jobs/audit: what the rest of the program may use; everything else in this folder is internal. */
export { createAudit, createAuditQueue, createAuditWorker, type AuditQueue } from './audit.js';
export { formatHistoryLine, readPartnerHistory, scanAuditRecords } from './history.js';
export { verifyAuditTrail } from './verify.js';
