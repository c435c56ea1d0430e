/**
 * The Cloudflare simulator as the Cloudflare tests script it: a cycle anchored on the 15th, two
 * services, and the client connected to it as the check connects it.
 */
import {
  type CloudflareSimOptions,
  CloudflareSimulator,
  dailyUsage,
} from '../../dev/simulators/cloudflare.ts';
import type { ReadRequest } from '../../lib/providers/types.ts';
import type { PeriodSpend, SpendReading } from '../../lib/spend/index.ts';
import { type Clock, fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { connectForTest } from './providers.ts';

export const NOW = new Date('2026-11-20T10:00:00Z');
export const ACCOUNT_TAG = '023e105f4ecef8ad9ca31a8372d0c353';
export const TOKEN = 'cf-token-Sn3lZJTBX6kkg7OdcBUAxOO9';
export const ANCHORED_ON_15TH = [{ id: '3F3CD4CQ6N7FXO7IK6NVFJBOYA', anchor: '2024-03-15T00:00:00Z' }];
// Workers 0.10 a day; R2 0.20 a day, 1.05 on the 18th. Days after today are not rated yet.
const USAGE = dailyUsage('2026-10-01', '2026-11-25', (day) => ({
  'Workers Standard': 0.1,
  'R2 Storage': day === '2026-11-18' ? 1.05 : 0.2,
}));
const SERVICES = {
  'Workers Standard': { zone: { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'example.com' } },
  'R2 Storage': { unit: 'GB-months', quantityPerCost: 100 },
};
/** The month-to-date of USAGE over the cycle starting on the 15th: 6 × 0.10 + 5 × 0.20 + 1.05. */
export const CYCLE_TO_DATE = '2.65 USD';
/** ...and over the calendar month (1st..20th). */
export const MONTH_TO_DATE = '6.85 USD';

export const fullRead: ReadRequest = {
  period: monthlyPeriod(NOW, 'UTC'),
  needs: { daily: true, breakdown: true },
};

export function spendOf(reading: SpendReading): PeriodSpend {
  if (reading.status !== 'ok') throw new Error(`expected a spend, got pending: ${reading.reason}`);
  return reading.spend;
}

/** A started simulator of the scripted account; `options` change the script or the shapes it answers. */
export async function startCloudflare(
  options: Partial<CloudflareSimOptions> = {},
): Promise<CloudflareSimulator> {
  const sim = new CloudflareSimulator({
    accountId: ACCOUNT_TAG,
    tokens: [TOKEN],
    now: () => NOW,
    subscriptions: ANCHORED_ON_15TH,
    usage: USAGE,
    services: SERVICES,
    ...options,
  });
  await sim.start();
  return sim;
}

/** The client of the simulator's account, from raw config `fields`. */
export function connectCloudflare(
  sim: CloudflareSimulator,
  fields: Record<string, unknown> = {},
  { token = TOKEN, clock = fixedClock(NOW) }: { token?: string; clock?: Clock } = {},
) {
  return connectForTest(
    'cloudflare',
    { accountId: ACCOUNT_TAG, baseUrl: sim.baseUrl, ...fields },
    { apiToken: token },
    clock,
  );
}
