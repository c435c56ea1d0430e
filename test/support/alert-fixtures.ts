/** Realistic alerts as the engine builds them: one per event/basis, in JPY and USD. */
import type { Alert } from '../../lib/alerts/alert.ts';
import { buildBrokenBudgetAlert } from '../../lib/alerts/broken-alert.ts';
import { buildHealthAlert } from '../../lib/alerts/health-alert.ts';
import { decimal } from '../../lib/money/index.ts';

/** Soracom fleet over its monthly budget: the on-call page. */
export const jpyCritical: Alert = {
  version: 1,
  dedupKey: 'soracom-fleet/2026-11/actual-100pct',
  event: 'crossed',
  budget: 'soracom-fleet',
  account: 'soracom-jp',
  accounts: ['soracom-jp'],
  provider: 'soracom',
  threshold: '100%',
  thresholdId: 'actual-100pct',
  basis: 'actual',
  severity: 'critical',
  measure: 'cost',
  currency: 'JPY',
  unit: 'JPY',
  spent: '31260',
  budgetAmount: '30000',
  percent: '104.2',
  observed: '31260',
  forecast: { amount: '40512.4', method: 'linear (daily mean)', inputs: '22 days, mean ¥1,421/day' },
  periodKey: '2026-11',
  periodStart: '2026-10-31T15:00:00.000Z',
  periodEnd: '2026-11-30T15:00:00.000Z',
  asOf: '2026-11-23T03:00:00.000Z',
  detectedAt: '2026-11-23T03:30:00.000Z',
  contributors: [
    { kind: 'service', name: 'SIM data (plan-D)', cost: '18420', share: '58.9' },
    { kind: 'service', name: 'SIM basic fees', cost: '8120', share: '26.0' },
    { kind: 'service', name: 'SMS', cost: '2840', share: '9.1' },
    { kind: 'service', name: 'Napter audit', cost: '1100', share: '3.5' },
    { kind: 'service', name: 'Harvest Data', cost: '780', share: '2.5' },
  ],
  sinceLast: { threshold: '80%', spent: '24100', at: '2026-11-18T03:30:00.000Z' },
  headline: 'soracom-fleet has spent ¥31,260 of ¥30,000 (104.2%), crossing its 100% threshold',
  details: ['Period 2026-11-01 to 2026-11-30 (Asia/Tokyo); provider figure as of Nov 23, 12:00 GMT+9'],
};

/** Fastly forecast to overrun: a warning for the team channel. */
export const usdWarning: Alert = {
  version: 1,
  dedupKey: 'fastly-cdn/2026-11/forecast-110pct',
  event: 'crossed',
  budget: 'fastly-cdn',
  account: 'fastly-prod',
  accounts: ['fastly-prod'],
  provider: 'fastly',
  threshold: '110%',
  thresholdId: 'forecast-110pct',
  basis: 'forecast',
  severity: 'warning',
  measure: 'cost',
  currency: 'USD',
  unit: 'USD',
  spent: '14532.184',
  budgetAmount: '20000',
  percent: '72.7',
  observed: '23410.55',
  forecast: { amount: '23410.55', method: 'linear (daily mean)', inputs: '22 days, mean $660.55/day' },
  periodKey: '2026-11',
  periodStart: '2026-11-01T00:00:00.000Z',
  periodEnd: '2026-12-01T00:00:00.000Z',
  asOf: '2026-11-23T00:00:00.000Z',
  detectedAt: '2026-11-23T03:30:00.000Z',
  contributors: [
    { kind: 'service', name: 'www.example.com', cost: '9120.4', share: '62.8', tags: { team: 'web' } },
    { kind: 'service', name: 'api.example.com', cost: '4011.78', share: '27.6', tags: { team: 'api' } },
    { kind: 'service', name: 'images.example.com', cost: '1400.004', share: '9.6' },
  ],
  headline:
    'fastly-cdn is forecast to reach $23,410.55 by period end, crossing its forecast 110% threshold ($14,532.18 of $20,000.00 (72.7%) so far)',
  details: ['Period 2026-11-01 to 2026-11-30 (UTC); provider figure as of Nov 23 00:00 UTC'],
};

const base = usdWarning;

/** One alert per event/basis the channels must render. */
export const everyKind: Record<string, Alert> = {
  'crossed-actual': jpyCritical,
  'crossed-forecast': usdWarning,
  'crossed-pace': {
    ...base,
    dedupKey: 'fastly-cdn/2026-11/pace-20pct',
    threshold: '20%',
    thresholdId: 'pace-20pct',
    basis: 'pace',
    observed: '24.6',
    headline:
      'fastly-cdn is 24.6% ahead of a straight-line burn (pace threshold 20%; $14,532.18 of $20,000.00 spent)',
  },
  'crossed-anomaly': {
    ...jpyCritical,
    dedupKey: 'soracom-fleet/2026-11/anomaly-2026-11-22',
    threshold: 'anomaly',
    thresholdId: 'anomaly-2026-11-22',
    basis: 'anomaly',
    severity: 'warning',
    observed: '5200',
    sinceLast: undefined,
    headline: 'soracom-fleet spent ¥5,200 on 2026-11-22, far above its usual ¥1,380 a day',
    details: [
      'Baseline: median of the previous 14 days ¥1,380, robust spread ¥95; this day is 40.2 spreads above',
    ],
  },
  'back-under': {
    ...base,
    dedupKey: 'fastly-cdn/2026-11/forecast-110pct~back-under',
    event: 'back-under',
    thresholdId: 'forecast-110pct~back-under',
    severity: 'info',
    observed: '21050',
    forecast: { amount: '21050', method: 'linear (daily mean)', inputs: '23 days, mean $600.12/day' },
    sinceLast: { threshold: '110%', spent: '14532.184', at: '2026-11-23T03:30:00.000Z' },
    spent: '13802.77',
    headline:
      'fastly-cdn: forecast is back under its 110% threshold ($21,050.00 projected; $13,802.77 spent)',
  },
  // Monitoring alerts as their builders make them: nothing measured, so their figures are blank.
  gap: buildHealthAlert(
    {
      kind: 'gap',
      health: {
        account: 'soracom-jp',
        failingSince: '2026-11-22T01:00:00.000Z',
        okSince: '2026-11-22T00:45:00.000Z',
        lastError: 'soracom account "soracom-jp": GET /bills/latest (HTTP 503): kept answering 503',
      },
    },
    'soracom',
    ['soracom-fleet'],
    new Date('2026-11-23T03:30:00Z'),
  ),
  recovered: buildHealthAlert(
    { kind: 'recovered', health: { account: 'soracom-jp', failingSince: '2026-11-22T01:00:00.000Z' } },
    'soracom',
    ['soracom-fleet'],
    new Date('2026-11-23T03:30:00Z'),
  ),
  broken: buildBrokenBudgetAlert(
    {
      name: 'soracom-fleet',
      accountIds: ['soracom-jp'],
      measure: 'cost',
      measureUnit: 'EUR',
      amount: decimal(30000),
      scope: {},
      thresholds: [],
      forecastMinDays: 3,
      staleAfterHours: 24,
      notifyBackUnder: true,
    },
    {
      key: '2026-11',
      start: new Date('2026-10-31T15:00:00Z'),
      end: new Date('2026-11-30T15:00:00Z'),
    },
    ['soracom'],
    'budget "soracom-fleet": the account bills in JPY but the budget is in EUR; add a rate {from: JPY, to: EUR, rate: ...} under "rates"',
    new Date('2026-11-23T03:30:00Z'),
  ),
  usage: {
    ...jpyCritical,
    dedupKey: 'api-calls/2026-11/actual-100pct',
    budget: 'api-calls',
    account: 'killbill-main',
    accounts: ['killbill-main'],
    provider: 'killbill',
    measure: 'usage',
    currency: undefined,
    unit: 'api-calls',
    spent: '1250000',
    budgetAmount: '1000000',
    percent: '125.0',
    observed: '1250000',
    forecast: {
      amount: '1630434.78',
      method: 'linear (daily mean)',
      inputs: '23 days, mean 54,347.83 api-calls/day',
    },
    contributors: [
      { kind: 'item', name: 'sub-8f2 / api-calls', cost: '900000', share: '72.0' },
      { kind: 'item', name: 'sub-1c7 / api-calls', cost: '350000', share: '28.0' },
    ],
    sinceLast: { threshold: '80%', spent: '812000', at: '2026-11-16T03:30:00.000Z' },
    headline:
      'api-calls has used 1,250,000 api-calls of 1,000,000 api-calls (125.0%), crossing its 100% threshold',
  },
  group: {
    ...jpyCritical,
    dedupKey: 'all-cdn/2026-11/actual-80pct',
    budget: 'all-cdn',
    account: 'fastly-prod,cloudflare-main',
    accounts: ['fastly-prod', 'cloudflare-main'],
    provider: 'fastly,cloudflare',
    threshold: '80%',
    thresholdId: 'actual-80pct',
    severity: 'warning',
    contributors: [
      { kind: 'account', name: 'fastly-prod', cost: '20000', share: '64.0' },
      { kind: 'service', name: 'Workers', cost: '11260', share: '36.0' },
    ],
    headline: 'all-cdn has spent ¥31,260 of ¥30,000 (104.2%), crossing its 80% threshold',
  },
};

/** Strings a hostile or careless provider/config could put anywhere a name goes. */
export const INJECTIONS = [
  '<!channel>',
  '<@U123>',
  'R&D',
  '<https://evil.example|click me>',
  '<!subteam^S123>',
];

export const injected: Alert = {
  ...jpyCritical,
  dedupKey: 'ops <!here>/2026-11/actual-100pct',
  budget: 'ops <!here> & <@U999>',
  account: 'acct-<!channel>',
  accounts: ['acct-<!channel>'],
  provider: 'soracom',
  contributors: INJECTIONS.map((name, index) => ({
    kind: 'service',
    name,
    cost: String(1000 - index * 100),
    share: String(20 - index),
    tags: { owner: '<@U777>' },
  })),
  headline: 'R&D <!channel> spent <https://evil.example|too much>',
  details: ['see <https://evil.example|the dashboard> & ping <!everyone>'],
  forecast: { amount: '40000', method: '<!channel> method', inputs: 'a & b > c' },
};
