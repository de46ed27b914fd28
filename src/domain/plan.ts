/** The plan of an onboarding request: every resource provisioning will create or change, and its hash. */
import type { AccessSummary } from './access-summary.js';

export interface PlanItem {
  action: 'create' | 'ensure';
  resource: string;
  details: string[];
}

/** One document as approving applies it: pretty JSON, with the ExternalId left out (it goes to the requester privately). */
export interface PlanDocument {
  title: string;
  json: string;
}

export interface Plan {
  hash: string;
  /** What the partner will be able to do, read from the documents (src/domain/access-summary.ts). */
  access: AccessSummary;
  items: PlanItem[];
  documents: PlanDocument[];
}
