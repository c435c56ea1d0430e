/**
 * The Cloudflare client against every shape the SDK types allow (and a few they do not), the date
 * range it asks for, FOCUS v2 for the day v1 is retired, and its side calls failing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CloudflareSimOptions,
  type CloudflareSimulator,
  dailyUsage,
} from '../../dev/simulators/cloudflare.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import {
  CYCLE_TO_DATE,
  connectCloudflare,
  fullRead,
  MONTH_TO_DATE,
  spendOf,
  startCloudflare,
} from '../support/cloudflare-world.ts';
import { providerErrorOf } from '../support/providers.ts';

const INFO = 'GET /accounts/{account_id}/billable-usage/info';
const PROFILE = 'GET /accounts/{account_id}/billing/profile';
const V1_PATHS = ['/billable-usage', '/paygo-usage', '/billing/usage/paygo'];

describe('Cloudflare readings', () => {
  let sim: CloudflareSimulator | undefined;
  const start = async (options: Partial<CloudflareSimOptions> = {}) => {
    sim = await startCloudflare(options);
    return sim;
  };
  afterEach(() => sim?.stop());

  describe('every record shape of the contract', () => {
    it.each([
      ['billable-usage', 'absent'],
      ['billable-usage', 'null'],
      ['paygo-usage', 'absent'],
      ['paygo-usage', 'null'],
      ['beta', 'null'],
    ] as const)('%s with the optional fields %s reads the same cost', async (live, optionalFields) => {
      const s = await start({ live, optionalFields });
      const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
      expect(spend.missing).toBeUndefined();
      const workers = spend.lines.find((l) => l.ServiceName === 'Workers Standard');
      expect(workers?.BilledCost?.toString()).toBe('0.1 USD');
      // A zone that is absent or null is a line without a resource, not an error.
      if (live !== 'beta') expect(workers?.ResourceId).toBeUndefined();
    });

    it('reads unknown fields, null or absent notices and a `result: null` for no records', async () => {
      for (const notices of ['null', 'absent'] as const) {
        const s = await start({ extraFields: true, notices });
        const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
        expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
        await s.stop();
      }
      const empty = await start({ usage: {}, emptyResult: 'null' });
      const spend = spendOf(await connectCloudflare(empty).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe('0 USD');
      expect(spend.missing).toBeUndefined();
    });

    it('reads a reply without "success" by its HTTP status', async () => {
      const s = await start();
      s.inject(s.usagePath, {
        kind: 'rewrite',
        body: (body) => {
          delete (body as { success?: boolean }).success;
          return body;
        },
      });
      const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
    });

    it("takes the account's currency for records that name none, and says the reading stands on it", async () => {
      const s = await start();
      s.inject(s.usagePath, {
        kind: 'rewrite',
        body: (body) => {
          for (const record of (body as { result: Record<string, unknown>[] }).result)
            delete record.BillingCurrency;
          return body;
        },
      });
      const spend = spendOf(await connectCloudflare(s, { currency: 'EUR' }).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe('2.65 EUR');
      expect(spend.missing).toEqual([
        {
          part: 'currency',
          endpoint: 'GET /accounts/{account_id}/billable-usage',
          reason: "none of the period's 12 usage records names its BillingCurrency",
        },
      ]);
    });

    it('gives records without a currency the currency the others name', async () => {
      const s = await start({ currency: 'EUR' });
      s.inject(s.usagePath, {
        kind: 'rewrite',
        body: (body) => {
          const records = (body as { result: Record<string, unknown>[] }).result;
          records[0]!.BillingCurrency = null;
          delete records[1]!.BillingCurrency;
          return body;
        },
      });
      const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe('2.65 EUR');
      expect(spend.missing).toBeUndefined();
    });

    it('takes the currency the response states in records outside the period before the setting', async () => {
      // The server answers October's days too, and only they name the currency.
      const s = await start({ currency: 'EUR', ignoresRange: true });
      s.inject(s.usagePath, {
        kind: 'rewrite',
        body: (body) => {
          for (const record of (body as { result: Record<string, unknown>[] }).result)
            if (String(record.ChargePeriodStart) >= '2026-11-15') delete record.BillingCurrency;
          return body;
        },
      });
      const spend = spendOf(await connectCloudflare(s, { currency: 'USD' }).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe('2.65 EUR');
      expect(spend.missing).toBeUndefined();
    });

    it('reads a period without records as zero in the currency the other records state', async () => {
      const october = dailyUsage('2026-10-01', '2026-10-31', () => ({ 'Workers Standard': 0.1 }));
      const s = await start({ currency: 'KWD', ignoresRange: true, usage: october });
      const spend = spendOf(await connectCloudflare(s, { currency: 'USD' }).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe('0 KWD');
      expect(spend.missing).toBeUndefined();
    });
  });

  describe('the date range', () => {
    const WORKERS_A_DOLLAR_A_DAY = dailyUsage('2026-10-01', '2027-01-31', () => ({ 'Workers Standard': 1 }));

    it("never counts the next cycle's first day, whatever the server sends", async () => {
      // The provider is already on the 15th of December (the next cycle's first, rated and open) and
      // answers every record it has; for our clock it is still the cycle's last day.
      const s = await start({
        usage: WORKERS_A_DOLLAR_A_DAY,
        now: () => new Date('2026-12-15T06:00:00Z'),
        ignoresRange: true,
      });
      const clock = fixedClock('2026-12-14T23:50:00Z');
      const spend = spendOf(await connectCloudflare(s, {}, { clock }).source.read(fullRead));
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
      // 15 November .. 14 December: 30 days; neither October's days nor the 15th of December.
      expect(spend.BilledCost?.toString()).toBe('30 USD');
      expect(spend.daily?.at(-1)?.date).toBe('2026-12-14');
      expect(Object.fromEntries(s.calls(s.usagePath)[0]!.query)).toEqual({
        from: '2026-11-15',
        to: '2026-12-14',
      });
    });

    it("asks for a 31-day cycle within FOCUS v2's 31-day maximum", async () => {
      const now = new Date('2027-01-10T12:00:00Z');
      const s = await start({
        live: 'focus-v2',
        focusCosts: true,
        usage: WORKERS_A_DOLLAR_A_DAY,
        now: () => now,
      });
      const spend = spendOf(await connectCloudflare(s, {}, { clock: fixedClock(now) }).source.read(fullRead));
      // 15 December .. 10 January; the day after the cycle (15 January) would make 32 days, a 400.
      expect(spend.BillingPeriodEnd.toISOString()).toBe('2027-01-15T00:00:00.000Z');
      expect(spend.BilledCost?.toString()).toBe('27 USD');
      expect(Object.fromEntries(s.calls(s.usagePath)[0]!.query)).toEqual({
        from: '2026-12-15',
        to: '2027-01-14',
      });
    });

    it('splits a period of more than 31 UTC days into ranges FOCUS v2 accepts, counting each day once', async () => {
      // The Azores leave summer time (UTC+0) for UTC-1 in October: the local month is 1 October 00:00Z
      // to 1 November 01:00Z, 32 UTC days. At 00:30Z on 1 November it is still October there.
      const now = new Date('2026-11-01T00:30:00Z');
      const s = await start({
        live: 'focus-v2',
        focusCosts: true,
        usage: WORKERS_A_DOLLAR_A_DAY,
        now: () => now,
        subscriptions: [],
      });
      const { source } = connectCloudflare(
        s,
        { timeZone: 'Atlantic/Azores', useBillingProfile: false },
        { clock: fixedClock(now) },
      );
      const spend = spendOf(await source.read(fullRead));
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-10-01T00:00:00.000Z');
      expect(spend.BillingPeriodEnd.toISOString()).toBe('2026-11-01T01:00:00.000Z');
      expect(s.calls(s.usagePath).map((c) => Object.fromEntries(c.query))).toEqual([
        { from: '2026-10-01', to: '2026-10-31' },
        { from: '2026-11-01', to: '2026-11-01' },
      ]);
      // The UTC day of 1 November starts before the local month ends: 32 charge periods.
      expect(spend.BilledCost?.toString()).toBe('32 USD');
    });
  });

  describe('FOCUS v2, once every v1 path answers 404', () => {
    it('reads the cost from BilledCost when Cloudflare populates it', async () => {
      const s = await start({ live: 'focus-v2', focusCosts: true });
      const { source, logger } = connectCloudflare(s);
      const spend = spendOf(await source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
      // x_ProductFamilyName is v2's ServiceName; x_ZoneId its zone.
      const workers = spend.lines.filter((l) => l.ServiceName === 'Workers');
      expect(workers).toHaveLength(6);
      expect(workers[0]).toMatchObject({
        ResourceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        ConsumedUnit: 'Requests',
      });
      expect(spend.sources).toEqual([INFO, 'GET /accounts/{account_id}/billable/usage', PROFILE]);
      expect(logger.records()).toContainEqual(
        expect.objectContaining({
          message: 'cloudflare billable usage served',
          endpoint: 'GET /accounts/{account_id}/billable/usage',
          notFound: V1_PATHS.map((p) => `GET /accounts/{account_id}${p}`),
        }),
      );
    });

    it('reads records with only the required fields: the currency and service fall back', async () => {
      const s = await start({ live: 'focus-v2', focusCosts: true, optionalFields: 'absent' });
      s.inject(s.usagePath, {
        kind: 'rewrite',
        body: (body) => {
          // BilledCost is optional: ContractedCost alone is the cost as well.
          for (const record of (body as { result: Record<string, unknown>[] }).result)
            record.ContractedCost = 0.25;
          return body;
        },
      });
      const spend = spendOf(await connectCloudflare(s, { currency: 'USD' }).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe('3 USD');
      expect(spend.missing?.map((m) => m.part)).toEqual(['currency']);
      expect(spend.lines.map((l) => l.ServiceName)).toContain('Workers Standard usage measured in Count');
    });

    it('cannot be read while its costs are not populated, and never reads as zero', async () => {
      const s = await start({ live: 'focus-v2' });
      const error = await providerErrorOf(connectCloudflare(s).source.read(fullRead));
      expect(error).toMatchObject({
        kind: 'invalid-response',
        endpoint: 'GET /accounts/{account_id}/billable/usage',
      });
      expect(error.message).toContain(
        "Cloudflare's FOCUS v2 billable usage does not carry costs yet: 12 of the period's 12 records have neither BilledCost nor ContractedCost",
      );
      expect(error.message).toContain('it is not read as zero');

      // Null costs are not populated costs either.
      await s.stop();
      const nulls = await start({ live: 'focus-v2', optionalFields: 'null' });
      const again = await providerErrorOf(connectCloudflare(nulls).source.read(fullRead));
      expect(again.message).toContain('does not carry costs yet');
    });

    it("reads on when v1's usage info is retired too, the period from the profile", async () => {
      const s = await start({ live: 'focus-v2', focusCosts: true }).then((started) =>
        started.failSideCall('info', 404),
      );
      const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
      expect(spend.missing).toEqual([
        {
          part: 'billingPeriod',
          endpoint: INFO,
          reason: 'HTTP 404: Cloudflare says: [7003] No route for the URI',
        },
      ]);
    });
  });

  describe('side calls', () => {
    it('reads a partial reading when the usage info fails: the period from the profile, else the 1st', async () => {
      const s = await start();
      s.failSideCall('info', 500);
      const withProfile = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(withProfile.BilledCost?.toString()).toBe(CYCLE_TO_DATE);
      expect(withProfile.BillingPeriodStart.toISOString()).toBe('2026-11-15T00:00:00.000Z');
      expect(withProfile.missing).toEqual([
        {
          part: 'billingPeriod',
          endpoint: INFO,
          reason: expect.stringMatching(/^HTTP 500: kept answering 500: .*Internal server error/),
        },
      ]);
      expect(withProfile.sources).not.toContain(INFO);

      // The calendar month's range always includes the anchor day v1 asks for.
      const { source, logger } = connectCloudflare(s, { useBillingProfile: false });
      const calendar = spendOf(await source.read(fullRead));
      expect(calendar.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
      expect(calendar.BilledCost?.toString()).toBe(MONTH_TO_DATE);
      expect(calendar.missing?.map((m) => m.part)).toEqual(['billingPeriod']);
      expect(logger.records()).toContainEqual(
        expect.objectContaining({ level: 'warn', part: 'billingPeriod', endpoint: INFO }),
      );
    });

    it('marks the period missing for each failed source of it: the info (403), then the profile', async () => {
      const s = await start();
      s.failSideCall('info', 403).failSideCall('profile', 500);
      const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
      expect(spend.missing?.map((m) => [m.part, m.endpoint])).toEqual([
        ['billingPeriod', INFO],
        ['billingPeriod', PROFILE],
      ]);
      expect(spend.missing?.[0]?.reason).toContain('[9109] Unauthorized to access requested resource');
    });

    it('marks the period missing when the profile fails where there is no usage info (the Beta)', async () => {
      const s = await start({ live: 'beta' });
      s.failSideCall('profile', 404);
      const spend = spendOf(await connectCloudflare(s).source.read(fullRead));
      expect(spend.BilledCost?.toString()).toBe(MONTH_TO_DATE);
      expect(spend.missing).toEqual([
        {
          part: 'billingPeriod',
          endpoint: PROFILE,
          reason: 'HTTP 404: Cloudflare says: [7003] No route for the URI',
        },
      ]);
    });

    it('reads a usage info without subscriptions or coverage, and one whose subscriptions lack an anchor', async () => {
      const s = await start();
      s.inject(s.path('/billable-usage/info'), {
        kind: 'rewrite',
        body: (body) => {
          const info = (body as { result: Record<string, unknown> }).result;
          delete info.covered;
          info.subscriptions = [{ id: 'NO-ANCHOR' }, null];
          return body;
        },
      });
      const spend = spendOf(await connectCloudflare(s, { useBillingProfile: false }).source.read(fullRead));
      expect(spend.BillingPeriodStart.toISOString()).toBe('2026-11-01T00:00:00.000Z');
      expect(spend.missing).toBeUndefined();
    });
  });
});
