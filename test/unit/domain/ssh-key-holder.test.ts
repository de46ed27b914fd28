import { describe, expect, it } from 'vitest';
import {
  claimedBy, conflictOf, heldKeyMessage, keyInUseMessage, keyRef, keyRefs, keysHeldElsewhere, readHolder, registeredTo, sharedKeys,
} from '../../../src/domain/ssh-key-holder.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';

const body = (k: string) => k.split(' ').slice(0, 2).join(' ');

describe('ssh key holders', () => {
  it('when one key is pasted with another comment or spacing, then it has one identity: its SHA256 fingerprint', () => {
    const k = ed25519PublicKey('alice@acme');
    const refs = [k, `${body(k)} bob@elsewhere`, `  ${body(k).replace(' ', '   ')}  `].map(keyRef);
    expect(new Set(refs.map((r) => r?.fingerprint)).size).toBe(1);
    expect(refs[0]).toMatchObject({ type: 'ssh-ed25519', normalized: body(k), fingerprint: expect.stringMatching(/^SHA256:/) });
    expect(keyRefs([k, `${body(k)} again`, 'not a key'])).toHaveLength(1);
  });

  it('when holders are read, then a registration, a claim and a conflict are told apart, and a partner\'s own pass', () => {
    expect(readHolder(registeredTo('acme'))).toEqual({ partnerIds: ['acme'], pending: false });
    expect(readHolder(claimedBy('acme', 'req_x'))).toEqual({ partnerIds: ['acme'], pending: true });
    expect(readHolder(conflictOf(['initech', 'acme']))).toEqual({ partnerIds: ['acme', 'initech'], pending: false });
    const [a, b, c] = [keyRef(ed25519PublicKey())!, keyRef(ed25519PublicKey())!, keyRef(ed25519PublicKey())!];
    expect(keysHeldElsewhere('acme', [a, b, c], ['acme', claimedBy('acme', 'chg_y'), null])).toEqual([]);
    expect(keysHeldElsewhere('acme', [a, b, c], [claimedBy('initech', 'req_z'), conflictOf(['acme', 'globex']), null])).toEqual([
      { ...a, heldBy: ['initech'], pending: true },
      { ...b, heldBy: ['acme', 'globex'], pending: false },
    ]);
  });

  it('when the refusal is worded, then it names the key by type and fingerprint, never its material, and only well-formed partner ids', () => {
    const k = ed25519PublicKey();
    const ref = keyRef(k)!;
    const message = heldKeyMessage([k], ref.fingerprint, 'acme');
    expect(message).toBe(`The key \`ssh-ed25519\` \`${ref.fingerprint}\` is already registered to another partner (\`acme\`): a key can belong to one partner only, or either could log in as the other. Ask the partner for a key of its own.`);
    expect(message).not.toContain(body(k).split(' ')[1]);
    // A holder written into Redis by someone else cannot put a mention or a link into the message.
    const forged = keyInUseMessage({ type: 'ssh-ed25519', fingerprint: ref.fingerprint, heldBy: ['<!channel>', '<https://evil.example|x>'], pending: false });
    expect(forged).not.toMatch(/[<>]/);
  });

  it('when records share a key, then it is found with every partner holding it', () => {
    const [shared, own] = [body(ed25519PublicKey()), body(ed25519PublicKey())];
    const found = sharedKeys([
      { partnerId: 'initech', sshKeys: [`${shared} x`] }, { partnerId: 'acme', sshKeys: [shared, own] }, { partnerId: 'globex', sshKeys: [] },
    ]);
    expect([...found.values()].map((e) => [e.ref.normalized, e.partnerIds])).toEqual([[shared, ['acme', 'initech']]]);
  });
});
