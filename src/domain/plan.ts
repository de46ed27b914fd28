/** The plan of an onboarding request: every resource provisioning will create or change, and its hash. */
export interface PlanItem {
  action: 'create' | 'ensure';
  resource: string;
  details: string[];
}

export interface Plan {
  hash: string;
  items: PlanItem[];
}
