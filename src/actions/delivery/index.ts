/** actions/delivery: what the rest of the program may use; everything else in this folder is internal. */
export { DELIVER_JOB, DISPATCH_JOB, GO_LIVE_JOB, RECEIPT_FLUSH_JOB, deliverJobId, deliverPayload, dispatchJobId, dispatchPayload, goLivePayload, receiptFlushJobId, receiptFlushPayload, resendJobId, type DeliverPayload, type DeliveryStorage, type DispatchPayload, type GoLivePayload, type ListedObject, type ReceiptFlushPayload } from './contract.js';
export { partnerStatus, type PartnerStatusDeps, type PartnerStatusResult, type PickupStatus } from './partner-status.js';
export { resendFailedDelivery, resendFile, type ResendFailedDeps, type ResendResult } from './resend-file.js';
