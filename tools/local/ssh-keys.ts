/** SSH keys as a partner pastes them into the onboarding form. */
import { generateKeyPairSync } from 'node:crypto';
import sshpk from 'sshpk';

/** A real ed25519 public key in OpenSSH format. */
export function ed25519PublicKey(comment = 'test@example'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return `${sshpk.parseKey(pem, 'pem').toString('ssh')} ${comment}`;
}
