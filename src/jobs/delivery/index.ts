/** jobs/delivery: what the rest of the program may use; everything else in this folder is internal. */
export { addResend } from './deliver.js';
export { DEFAULT_DELIVERY_OPTIONS } from './delivery-context.js';
export { createS3DeliveryStorage, type S3DeliveryStorageOptions } from './delivery-storage.js';
export { createDeliveryWorkers, type DeliveryWorkers } from './delivery-workers.js';
export { type DeliveryOptions } from './delivery-context.js';
export { onLive } from './go-live.js';
export { formatRestoreReport, restoreDeliveryMarks, type RestoreMarksReport } from './restore-marks.js';
