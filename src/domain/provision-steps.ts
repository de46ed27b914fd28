/** The steps of provisioning a partner, in order, as the thread names them. */
export const PROVISION_STEPS = ['preflight', 'transfer-user', 'ssh-keys', 'partner-role', 'home-marker', 'registry'] as const;
export type ProvisionStep = (typeof PROVISION_STEPS)[number];

export const STEP_LABELS: Record<ProvisionStep, string> = {
  preflight: 'Policy checks before anything is created (Access Analyzer)',
  'transfer-user': 'Transfer user',
  'ssh-keys': 'SSH keys',
  'partner-role': 'Partner role and its inline policy',
  'home-marker': 'Home marker object',
  registry: 'Partner record in the registry',
};

export function isProvisionStep(step: string | undefined): step is ProvisionStep {
  return (PROVISION_STEPS as readonly string[]).includes(step ?? '');
}
