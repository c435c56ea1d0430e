/**
 * The Kill Bill usage client against bodies generated from Kill Bill's own Swagger (kbswagger.yaml):
 * any RolledUpUsage the definition allows, served by a loopback server, read through the registry.
 *
 * The figure is each unit type's quantity: it needs `rolledUpUnits[].unitType` and
 * `rolledUpUnits[].amount`, so those are pinned present, and the unit type non-empty (the client
 * refuses an unnamed unit: its quantity would count for no budget); everything else is as the
 * definition allows. Swagger 2 cannot say nullable, and Kill Bill (Java) sends null for what it has not set, so
 * optional fields come as null too.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../lib/http/index.ts';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import type { SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { arbitraryOf, withFieldMissing } from '../support/official/arbitrary.ts';
import { officialSpecsMissing } from '../support/official/files.ts';
import { killbillResponse } from '../support/official/killbill.ts';
import { OfficialApiServer } from '../support/official/loopback.ts';
import { contractRuns, PROPERTY_TIMEOUT_MS } from '../support/official/properties.ts';
import { connectForTest } from '../support/providers.ts';

const missing = officialSpecsMissing(import.meta.url);

const NOW = new Date('2026-11-23T10:00:00Z');
const SUBSCRIPTION = '365987b2-5443-47e4-a467-c8962fc6995c';
const USAGE = 'GET /1.0/kb/usages/{subscriptionId}';
const credentials = { username: 'admin', password: 'password', apiKey: 'tenant', apiSecret: 'secret' };
const FIGURE_FIELDS = ['rolledUpUnits', 'rolledUpUnits[].unitType', 'rolledUpUnits[].amount'];

interface RolledUpUsage {
  rolledUpUnits: { unitType: string; amount: number }[];
}

describe.skipIf(missing)('Kill Bill usage reads every RolledUpUsage its Swagger allows', () => {
  const server = new OfficialApiServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const usageBodies = () =>
    arbitraryOf(killbillResponse('GET', '/1.0/kb/usages/{subscriptionId}'), {
      require: FIGURE_FIELDS,
      overrides: { 'rolledUpUnits[].unitType': fc.string({ minLength: 1 }) },
      nullForOptional: true,
    });

  const read = (body: unknown): Promise<SpendReading> => {
    server.answer({ [USAGE]: body });
    const { source } = connectForTest(
      'killbill',
      { baseUrl: server.baseUrl, subscriptions: [SUBSCRIPTION] },
      credentials,
      fixedClock(NOW),
    );
    return source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: { usage: true } });
  };

  it(
    'reads each unit type’s quantity as the exact sum of its amounts',
    async () => {
      await fc.assert(
        fc.asyncProperty(usageBodies(), async (generated) => {
          const body = generated as RolledUpUsage;
          const reading = await read(body);
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          const expected = new Map<string, Decimal>();
          for (const unit of body.rolledUpUnits)
            expected.set(
              unit.unitType,
              (expected.get(unit.unitType) ?? decimal(0)).plus(decimal(unit.amount)),
            );
          const quantities = reading.spend.lines.map(
            (line) => [line.ConsumedUnit, line.ConsumedQuantity?.toFixed()] as const,
          );
          expect(new Map(quantities)).toEqual(
            new Map([...expected].map(([unit, sum]) => [unit, sum.toFixed()])),
          );
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'fails the read, never reads zero, when a unit type or amount is missing',
    async () => {
      await fc.assert(
        fc.asyncProperty(withFieldMissing(usageBodies(), FIGURE_FIELDS), async ({ body }) => {
          await expect(read(body)).rejects.toBeInstanceOf(ProviderError);
        }),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
