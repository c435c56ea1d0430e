import * as z from 'zod';
import { secretRef } from '../../secrets/index.ts';
import type { AccountBase } from '../types.ts';

/** Soracom runs two platforms with separate accounts: Japan and Global coverage. */
export const SORACOM_BASE_URLS = {
  jp: 'https://api.soracom.io/v1',
  global: 'https://g.api.soracom.io/v1',
} as const;

export const soracomAccount = z.object({
  provider: z.literal('soracom'),
  coverage: z
    .enum(['jp', 'global'])
    .default('jp')
    .describe('Japan (api.soracom.io) or Global (g.api.soracom.io) coverage'),
  credentials: z
    .object({
      authKeyId: secretRef.describe('SAM user or root AuthKey ID, e.g. env:SORACOM_AUTH_KEY_ID'),
      authKey: secretRef.describe('the AuthKey secret, e.g. env:SORACOM_AUTH_KEY'),
    })
    .strict(),
});

export type SoracomAccount = z.output<typeof soracomAccount> & AccountBase;
