/** jobs/notify: what the rest of the program may use; everything else in this folder is internal. */
export { createNotifySlackClient, type SlackApi } from './notify-send.js';
export { createNotifyQueue, createNotifyWorker, enqueueNotify, retryDelayMs } from './notify.js';
export { type NotifyWorkerOptions } from './notify.js';
export { toSlackError } from './slack-errors.js';
