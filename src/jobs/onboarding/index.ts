/** jobs/onboarding: what the rest of the program may use; everything else in this folder is internal. */
export { REQUEST_TAG_KEY, keyDifferences, keyIdentity, parsePolicy, roleFixedDifferences, roleTagDifferences, sameDocument, tagsOf, transferUserDifferences } from './intended-state.js';
export { wantsTransferUser } from '../../domain/access.js';
export { createProvisionWorkers, type ProvisionWorkerOptions } from './provision-workers.js';
export { addProvisionJob } from './provision.js';
export { CANARY_CHECK_LABEL, CANARY_OBJECT_KEY, createProbeS3Factory, runS3Probes, type S3ForCredentials } from './verify-probes.js';
export { addVerifyJob } from './verify.js';
export { welcomeSftp, type WelcomeSftpDeps } from './welcome-sftp.js';
export { sendWelcome } from './send-welcome.js';
