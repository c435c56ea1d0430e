/**
 * The Kill Bill client against bodies generated from Kill Bill's own Swagger (kbswagger.yaml): any
 * RolledUpUsage, dry-run Invoice, page of Accounts and list of CustomFields the definitions allow,
 * served by a loopback server, read through the registry.
 *
 * The figure is each unit type's quantity: it needs `rolledUpUnits[].unitType` and
 * `rolledUpUnits[].amount`, so those are pinned present, and the unit type non-empty (the client
 * refuses an unnamed unit: its quantity would count for no budget); everything else is as the
 * definition allows. Swagger 2 cannot say nullable, and Kill Bill (Java) sends null for what it has not set, so
 * optional fields come as null too.
 *
 * An upcoming invoice's figure is its `amount` and `currency` (pinned present, the currency an ISO
 * 4217 code): the lines of its items, whatever they hold, add up to it exactly. An Account needs only
 * its `accountId`, a CustomField nothing (one without a name or value is none).
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KillBillSimulator } from '../../dev/simulators/killbill.ts';
import type { SimRequest } from '../../dev/simulators/kit.ts';
import { ProviderError } from '../../lib/http/index.ts';
import { type Decimal, decimal } from '../../lib/money/index.ts';
import { killbill } from '../../lib/providers/killbill/index.ts';
import type { SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { arbitraryOf, withFieldMissing } from '../support/official/arbitrary.ts';
import { officialSpecsMissing } from '../support/official/files.ts';
import { killbillRequest, killbillResponse } from '../support/official/killbill.ts';
import { type Answers, OfficialApiServer } from '../support/official/loopback.ts';
import { contractRuns, PROPERTY_TIMEOUT_MS } from '../support/official/properties.ts';
import { schemaProblems } from '../support/official/validate.ts';
import { accountForTest, connectForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

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

const INVOICE_FIGURE = ['amount', 'currency'];
const ACCOUNT_ID = '0f3a6b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';
const DRY_RUN = 'POST /1.0/kb/invoices/dryRun';
// What the reading keeps an amount in: ISO 4217 (kbswagger's enum also lists BTC and retired codes).
const ISO_CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP', 'BHD'];

interface Invoice {
  amount: number;
  currency: string;
}

describe.skipIf(missing)(
  'Kill Bill upcoming invoices read every Invoice, Account and CustomField its Swagger allows',
  () => {
    const server = new OfficialApiServer();
    beforeAll(() => server.start());
    afterAll(() => server.stop());

    const invoices = () =>
      arbitraryOf(killbillResponse('POST', '/1.0/kb/invoices/dryRun'), {
        require: INVOICE_FIGURE,
        overrides: { currency: fc.constantFrom(...ISO_CURRENCIES) },
        nullForOptional: true,
      });
    const accountBody = { accountId: ACCOUNT_ID, externalKey: 'acme', name: 'Acme', currency: 'USD' };

    const priced = (answers: Answers, fields: Record<string, unknown> = {}, tags: string[] = []) => {
      server.answer(answers);
      const { source } = connectForTest(
        'killbill',
        { baseUrl: server.baseUrl, accounts: [ACCOUNT_ID], ...fields },
        credentials,
        fixedClock(NOW),
      );
      return source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: { cost: true, tags } });
    };

    it(
      'reads the invoice’s amount exactly, in its currency, its lines adding up to it',
      async () => {
        await fc.assert(
          fc.asyncProperty(invoices(), async (generated) => {
            const invoice = generated as Invoice;
            const reading = await priced({
              'GET /1.0/kb/accounts/{accountId}': accountBody,
              [DRY_RUN]: invoice,
            });
            expect(reading.status).toBe('ok');
            if (reading.status !== 'ok') return;
            const amount = decimal(invoice.amount);
            expect(reading.spend.BilledCost?.amount.eq(amount)).toBe(true);
            expect(reading.spend.BilledCost?.currency).toBe(invoice.currency);
            const lines = reading.spend.lines;
            expect(lines.length).toBeGreaterThan(0);
            expect(
              lines.every((l) => l.ResourceId === 'acme' && l.BilledCost?.currency === invoice.currency),
            ).toBe(true);
            const sum = lines.reduce((total, l) => total.plus(l.BilledCost!.amount), decimal(0));
            expect(sum.eq(amount)).toBe(true);
          }),
          contractRuns(),
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      'fails the read, never reads zero, when the invoice’s amount or currency is missing',
      async () => {
        await fc.assert(
          fc.asyncProperty(withFieldMissing(invoices(), INVOICE_FIGURE), async ({ body }) => {
            const error = await providerErrorOf(
              priced({ 'GET /1.0/kb/accounts/{accountId}': accountBody, [DRY_RUN]: body }),
            );
            expect(error.kind).toBe('invalid-response');
          }),
          contractRuns(40),
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      'pages through any list of Accounts and prices each one once',
      async () => {
        const accountLists = arbitraryOf(killbillResponse('GET', '/1.0/kb/accounts/pagination'), {
          require: ['[].accountId'],
          nullForOptional: true,
          longListLength: 250,
        });
        await fc.assert(
          fc.asyncProperty(accountLists, async (generated) => {
            const all = [
              ...new Map(
                (generated as { accountId: string }[]).map((a) => [a.accountId.toLowerCase(), a]),
              ).values(),
            ];
            const reading = await priced(
              {
                'GET /1.0/kb/accounts/pagination': (request: SimRequest) => {
                  const offset = Number(request.query.get('offset'));
                  return {
                    status: 200,
                    body: all.slice(offset, offset + Number(request.query.get('limit'))),
                  };
                },
                [DRY_RUN]: () => ({ status: 204 }),
              },
              { accounts: 'all' },
            );
            expect(reading.status).toBe('ok');
            const asked = server.requests.filter((r) => r.path === '/1.0/kb/invoices/dryRun');
            expect(asked.map((r) => r.query.get('accountId')).sort()).toEqual(
              all.map((a) => a.accountId).sort(),
            );
          }),
          contractRuns(20),
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      'takes from any CustomField list exactly the named fields the budgets read',
      async () => {
        const fieldLists = arbitraryOf(killbillResponse('GET', '/1.0/kb/accounts/{accountId}/customFields'), {
          overrides: { '[].name': fc.constantFrom('spendwatch-cap', 'crm-id', 'region') },
          nullForOptional: true,
        });
        await fc.assert(
          fc.asyncProperty(fieldLists, async (generated) => {
            const fields = generated as { name?: unknown; value?: unknown }[];
            const reading = await priced(
              {
                'GET /1.0/kb/accounts/{accountId}': accountBody,
                'GET /1.0/kb/accounts/{accountId}/customFields': fields,
                [DRY_RUN]: { amount: 12.5, currency: 'USD' },
              },
              {},
              ['spendwatch-cap', 'region'],
            );
            expect(reading.status).toBe('ok');
            if (reading.status !== 'ok') return;
            const expected: Record<string, string> = {};
            for (const field of fields)
              if (
                (field.name === 'spendwatch-cap' || field.name === 'region') &&
                typeof field.value === 'string'
              )
                expected[field.name] = field.value;
            for (const line of reading.spend.lines) expect(line.Tags ?? {}).toEqual(expected);
          }),
          contractRuns(40),
        );
      },
      PROPERTY_TIMEOUT_MS,
    );
  },
);

const BLOCK = '/1.0/kb/subscriptions/{subscriptionId}/block';

describe.skipIf(missing)('Kill Bill block reads every Bundle and BlockingState its Swagger allows', () => {
  const server = new OfficialApiServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const blockActuator = (baseUrl: string) =>
    killbill.actuators!.block!.connect(
      accountForTest(killbill, { baseUrl }, credentials),
      contextForTest(credentials, fixedClock(NOW)),
    );
  const customer = { accountId: 'killbill-test', resourceId: ACCOUNT_ID, resourceType: 'customer' };

  it(
    "inspect lists every subscription of any account's Bundles, whatever else they hold",
    async () => {
      const bundleLists = arbitraryOf(killbillResponse('GET', '/1.0/kb/accounts/{accountId}/bundles'), {
        require: ['[].subscriptions[].subscriptionId'],
        nullForOptional: true,
      });
      const blockingStates = arbitraryOf(killbillResponse('GET', '/1.0/kb/accounts/{accountId}/block'), {
        nullForOptional: true,
      });
      await fc.assert(
        fc.asyncProperty(bundleLists, blockingStates, async (bundles, states) => {
          server.answer({
            'GET /1.0/kb/accounts/{accountId}': { accountId: ACCOUNT_ID },
            'GET /1.0/kb/accounts/{accountId}/bundles': bundles,
            'GET /1.0/kb/accounts/{accountId}/block': states,
            'GET /1.0/kb/accounts/{accountId}/customFields': [],
          });
          const facts = await blockActuator(server.baseUrl).inspect(customer);
          const listed = (bundles as { subscriptions?: { subscriptionId: string }[] | null }[]).flatMap(
            (bundle) => (bundle.subscriptions ?? []).map((s) => s.subscriptionId),
          );
          const read = facts.state.data.subscriptions as { subscriptionId: string }[];
          expect(read.map((s) => s.subscriptionId)).toEqual(listed);
        }),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("the simulator answers bundles, blocking states and blocks as the Swagger defines them, and takes the adapter's BlockingState", async () => {
    const SUB = '8a2c4e6f-1b3d-4f5a-9e7c-3b5d7f9a1c2e';
    const sim = new KillBillSimulator({
      ...credentials,
      // ACCOUNT_ID is the simulator's own default account: the customer's subscription is on it.
      subscriptions: [SUB],
      now: () => NOW,
    });
    await sim.start();
    try {
      const actuator = blockActuator(sim.url);
      const before = (await actuator.inspect(customer)).state;
      await actuator.apply(customer, {}, before);
      await actuator.restore(customer, before);
      const sent = sim.blockWrites.map((w) => w.body);
      expect(sent).toHaveLength(2);
      for (const body of sent) expect(schemaProblems(killbillRequest('POST', BLOCK), body)).toEqual([]);

      const headers = {
        authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
        'X-Killbill-ApiKey': credentials.apiKey,
        'X-Killbill-ApiSecret': credentials.apiSecret,
        'content-type': 'application/json',
      };
      const call = async (
        method: string,
        path: string,
        extra: Record<string, string> = {},
        body?: unknown,
      ) => {
        const response = await fetch(`${sim.url}${path}`, {
          method,
          headers: { ...headers, ...extra },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      };
      const blocked = await call(
        'POST',
        `/1.0/kb/subscriptions/${SUB}/block`,
        { 'X-Killbill-CreatedBy': 'test' },
        sent[0],
      );
      expect(blocked.status).toBe(201);
      expect(schemaProblems(killbillResponse('POST', BLOCK, '201'), blocked.body)).toEqual([]);
      for (const path of ['/1.0/kb/accounts/{accountId}/bundles', '/1.0/kb/accounts/{accountId}/block']) {
        const reply = await call('GET', path.replace('{accountId}', ACCOUNT_ID));
        expect(reply.status, path).toBe(200);
        expect(schemaProblems(killbillResponse('GET', path), reply.body), path).toEqual([]);
      }
      const subscription = await call('GET', `/1.0/kb/subscriptions/${SUB}`);
      expect(
        schemaProblems(killbillResponse('GET', '/1.0/kb/subscriptions/{subscriptionId}'), subscription.body),
      ).toEqual([]);
      expect(subscription.body).toMatchObject({ state: 'BLOCKED' });
    } finally {
      await sim.stop();
    }
  });
});
