/** actions/access: who may do what (the gate before every use case), and the directories it asks. */
export { allows, authorize, type AccessDeps, type EntryPoint } from './authorize.js';
export { createApproverDirectory, createMemberDirectory, isFullMember, type SlackUserFacts } from './directory.js';
