/**
 * The demo's simulated month: one simulator per provider, with spend curves in the month of `now`
 * shaped so a person sees each kind of alert (thresholds, a forecast, a pace, runaway-day anomalies,
 * a usage budget, a group across providers, a Kill Bill invoice and a Kill Bill customer over its cap).
 */

import { CloudflareSimulator, dailyUsage } from '../../dev/simulators/cloudflare.ts';
import { everyDay, FastlySimulator } from '../../dev/simulators/fastly.ts';
import { KillBillSimulator } from '../../dev/simulators/killbill.ts';
import type { Simulator } from '../../dev/simulators/kit.ts';
import {
  type BillingCsvRow,
  billingCsv,
  monthOfDays,
  SoracomSimulator,
} from '../../dev/simulators/soracom.ts';
import { localDateKey, pad, toLocal } from '../../lib/time/zoned.ts';

export const DEMO_NOW = '2026-11-23T12:00:00+09:00';

export interface DemoWorld {
  /** Account id → base URL of its simulator. */
  baseUrls: Record<string, string>;
  /** Environment the demo config's env: references resolve from. */
  env: Record<string, string>;
  /** Account id → credential field → the value its simulator accepts, whatever the config calls it. */
  credentials: Record<string, Record<string, string>>;
  stop(): Promise<void>;
}

const CLOUDFLARE_ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const KILLBILL_SUBSCRIPTION = '365987b2-5443-47e4-a467-c8962fc6995c';
const ACME_SUBSCRIPTION = 'c3e1a7b5-0d2f-4c6e-8b9a-1f3d5e7a9c2b';
const GLOBEX_SUBSCRIPTION = 'f1e3d5c7-9b2a-4d6f-8e0c-7a9b1c3d5e7f';
const VENDOR_API_SUBSCRIPTION = '9b1f4c52-6d0e-4f7a-8c3b-2e5d7a9f1c04';
const VENDOR_FEE_SUBSCRIPTION = '2b4d6f8a-0c1e-4a3b-9d5f-7e9a1b3c5d7f';
const RUNAWAY_SIM = '440103125380001';

export async function startDemoWorld(now: Date): Promise<DemoWorld> {
  const clock = () => now;
  const env: Record<string, string> = {};
  const secret = (name: string, value: string) => {
    env[name] = value;
    return value;
  };

  // Soracom Japan: ~¥800 a day; one SIM stuck in a loop on the 20th burnt ¥4,800; today is half over.
  // Fixed days of the month (not "n days ago"), so stepping --now through the month replays one story.
  const jp = toLocal(now, 'Asia/Tokyo');
  const jpMonth = `${jp.year}${pad(jp.month)}`;
  const runawayDay = 20;
  const soracomJp = new SoracomSimulator({
    authKeys: {
      [secret('SORACOM_JP_AUTH_KEY_ID', 'keyId-demo-jp')]: secret(
        'SORACOM_JP_AUTH_KEY',
        'secret-demo-jp-authkey',
      ),
    },
    currency: 'JPY',
    timeZone: 'Asia/Tokyo',
    now: clock,
    daily: monthOfDays(jpMonth, (day) => (day === runawayDay ? 4800 : 780 + ((day * 37) % 60))),
    billItems: {
      [jpMonth]: [
        { billItemCategory: 'Air', billItemName: 'Data usage fee (plan-D)', amount: 15_321 },
        { billItemCategory: 'Air', billItemName: 'Basic fee (plan-D)', amount: 5_400 },
        { billItemCategory: 'Air', billItemName: 'SMS fee', amount: 1_500 },
      ],
    },
    simCosts: {
      [jpMonth]: [
        { simId: RUNAWAY_SIM, amount: 6_240 },
        { simId: '440103125380002', amount: 1_210 },
        { simId: '440103125380003', amount: 1_180 },
      ],
    },
    // The Sim API the guardrail actions call: the fleet's SIMs, by IMSI, at full speed.
    sims: Array.from({ length: 15 }, (_, i) => ({
      simId: `89811000000000${String(i + 1).padStart(5, '0')}`,
      imsi: fleetImsi(i + 1),
      speedClass: 's1.standard',
      status: 'active',
      tags: { name: i === 0 ? 'bus-017 "router"' : `device-${i + 1}` },
    })),
  });
  soracomJp.setDay(localDateKey(now, 'Asia/Tokyo').replaceAll('-', ''), 400);
  soracomJp.options.exportCsv = billingCsv(fleetCsvRows(jpMonth, jp.day, runawayDay));

  // Soracom Global: about $6 a day in USD, billed by the UTC month.
  const utc = toLocal(now, 'UTC');
  const utcMonth = `${utc.year}-${pad(utc.month)}`;
  const soracomGlobal = new SoracomSimulator({
    authKeys: {
      [secret('SORACOM_GLOBAL_AUTH_KEY_ID', 'keyId-demo-global')]: secret(
        'SORACOM_GLOBAL_AUTH_KEY',
        'secret-demo-global-authkey',
      ),
    },
    currency: 'USD',
    timeZone: 'UTC',
    now: clock,
    daily: monthOfDays(utcMonth.replace('-', ''), (day) => 5.4 + (day % 3) * 0.35),
  });

  // Fastly: bandwidth and requests, about $95 a day.
  const fastly = new FastlySimulator({
    apiTokens: [secret('FASTLY_API_TOKEN', 'fastly-demo-token-0123456789')],
    now: clock,
    daily: everyDay(
      utcMonth,
      (day) => [
        {
          description: 'North America Bandwidth',
          amount: 68 + (day % 4),
          units: 850 + day,
          region: 'North America',
          usageType: 'Bandwidth',
          unit: 'GB',
        },
        {
          description: 'Asia Requests',
          amount: 25.5,
          units: 12_750,
          region: 'Asia',
          usageType: 'Requests',
          unit: 'unit',
        },
      ],
      utc.day,
    ),
  });

  // Cloudflare: a cycle anchored on the 15th; Workers run ~$6 a day and spiked to $40 on the 21st.
  const spike = `${utcMonth}-21`;
  const cloudflare = new CloudflareSimulator({
    accountId: CLOUDFLARE_ACCOUNT,
    tokens: [secret('CLOUDFLARE_API_TOKEN', 'cf-demo-token-0123456789')],
    now: clock,
    subscriptions: [{ id: '3F3CD4CQ6N7FXO7IK6NVFJBOYA', anchor: '2023-01-15T00:00:00Z' }],
    usage: dailyUsage(
      localDateKey(new Date(now.getTime() - 30 * 86_400_000), 'UTC'),
      localDateKey(new Date(now.getTime() - 86_400_000), 'UTC'),
      (day) => ({ 'Workers Standard': day === spike ? 40 : 6, 'R2 Storage Class A': 3.25 }),
    ),
  });

  // Kill Bill, the one you run to bill your customers, on the simulator's catalog (API calls in
  // tiers, a $500 monthly platform fee): a partner platform rated by API call, about 420k calls a day;
  // Acme Retail, 150k a day against the $1,250 cap its custom field names (81 % by the 23rd); Globex on
  // the platform fee alone; Initech with nothing to invoice.
  const days = (perDay: (i: number) => number) =>
    Object.fromEntries(Array.from({ length: utc.day }, (_, i) => [`${utcMonth}-${pad(i + 1)}`, perDay(i)]));
  const killbill = new KillBillSimulator({
    username: secret('KILLBILL_USERNAME', 'admin'),
    password: secret('KILLBILL_PASSWORD', 'kb-demo-password'),
    apiKey: secret('KILLBILL_API_KEY', 'demo-tenant'),
    apiSecret: secret('KILLBILL_API_SECRET', 'kb-demo-api-secret'),
    subscriptions: [KILLBILL_SUBSCRIPTION],
    defaultAccount: { name: 'Partner Platform', externalKey: 'partner-platform' },
    accounts: [
      {
        accountId: '5d0c9e2a-7b41-4f3e-9a6d-2e8b1c4f7a90',
        name: 'Acme Retail',
        externalKey: 'acme-retail',
        subscriptions: [ACME_SUBSCRIPTION],
        customFields: { 'spendwatch-cap': '1250' },
      },
      {
        accountId: 'a4b6c8d0-3e5f-4a7b-9c1d-5e7f9a1b3c5d',
        name: 'Globex',
        externalKey: 'globex',
        subscriptions: [GLOBEX_SUBSCRIPTION],
        plans: { [GLOBEX_SUBSCRIPTION]: 'platform-monthly' },
      },
      {
        accountId: 'e7f3b1c9-2a4d-4b6e-9c8a-0d2f4b6e8a1c',
        name: 'Initech',
        externalKey: 'initech',
        subscriptions: [],
      },
    ],
    now: clock,
    usage: {
      [KILLBILL_SUBSCRIPTION]: { 'api-calls': days((i) => 410_000 + i * 1_500) },
      [ACME_SUBSCRIPTION]: { 'api-calls': days(() => 150_000) },
    },
  });

  // Kill Bill of a vendor that bills you (your company is one of its accounts): 100k API calls a day
  // and its platform fee, on the same catalog.
  const vendor = new KillBillSimulator({
    username: secret('VENDOR_KILLBILL_USERNAME', 'vendor-reader'),
    password: secret('VENDOR_KILLBILL_PASSWORD', 'vendor-demo-password'),
    apiKey: secret('VENDOR_KILLBILL_API_KEY', 'vendor-tenant'),
    apiSecret: secret('VENDOR_KILLBILL_API_SECRET', 'vendor-demo-api-secret'),
    subscriptions: [VENDOR_API_SUBSCRIPTION, VENDOR_FEE_SUBSCRIPTION],
    defaultAccount: {
      name: 'Our Company',
      externalKey: 'our-company',
      plans: { [VENDOR_FEE_SUBSCRIPTION]: 'platform-monthly' },
    },
    now: clock,
    usage: { [VENDOR_API_SUBSCRIPTION]: { 'api-calls': days(() => 100_000) } },
  });

  const sims: Simulator[] = [soracomJp, soracomGlobal, fastly, cloudflare, killbill, vendor];
  await Promise.all(sims.map((s) => s.start()));
  return {
    baseUrls: {
      'soracom-jp': soracomJp.baseUrl,
      'soracom-global': soracomGlobal.baseUrl,
      'cdn-fastly': fastly.url,
      'edge-cloudflare': cloudflare.baseUrl,
      'billing-platform': killbill.url,
      'api-vendor': vendor.url,
    },
    env,
    credentials: {
      'soracom-jp': { authKeyId: env.SORACOM_JP_AUTH_KEY_ID!, authKey: env.SORACOM_JP_AUTH_KEY! },
      'soracom-global': { authKeyId: env.SORACOM_GLOBAL_AUTH_KEY_ID!, authKey: env.SORACOM_GLOBAL_AUTH_KEY! },
      'cdn-fastly': { apiToken: env.FASTLY_API_TOKEN! },
      'edge-cloudflare': { apiToken: env.CLOUDFLARE_API_TOKEN! },
      'billing-platform': {
        username: env.KILLBILL_USERNAME!,
        password: env.KILLBILL_PASSWORD!,
        apiKey: env.KILLBILL_API_KEY!,
        apiSecret: env.KILLBILL_API_SECRET!,
      },
      'api-vendor': {
        username: env.VENDOR_KILLBILL_USERNAME!,
        password: env.VENDOR_KILLBILL_PASSWORD!,
        apiKey: env.VENDOR_KILLBILL_API_KEY!,
        apiSecret: env.VENDOR_KILLBILL_API_SECRET!,
      },
    },
    stop: async () => {
      await Promise.all(sims.map((s) => s.stop()));
    },
  };
}

const fleetImsi = (sim: number) => `4401031253800${String(sim).padStart(2, '0')}`;

/** The Japan fleet's billing CSV: 15 SIMs on two fleets, data per day, a basic fee per month. */
function fleetCsvRows(month: string, today: number, runawayDay: number): BillingCsvRow[] {
  const rows: BillingCsvRow[] = [];
  for (let sim = 1; sim <= 15; sim++) {
    const imsi = fleetImsi(sim);
    const tags = {
      'tag:fleet': sim <= 5 ? 'tokyo-buses' : 'osaka-meters',
      'tag:name': sim === 1 ? 'bus-017 "router"' : `device-${sim}`,
      // The bus operator is re-billed through Kill Bill (the config's chargeback); the meters are not.
      ...(sim <= 5 && { 'tag:kb-subscription': KILLBILL_SUBSCRIPTION }),
    };
    rows.push({
      imsi,
      date: month,
      billItemName: 'Basic fee (plan-D)',
      unitPrice: 330,
      quantity: 1,
      amount: 330,
      ...tags,
    });
    for (let day = 1; day < today; day++) {
      const runaway = sim === 1 && day === runawayDay;
      const megabytes = runaway ? 24_000 : 180 + ((sim * 7 + day) % 40);
      rows.push({
        imsi,
        date: `${month}${pad(day)}`,
        billItemName: 'Data usage fee (plan-D)',
        unitPrice: '0.2',
        quantity: megabytes,
        amount: (megabytes * 0.2).toFixed(1),
        ...tags,
      });
    }
  }
  return rows;
}
