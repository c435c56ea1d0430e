/**
 * The Cloudflare client against bodies generated from the SDK's own declarations (cloudflare@7.3.0,
 * billing/usage.d.ts and profiles.d.ts), each in the envelope the SDK unwraps, one endpoint at a
 * time with the others answering plausibly; served by a loopback server and read through the registry.
 *
 * The figure is the sum of the period's records' ContractedCost: it needs each record's
 * `ContractedCost` and `ChargePeriodStart` (both required by the declarations). ChargePeriodStart is
 * typed only as a string: pinned to date-times around the period. BillingCurrency ("ISO 4217", typed
 * string) is pinned to one code per body, as one account bills in one currency.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../lib/http/index.ts';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import type { SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { arbitraryOf, dateTimeText, withFieldMissing } from '../support/official/arbitrary.ts';
import { cloudflareEnvelope, cloudflareResult } from '../support/official/cloudflare.ts';
import { officialSpecsMissing } from '../support/official/files.ts';
import { OfficialApiServer } from '../support/official/loopback.ts';
import { contractRuns, PROPERTY_TIMEOUT_MS } from '../support/official/properties.ts';
import { schemaProblems } from '../support/official/validate.ts';
import { connectForTest } from '../support/providers.ts';

const missing = officialSpecsMissing(import.meta.url);

const NOW = new Date('2026-11-20T10:00:00Z');
const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const USAGE = 'GET /accounts/{account_id}/billable-usage';
const INFO = 'GET /accounts/{account_id}/billable-usage/info';
const PROFILE = 'GET /accounts/{account_id}/billing/profile';
const CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP', 'AUD', 'BRL', 'KWD'];
// The plausible info anchors the cycle on the 15th: the period read is 2026-11-15 .. 2026-12-15.
const PERIOD = { start: new Date('2026-11-15T00:00:00Z'), end: new Date('2026-12-15T00:00:00Z') };

const day = (offset: number) => new Date(Date.UTC(2026, 9, 21 + offset));

/** One Workers record a day from 2026-10-21 to today, each day's cost its own. */
const PLAUSIBLE_RECORDS = Array.from({ length: 31 }, (_, i) => {
  const cost = (i + 1) / 100;
  return {
    BilledCost: cost,
    BillingAccountId: ACCOUNT,
    BillingAccountName: 'Example account',
    BillingCurrency: 'USD',
    BillingPeriodStart: day(i) < PERIOD.start ? '2026-10-15T00:00:00Z' : '2026-11-15T00:00:00Z',
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: 'Workers Standard requests',
    ChargePeriodEnd: day(i + 1).toISOString(),
    ChargePeriodStart: day(i).toISOString(),
    ConsumedQuantity: 1_000_000 * (i + 1),
    ConsumedUnit: 'Requests',
    ContractedCost: cost,
    CumulatedContractedCost: cost,
    CumulatedPricingQuantity: i + 1,
    EffectiveCost: cost,
    HostProviderName: 'Cloudflare',
    InvoiceIssuerName: 'Cloudflare',
    ListCost: cost,
    PricingQuantity: i + 1,
    PricingUnit: 'Million requests',
    ServiceName: 'Workers Standard',
    ServiceProviderName: 'Cloudflare',
  };
});

const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });

const PLAUSIBLE = {
  [INFO]: envelope({
    covered: true,
    subscriptions: [
      {
        id: '3F3CD4CQ6N7FXO7IK6NVFJBOYA',
        billing_cycle_anchor_timestamp: '2024-03-15T00:00:00Z',
        start_timestamp: '2024-03-15T00:00:00Z',
      },
    ],
  }),
  [USAGE]: envelope(PLAUSIBLE_RECORDS),
  [PROFILE]: envelope({ id: 'profile-1', balance: '0', next_bill_date: '2026-12-15T00:00:00Z' }),
};
type Endpoint = keyof typeof PLAUSIBLE;

interface UsageRecord {
  ChargePeriodStart: string;
  ContractedCost: number;
}

const sum = (records: UsageRecord[]) =>
  records.reduce((total: Decimal, r) => total.plus(decimal(r.ContractedCost)), decimal(0)).toFixed();

const within = (period: { start: Date; end: Date }) => (record: UsageRecord) => {
  const start = new Date(record.ChargePeriodStart);
  return start >= period.start && start < period.end;
};

describe.skipIf(missing)('Cloudflare reads every body its SDK declarations allow', () => {
  const server = new OfficialApiServer('/client/v4');
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const schema = (endpoint: Endpoint) => {
    const [method, path] = endpoint.split(' ') as [string, string];
    return cloudflareEnvelope(cloudflareResult(method, path));
  };

  const read = (answers: Partial<Record<Endpoint, unknown>>): Promise<SpendReading> => {
    server.answer({ ...PLAUSIBLE, ...answers });
    const { source } = connectForTest(
      'cloudflare',
      { accountId: ACCOUNT, baseUrl: server.baseUrl },
      { apiToken: 'cf-token' },
      fixedClock(NOW),
    );
    return source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: {} });
  };

  const usageBodies = (currency: string) =>
    arbitraryOf(schema(USAGE), {
      overrides: {
        'result[].ChargePeriodStart': dateTimeText({
          min: new Date('2026-10-15T00:00:00Z'),
          max: new Date('2026-12-20T00:00:00Z'),
        }),
        'result[].BillingCurrency': fc.constant(currency),
      },
    });

  it('answers the other endpoints with bodies the declarations allow', () => {
    for (const [endpoint, body] of Object.entries(PLAUSIBLE))
      expect(schemaProblems(schema(endpoint as Endpoint), body), endpoint).toEqual([]);
  });

  it(
    'billable-usage: BilledCost is the exact sum of ContractedCost over the period’s records',
    async () => {
      const bodies = fc
        .constantFrom(...CURRENCIES)
        .chain((currency) => usageBodies(currency).map((body) => ({ currency, body })));
      await fc.assert(
        fc.asyncProperty(bodies, async ({ currency, body }) => {
          const records = (body as { result: UsageRecord[] }).result;
          const reading = await read({ [USAGE]: body });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.BillingPeriodStart).toEqual(PERIOD.start);
          expect(reading.spend.BilledCost?.toDecimalString()).toBe(sum(records.filter(within(PERIOD))));
          if (records.length > 0) expect(reading.spend.BilledCost?.currency).toBe(currency);
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'billable-usage: fails the read, never reads zero, when a record has no ContractedCost or ChargePeriodStart',
    async () => {
      const bodies = withFieldMissing(usageBodies('USD'), [
        'result[].ContractedCost',
        'result[].ChargePeriodStart',
      ]);
      await fc.assert(
        fc.asyncProperty(bodies, async ({ body }) => {
          await expect(read({ [USAGE]: body })).rejects.toBeInstanceOf(ProviderError);
        }),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  /** Whatever the info or profile says, the read is the exact sum of the records in a period holding now. */
  const periodProperty = (endpoint: Endpoint) =>
    fc.asyncProperty(arbitraryOf(schema(endpoint)), async (body) => {
      const reading = await read({ [endpoint]: body });
      expect(reading.status).toBe('ok');
      if (reading.status !== 'ok') return;
      const period = { start: reading.spend.BillingPeriodStart, end: reading.spend.BillingPeriodEnd };
      expect(
        period.start <= NOW && NOW < period.end,
        `${period.start.toISOString()} .. ${period.end.toISOString()}`,
      ).toBe(true);
      expect(reading.spend.BilledCost?.toDecimalString()).toBe(sum(PLAUSIBLE_RECORDS.filter(within(period))));
    });

  it(
    'billable-usage/info: any usage info gives a period holding now, read exactly',
    async () => {
      await fc.assert(periodProperty(INFO), contractRuns());
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'billing/profile: any profile gives a period holding now, read exactly (the profile never fails a read)',
    async () => {
      await fc.assert(periodProperty(PROFILE), contractRuns());
    },
    PROPERTY_TIMEOUT_MS,
  );
});
