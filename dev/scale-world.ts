/**
 * A world of many accounts for measuring the check at scale (bench/check-scale.ts) and for the test
 * that keeps it honest: one loopback simulator per provider, answering every account of its provider
 * after an injected per-call latency, and a config of N accounts spread evenly over the four
 * providers, each with two budgets (one of them crossing for every tenth account, so the delivery
 * path is exercised too).
 */
import { CloudflareSimulator, dailyUsage } from './simulators/cloudflare.ts';
import { everyDay, FastlySimulator } from './simulators/fastly.ts';
import { KillBillSimulator } from './simulators/killbill.ts';
import type { Simulator } from './simulators/kit.ts';
import { monthOfDays, SoracomSimulator } from './simulators/soracom.ts';

/** The moment every run of the world replays: the 23rd, so forecasts and paces have days behind them. */
export const SCALE_NOW = '2026-11-23T12:00:00Z';
const MONTH = '2026-11';
const DAYS_SO_FAR = 23;
const CLOUDFLARE_ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const KILLBILL_SUBSCRIPTION = '365987b2-5443-47e4-a467-c8962fc6995c';

const SCALE_PROVIDERS = ['soracom', 'fastly', 'cloudflare', 'killbill'] as const;
type ScaleProvider = (typeof SCALE_PROVIDERS)[number];

/** The credentials the simulators accept; every account gets its own variable holding one of them. */
const ACCEPTED: Record<string, string> = {
  SCALE_SORACOM_AUTH_KEY_ID: 'keyId-scale',
  SCALE_SORACOM_AUTH_KEY: 'secret-scale-authkey',
  SCALE_FASTLY_TOKEN: 'fastly-scale-token-0123456789',
  SCALE_CLOUDFLARE_TOKEN: 'cf-scale-token-0123456789',
  SCALE_KILLBILL_USERNAME: 'admin',
  SCALE_KILLBILL_PASSWORD: 'kb-scale-password',
  SCALE_KILLBILL_API_KEY: 'scale-tenant',
  SCALE_KILLBILL_API_SECRET: 'kb-scale-api-secret',
};

export interface ScaleWorld {
  simulators: Record<ScaleProvider, Simulator>;
  /** Provider → the base URL its accounts are pointed at. */
  baseUrls: Record<ScaleProvider, string>;
  /** Requests the simulators answered since the world started (or since `resetCalls`). */
  calls(): number;
  resetCalls(): void;
  stop(): Promise<void>;
}

export async function startScaleWorld(latencyMs: number): Promise<ScaleWorld> {
  const now = () => new Date(SCALE_NOW);
  const env = ACCEPTED;
  const soracom = new SoracomSimulator({
    authKeys: { [env.SCALE_SORACOM_AUTH_KEY_ID!]: env.SCALE_SORACOM_AUTH_KEY! },
    currency: 'JPY',
    timeZone: 'Asia/Tokyo',
    now,
    daily: monthOfDays(MONTH.replace('-', ''), (day) => (day <= DAYS_SO_FAR ? 780 + ((day * 37) % 60) : 0)),
  });
  const fastly = new FastlySimulator({
    apiTokens: [env.SCALE_FASTLY_TOKEN!],
    now,
    daily: everyDay(
      MONTH,
      (day) => [
        { description: 'North America Bandwidth', amount: 68 + (day % 4), units: 850 + day, unit: 'GB' },
        { description: 'Asia Requests', amount: 25.5, units: 12_750, unit: 'unit' },
      ],
      DAYS_SO_FAR,
    ),
  });
  const cloudflare = new CloudflareSimulator({
    accountId: CLOUDFLARE_ACCOUNT,
    tokens: [env.SCALE_CLOUDFLARE_TOKEN!],
    now,
    subscriptions: [{ id: '3F3CD4CQ6N7FXO7IK6NVFJBOYA', anchor: '2023-01-01T00:00:00Z' }],
    usage: dailyUsage('2026-10-24', '2026-11-22', () => ({
      'Workers Standard': 6,
      'R2 Storage Class A': 3.25,
    })),
  });
  const killbill = new KillBillSimulator({
    username: env.SCALE_KILLBILL_USERNAME!,
    password: env.SCALE_KILLBILL_PASSWORD!,
    apiKey: env.SCALE_KILLBILL_API_KEY!,
    apiSecret: env.SCALE_KILLBILL_API_SECRET!,
    subscriptions: [KILLBILL_SUBSCRIPTION],
    now,
    usage: {
      [KILLBILL_SUBSCRIPTION]: {
        'api-calls': Object.fromEntries(
          Array.from({ length: DAYS_SO_FAR }, (_, i) => [
            `${MONTH}-${String(i + 1).padStart(2, '0')}`,
            410_000,
          ]),
        ),
      },
    },
  });
  const simulators = { soracom, fastly, cloudflare, killbill };
  const all = Object.values(simulators);
  for (const simulator of all) simulator.latencyMs = latencyMs;
  await Promise.all(all.map((s) => s.start()));
  return {
    simulators,
    baseUrls: {
      soracom: soracom.baseUrl,
      fastly: fastly.url,
      cloudflare: cloudflare.baseUrl,
      killbill: killbill.url,
    },
    calls: () => all.reduce((sum, s) => sum + s.requests.length, 0),
    resetCalls: () => {
      for (const simulator of all) simulator.requests.length = 0;
    },
    stop: async () => {
      await Promise.all(all.map((s) => s.stop()));
    },
  };
}

/** Each provider's credential fields, and the variable of ACCEPTED whose value its simulator accepts. */
const CREDENTIALS: Record<ScaleProvider, Record<string, string>> = {
  soracom: { authKeyId: 'SCALE_SORACOM_AUTH_KEY_ID', authKey: 'SCALE_SORACOM_AUTH_KEY' },
  fastly: { apiToken: 'SCALE_FASTLY_TOKEN' },
  cloudflare: { apiToken: 'SCALE_CLOUDFLARE_TOKEN' },
  killbill: {
    username: 'SCALE_KILLBILL_USERNAME',
    password: 'SCALE_KILLBILL_PASSWORD',
    apiKey: 'SCALE_KILLBILL_API_KEY',
    apiSecret: 'SCALE_KILLBILL_API_SECRET',
  },
};

/** What a month of each provider's account costs in the world, roughly: the budgets are sized from it. */
const MONTHLY: Record<ScaleProvider, { amount: number; currency?: string; unit?: string }> = {
  soracom: { amount: 25_000, currency: 'JPY' },
  fastly: { amount: 2_900, currency: 'USD' },
  cloudflare: { amount: 290, currency: 'USD' },
  killbill: { amount: 12_000_000, unit: 'api-calls' },
};

/**
 * The config (as the object a YAML file would hold) of `count` accounts, a quarter per provider, each
 * with a threshold budget and a forecast budget; every tenth account's threshold budget is set low
 * enough to cross. Each account has credentials of its own, as in a real organisation (so resolving
 * them costs what it would), in `env`.
 */
export function scaleConfig(
  count: number,
  baseUrls: Record<ScaleProvider, string>,
): { config: Record<string, unknown>; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const accounts: Record<string, unknown>[] = [];
  const budgets: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const provider = SCALE_PROVIDERS[i % SCALE_PROVIDERS.length]!;
    const id = `${provider}-${String(i).padStart(4, '0')}`;
    accounts.push({
      id,
      provider,
      baseUrl: baseUrls[provider],
      credentials: Object.fromEntries(
        Object.entries(CREDENTIALS[provider]).map(([field, variable]) => {
          const own = `${variable}_${i}`;
          env[own] = ACCEPTED[variable]!;
          return [field, `env:${own}`];
        }),
      ),
      ...(provider === 'soracom' && { coverage: 'jp' }),
      ...(provider === 'cloudflare' && { accountId: CLOUDFLARE_ACCOUNT }),
      ...(provider === 'killbill' && { subscriptions: [KILLBILL_SUBSCRIPTION], unitTypes: ['api-calls'] }),
    });
    const { amount, ...measure } = MONTHLY[provider];
    const crossing = i % 10 === 0;
    budgets.push(
      {
        name: `${id}-month`,
        account: id,
        amount: crossing ? amount / 2 : amount * 2,
        ...measure,
        thresholds: [{ at: '80%' }, { at: '100%', severity: 'critical' }],
      },
      {
        name: `${id}-forecast`,
        account: id,
        amount: amount * 2,
        ...measure,
        thresholds: [{ at: '100%', basis: 'forecast' }],
      },
    );
  }
  return { config: { version: 1, timeZone: 'UTC', accounts, budgets }, env };
}
