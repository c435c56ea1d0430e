/**
 * The tokens in Approve and Undo links: what they allow (one operation on one action and its target),
 * until when, signed with HMAC-SHA256 under the deployment's signing key. A token is a permission, not a
 * credential: it grants only its operation, and the action record's state makes it work once (an
 * approved action is no longer awaiting approval).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { parseJsonOrUndefined } from './parse-json.ts';

export type LinkOperation = 'approve' | 'undo';

export interface LinkGrant {
  /** The action record's id. */
  action: string;
  operation: LinkOperation;
  /** The target's resource id, so a token cannot be replayed against another record with the same id. */
  target: string;
  expiresAt: Date;
  /** Random per token: who clicked, in the audit log. */
  tokenId: string;
}

/** Why a token was refused, for the page that says so. */
export type TokenRefusal =
  | { reason: 'malformed' | 'altered'; message: string }
  | { reason: 'expired'; message: string; grant: LinkGrant };

const payloadSchema = z.object({
  v: z.literal(1),
  a: z.string().min(1),
  o: z.enum(['approve', 'undo']),
  t: z.string(),
  e: z.int().positive(),
  j: z.string().min(1),
});

/** A signing key shorter than this is refused: it could be guessed. */
const MIN_KEY_BYTES = 32;
const DOMAIN = 'spendwatch-action-link.v1.';

export class LinkSigner {
  private readonly key: Buffer;

  constructor(key: string) {
    this.key = Buffer.from(key, 'utf8');
    if (this.key.length < MIN_KEY_BYTES)
      throw new RangeError(
        `the action signing key has ${this.key.length} bytes, fewer than ${MIN_KEY_BYTES}; make one with: openssl rand -base64 48`,
      );
  }

  sign(grant: Omit<LinkGrant, 'tokenId'>): { token: string; tokenId: string } {
    const tokenId = randomBytes(9).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        v: 1,
        a: grant.action,
        o: grant.operation,
        t: grant.target,
        e: Math.floor(grant.expiresAt.getTime() / 1000),
        j: tokenId,
      }),
    ).toString('base64url');
    return { token: `${payload}.${this.mac(payload)}`, tokenId };
  }

  /** The grant a token carries, or why it is refused. An expired token still says what it was for. */
  verify(token: string, now: Date): { ok: true; grant: LinkGrant } | ({ ok: false } & TokenRefusal) {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined)
      return {
        ok: false,
        reason: 'malformed',
        message: 'this link is incomplete: copy the whole link from the alert',
      };
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return {
        ok: false,
        reason: 'altered',
        message: 'this link was altered or was not made by this deployment',
      };
    const parsed = payloadSchema.safeParse(
      parseJsonOrUndefined(Buffer.from(payload, 'base64url').toString('utf8')),
    );
    if (!parsed.success)
      return { ok: false, reason: 'malformed', message: 'this link is not a spendwatch action link' };
    const { a, o, t, e, j } = parsed.data;
    const grant: LinkGrant = {
      action: a,
      operation: o,
      target: t,
      expiresAt: new Date(e * 1000),
      tokenId: j,
    };
    if (grant.expiresAt.getTime() <= now.getTime())
      return {
        ok: false,
        reason: 'expired',
        message: `this link expired at ${grant.expiresAt.toISOString()}`,
        grant,
      };
    return { ok: true, grant };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(DOMAIN).update(payload).digest('base64url');
  }
}
