import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LinkSigner } from '../../../lib/actions/token.ts';

const KEY = 'k'.repeat(32);
const NOW = new Date('2026-11-23T03:30:00Z');
const EXPIRES = new Date('2026-11-24T03:30:00Z');
const grant = {
  action: 'abcdEFGH12345678',
  operation: 'approve' as const,
  target: '440103125380001',
  expiresAt: EXPIRES,
};

const signer = new LinkSigner(KEY);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** `payload` as given with a valid mac under KEY, as token.ts makes it: what only the key holder can make. */
const signedPayload = (payload: string) => {
  const mac = createHmac('sha256', KEY)
    .update('spendwatch-action-link.v1.')
    .update(payload)
    .digest('base64url');
  return `${payload}.${mac}`;
};

describe('action link tokens', () => {
  it('verify what they were signed for', () => {
    const { token, tokenId } = signer.sign(grant);
    expect(signer.verify(token, NOW)).toEqual({ ok: true, grant: { ...grant, tokenId } });
    // Another signer with the same key (the Function URL's, not the check's) verifies it too.
    expect(new LinkSigner(KEY).verify(token, NOW).ok).toBe(true);
  });

  it('carry a new token id with every signature', () => {
    const ids = new Set(Array.from({ length: 20 }, () => signer.sign(grant).tokenId));
    expect(ids.size).toBe(20);
    const [a, b] = [signer.sign(grant), signer.sign(grant)];
    expect(a.token).not.toBe(b.token);
  });

  it('expire at their instant, saying when, and still say what they were for', () => {
    const { token, tokenId } = signer.sign(grant);
    expect(signer.verify(token, new Date(EXPIRES.getTime() - 1000)).ok).toBe(true);
    for (const at of [EXPIRES, new Date(EXPIRES.getTime() + 1)]) {
      expect(signer.verify(token, at)).toEqual({
        ok: false,
        reason: 'expired',
        message: 'this link expired at 2026-11-24T03:30:00.000Z',
        grant: { ...grant, tokenId },
      });
    }
  });

  it('refuse an altered payload, an altered mac and a token from another key', () => {
    const { token } = signer.sign(grant);
    const [payload, mac] = token.split('.') as [string, string];
    const forged = b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), o: 'undo' });
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    const other = new LinkSigner('o'.repeat(32)).sign(grant).token;
    for (const bad of [`${forged}.${mac}`, `${payload}.${flipped}`, `${payload}.${mac.slice(1)}`, other])
      expect(signer.verify(bad, NOW)).toEqual({
        ok: false,
        reason: 'altered',
        message: 'this link was altered or was not made by this deployment',
      });
  });

  it('refuse malformed tokens: no dot, an extra dot, empty parts', () => {
    const { token } = signer.sign(grant);
    for (const bad of [
      token.replace('.', ''),
      `${token}.x`,
      `.${token.split('.')[1]}`,
      `${token.split('.')[0]}.`,
      '',
    ])
      expect(signer.verify(bad, NOW)).toMatchObject({
        ok: false,
        reason: 'malformed',
        message: 'this link is incomplete: copy the whole link from the alert',
      });
  });

  it('refuse a correctly signed payload that is not JSON or not a grant', () => {
    const valid = { v: 1, a: 'abcdEFGH12345678', o: 'approve', t: 'x', e: 1_900_000_000, j: 'tok' };
    expect(signer.verify(signedPayload(b64(valid)), NOW).ok).toBe(true);
    const bad = [
      Buffer.from('not json').toString('base64url'),
      b64({ ...valid, v: 2 }),
      b64({ ...valid, o: 'delete' }),
      b64({ ...valid, e: '1900000000' }),
      b64({ ...valid, a: '' }),
      b64([valid]),
      b64(null),
    ];
    for (const payload of bad)
      expect(signer.verify(signedPayload(payload), NOW)).toEqual({
        ok: false,
        reason: 'malformed',
        message: 'this link is not a spendwatch action link',
      });
  });

  it('refuse a signing key shorter than 32 bytes, saying how to make one', () => {
    expect(() => new LinkSigner('k'.repeat(31))).toThrow(
      new RangeError(
        'the action signing key has 31 bytes, fewer than 32; make one with: openssl rand -base64 48',
      ),
    );
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(() => new LinkSigner('鍵'.repeat(11))).not.toThrow();
  });
});
