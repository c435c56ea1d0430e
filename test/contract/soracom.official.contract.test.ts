/**
 * The Soracom client against bodies generated from Soracom's own OpenAPI document
 * (soracom-api.en.yaml), one endpoint at a time, the others answering plausibly; served by a
 * loopback server and read through the registry, signed in with the AuthKey as in production.
 *
 * What each figure needs, pinned present (the rest is as the document allows):
 * - POST /auth: `apiKey` and `token`, the session every other request is signed with (kept to
 *   characters an HTTP header carries);
 * - GET /bills/latest: `amount` and `lastEvaluatedTime`, which the document types only as a string
 *   (its example is "yyyyMMddHHmmss"): pinned to that, in the current month;
 * - GET /bills: `billList[].amount` and `billList[].yearMonth`;
 * - GET /bills/{yyyyMM}/daily: `billList[].amount` and `billList[].date`, days of the month asked for
 *   (with days of any other month mixed in, which are no part of its series);
 * - GET /bills/summaries/*: `[].costBreakdownList[].amount`, and `[].yearMonth` (documented only as
 *   "Year and month."; pinned to yyyyMM like every other yearMonth of the document, one summary per
 *   month as the dashboard shows them); a per-SIM line also its non-empty `simId`.
 * Without what a side call's figure needs, the entry is set aside and the headline stands.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimReply, SimRequest } from '../../dev/simulators/kit.ts';
import { SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { ProviderError } from '../../lib/http/index.ts';
import { decimal } from '../../lib/money/index.ts';
import { forgetSoracomSessions, soracom } from '../../lib/providers/soracom/index.ts';
import type { SpendReading } from '../../lib/spend/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { arbitraryOf, withFieldMissing } from '../support/official/arbitrary.ts';
import { officialSpecsMissing } from '../support/official/files.ts';
import { type Answers, OfficialApiServer } from '../support/official/loopback.ts';
import { contractRuns, PROPERTY_TIMEOUT_MS } from '../support/official/properties.ts';
import { soracomRequest, soracomResponse } from '../support/official/soracom.ts';
import { schemaProblems } from '../support/official/validate.ts';
import { accountForTest, connectForTest, contextForTest } from '../support/providers.ts';

const missing = officialSpecsMissing(import.meta.url);

const NOW = new Date('2026-11-23T03:30:00Z'); // 12:30 JST
const MONTH = '202611';
const MONTH_START = new Date('2026-10-31T15:00:00Z'); // 2026-11-01 00:00 JST
const DAY_MS = 86_400_000;
const credentials = { authKeyId: 'keyId-contract', authKey: 'secret-contract' };

/** Plausible, valid bodies for the endpoints a property does not generate. */
const PLAUSIBLE = {
  'POST /auth': { apiKey: 'api-plausible', operatorId: 'OP0012345678', token: 'token-plausible' },
  'GET /bills/latest': { amount: 2438, currency: 'JPY', lastEvaluatedTime: '20261123120000' },
  'GET /bills': { billList: [{ amount: 28734, currency: 'JPY', state: 'closed', yearMonth: '202610' }] },
  'GET /bills/{yyyyMM}/daily': { billList: [{ amount: 285, currency: 'JPY', date: '20261101' }] },
  'GET /bills/summaries/bill_items': [
    {
      yearMonth: MONTH,
      currency: 'JPY',
      costBreakdownList: [{ amount: 100, billItemCategory: 'Air', billItemName: 'Data usage fee' }],
    },
  ],
  'GET /bills/summaries/sims': [
    { yearMonth: MONTH, currency: 'JPY', costBreakdownList: [{ amount: 100, simId: '8981100000000000000' }] },
  ],
};
type Endpoint = keyof typeof PLAUSIBLE;
const ACCOUNT_CURRENCY = PLAUSIBLE['GET /bills/latest'].currency;

interface Session {
  apiKey: string;
  token: string;
}
interface Bill {
  amount: number;
  currency?: string;
  yearMonth: string;
  date: string;
}
interface Daily {
  billList: Bill[];
}
interface CostLine {
  amount: number;
  simId?: string | null;
}
interface Summary {
  yearMonth: string;
  currency?: string;
  costBreakdownList: CostLine[];
}
type Overrides = Record<string, fc.Arbitrary<unknown>>;

/** Header-safe session keys: real ones are ASCII ("api-abcde123-..."), and fetch trims spaces off headers. */
const headerValue = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,64}$/);

/** An evaluation time this month, as the JST wall clock yyyyMMddHHmmss. */
const evaluatedThisMonth = fc
  .date({ min: MONTH_START, max: NOW, noInvalidDate: true })
  .map((at) => new Date(at.getTime() + 9 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14));

/** Any day of the month, as Soracom writes it ("20261107"). */
const dayOfMonth = fc.integer({ min: 1, max: 30 }).map((day) => `${MONTH}${String(day).padStart(2, '0')}`);

const decimals = (amounts: number[]) => amounts.map((amount) => decimal(amount).toFixed()).sort();

/** One summary per month, as Soracom lists them. */
const oneSummaryPerMonth = (summaries: unknown) =>
  (summaries as Summary[]).filter((s, i, all) => all.findIndex((t) => t.yearMonth === s.yearMonth) === i);

describe.skipIf(missing)('Soracom reads every body its OpenAPI document allows', () => {
  const server = new OfficialApiServer('/v1');
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const schema = (endpoint: Endpoint) => {
    const [method, path] = endpoint.split(' ') as [string, string];
    return soracomResponse(method, path);
  };

  /** Serves `generated` for its endpoints, PLAUSIBLE for the rest, and only to the session /auth handed out. */
  const serve = (generated: Partial<Record<Endpoint, unknown>>, now = NOW) => {
    const bodies = { ...PLAUSIBLE, ...generated };
    const session = bodies['POST /auth'] as Session;
    const signedIn =
      (body: unknown) =>
      (request: SimRequest): SimReply =>
        request.headers['x-soracom-api-key'] === session.apiKey &&
        request.headers['x-soracom-token'] === session.token
          ? { status: 200, body }
          : { status: 401, body: { code: 'UNAUTHORIZED', message: 'Invalid API key or token' } };
    const answers: Answers = { 'POST /auth': session };
    for (const [endpoint, body] of Object.entries(bodies))
      if (endpoint !== 'POST /auth') answers[endpoint] = signedIn(body);
    server.answer(answers);
    // Sessions are cached per process: each run signs in with its own /auth body.
    forgetSoracomSessions();
    return connectForTest(
      'soracom',
      { coverage: 'jp', baseUrl: server.baseUrl },
      credentials,
      fixedClock(now),
    ).source;
  };

  const read = (
    generated: Partial<Record<Endpoint, unknown>>,
    needs = {},
    now = NOW,
  ): Promise<SpendReading> => serve(generated, now).read({ period: monthlyPeriod(now, 'Asia/Tokyo'), needs });

  const latestBodies = () =>
    arbitraryOf(schema('GET /bills/latest'), {
      require: ['amount', 'lastEvaluatedTime'],
      overrides: { lastEvaluatedTime: evaluatedThisMonth },
    });

  it('answers the other endpoints with bodies the document allows', () => {
    for (const [endpoint, body] of Object.entries(PLAUSIBLE))
      expect(schemaProblems(schema(endpoint as Endpoint), body), endpoint).toEqual([]);
  });

  it(
    'POST /auth: signs in with any AuthResponse that carries a key and a token',
    async () => {
      const sessions = arbitraryOf(schema('POST /auth'), {
        require: ['apiKey', 'token'],
        overrides: { apiKey: headerValue, token: headerValue },
      });
      await fc.assert(
        fc.asyncProperty(sessions, async (auth) => {
          const reading = await read({ 'POST /auth': auth });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.BilledCost?.toDecimalString()).toBe(
            String(PLAUSIBLE['GET /bills/latest'].amount),
          );
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /bills/latest: the month’s BilledCost is exactly `amount`',
    async () => {
      await fc.assert(
        fc.asyncProperty(latestBodies(), async (generated) => {
          const latest = generated as Bill;
          const reading = await read({ 'GET /bills/latest': latest });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.BilledCost?.toDecimalString()).toBe(decimal(latest.amount).toFixed());
          if (latest.currency) expect(reading.spend.BilledCost?.currency).toBe(latest.currency);
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /bills/latest: without `amount` the read fails; without `lastEvaluatedTime` it is pending or marked, never zero',
    async () => {
      // Read at any time of the month: in its first 24 h an undated figure may still be last month's
      // (pending); later the read time stands in and the billing period is marked as inferred.
      const readTimes = fc.oneof(
        fc.date({ min: MONTH_START, max: new Date(MONTH_START.getTime() + DAY_MS), noInvalidDate: true }),
        fc.date({ min: MONTH_START, max: NOW, noInvalidDate: true }),
      );
      await fc.assert(
        fc.asyncProperty(
          withFieldMissing(latestBodies(), ['amount', 'lastEvaluatedTime']),
          readTimes,
          async ({ body, missing }, now) => {
            const latest = read({ 'GET /bills/latest': body }, {}, now);
            if (missing.startsWith('amount')) {
              await expect(latest).rejects.toBeInstanceOf(ProviderError);
              return;
            }
            const reading = await latest;
            if (reading.status === 'pending') return;
            expect(reading.spend.missing?.map((m) => m.part)).toContain('billingPeriod');
            expect(reading.spend.BilledCost?.toDecimalString()).toBe(
              decimal((body as Bill).amount).toFixed(),
            );
          },
        ),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /bills: the history is each earlier month’s `amount`, newest first',
    async () => {
      const histories = arbitraryOf(schema('GET /bills'), {
        require: ['billList', 'billList[].amount', 'billList[].yearMonth'],
      });
      const months = 6;
      await fc.assert(
        fc.asyncProperty(histories, async (generated) => {
          const { billList } = generated as { billList: Bill[] };
          const totals = (await serve({ 'GET /bills': generated }).history?.(months)) ?? [];
          const expected = billList
            .filter((bill) => bill.yearMonth < MONTH)
            .sort((a, b) => b.yearMonth.localeCompare(a.yearMonth))
            .slice(0, months)
            .map((bill) => ({
              month: `${bill.yearMonth.slice(0, 4)}-${bill.yearMonth.slice(4)}`,
              cost: `${decimal(bill.amount).toFixed()} ${bill.currency ?? ACCOUNT_CURRENCY}`,
            }));
          const got = totals.map((t) => ({
            month: t.month,
            cost: `${t.BilledCost.toDecimalString()} ${t.BilledCost.currency}`,
          }));
          expect(got.map((t) => t.month)).toEqual(expected.map((t) => t.month));
          expect(got.map((t) => JSON.stringify(t)).sort()).toEqual(
            expected.map((t) => JSON.stringify(t)).sort(),
          );
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /bills/{yyyyMM}/daily: each day of the month is exactly its `amount`; other months’ days are no part of it',
    async () => {
      const dailies = (date?: fc.Arbitrary<string>) =>
        arbitraryOf(schema('GET /bills/{yyyyMM}/daily'), {
          require: ['billList', 'billList[].amount', 'billList[].date'],
          overrides: date && { 'billList[].date': date },
        });
      // Days of the month, with entries of any date the document allows mixed in.
      const bodies = fc.tuple(dailies(dayOfMonth), dailies()).map(([ofMonth, anyDate]) => ({
        billList: [...(ofMonth as Daily).billList, ...(anyDate as Daily).billList],
      }));
      await fc.assert(
        fc.asyncProperty(bodies, async (generated) => {
          const reading = await read({ 'GET /bills/{yyyyMM}/daily': generated }, { daily: true });
          expect(reading.status).toBe('ok');
          if (reading.status !== 'ok') return;
          expect(reading.spend.missing).toBeUndefined();
          const day = (date: string) => `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`;
          // A day in another currency than the bill's cannot be added to it: it is set aside too.
          const expected = generated.billList
            .filter((bill) => bill.date.startsWith(MONTH))
            .filter((bill) => (bill.currency ?? ACCOUNT_CURRENCY) === ACCOUNT_CURRENCY)
            .map((bill) => `${day(bill.date)} ${decimal(bill.amount).toFixed()} ${ACCOUNT_CURRENCY}`);
          expect(
            (reading.spend.daily ?? []).map((d) => `${d.date} ${d.BilledCost.toString()}`).sort(),
          ).toEqual(expected.sort());
        }),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  const summaries = (endpoint: Endpoint, pinned: { require?: string[]; overrides?: Overrides } = {}) =>
    arbitraryOf(schema(endpoint), {
      require: [
        '[].yearMonth',
        '[].costBreakdownList',
        '[].costBreakdownList[].amount',
        ...(pinned.require ?? []),
      ],
      overrides: {
        '[].yearMonth': fc.constantFrom(MONTH, '202610', '202609', '202608'),
        ...pinned.overrides,
      },
    }).map(oneSummaryPerMonth);

  /** A per-SIM line is a SIM's: the sims summary pinned to entries naming one. */
  const simSummaries = () =>
    summaries('GET /bills/summaries/sims', {
      require: ['[].costBreakdownList[].simId'],
      overrides: { '[].costBreakdownList[].simId': fc.string({ minLength: 1 }) },
    });

  /** This month's summary amounts of the entries `counted`, as read into lines; nothing else. */
  const summaryProperty = (
    endpoint: Endpoint,
    bodies: fc.Arbitrary<Summary[]>,
    counted: (item: CostLine) => boolean = () => true,
  ) => {
    const other =
      endpoint === 'GET /bills/summaries/sims'
        ? 'GET /bills/summaries/bill_items'
        : 'GET /bills/summaries/sims';
    return fc.asyncProperty(bodies, async (generated) => {
      const reading = await read({ [endpoint]: generated, [other]: [] }, { breakdown: true });
      expect(reading.status).toBe('ok');
      if (reading.status !== 'ok') return;
      expect(reading.spend.missing).toBeUndefined();
      const month = generated.find((s) => s.yearMonth === MONTH);
      const items = (month?.costBreakdownList ?? []).filter(counted);
      expect(reading.spend.lines.map((line) => line.BilledCost?.amount.toFixed()).sort()).toEqual(
        decimals(items.map((item) => item.amount)),
      );
      const currency = month?.currency ?? ACCOUNT_CURRENCY;
      for (const line of reading.spend.lines) expect(line.BilledCost?.currency).toBe(currency);
    });
  };

  it(
    'GET /bills/summaries/bill_items: this month’s lines are exactly its items’ amounts',
    async () => {
      await fc.assert(
        summaryProperty('GET /bills/summaries/bill_items', summaries('GET /bills/summaries/bill_items')),
        contractRuns(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /bills/summaries/sims: this month’s lines are exactly its SIMs’ amounts',
    async () => {
      await fc.assert(summaryProperty('GET /bills/summaries/sims', simSummaries()), contractRuns());
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /bills/summaries/sims: an entry without a simId never fails the read and adds no line',
    async () => {
      const withoutSim = withFieldMissing(simSummaries(), ['[].costBreakdownList[].simId']).map(
        ({ body }) => body as Summary[],
      );
      await fc.assert(
        summaryProperty('GET /bills/summaries/sims', withoutSim, (item) => Boolean(item.simId)),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

/** The SIM writes of the guardrail actions, each answering the Sim after it. */
const SIM_WRITES = ['update_speed_class', 'set_to_standby', 'activate', 'deactivate', 'suspend'];
const SIM_FIGURE = ['simId', 'speedClass', 'status'];

describe.skipIf(missing)('Soracom SIM actions read every Sim its OpenAPI document allows', () => {
  const server = new OfficialApiServer('/v1');
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const actuator = (kind: 'speedClass' | 'standby', baseUrl: string) =>
    soracom.actuators![kind]!.connect(
      accountForTest(soracom, { baseUrl }, credentials),
      contextForTest(credentials, fixedClock(NOW)),
    );

  it(
    'GET /sims/{sim_id}: inspect reads the SIM ID, speed class or status, group and string tags of any Sim',
    async () => {
      const sims = arbitraryOf(soracomResponse('GET', '/sims/{sim_id}'), {
        require: SIM_FIGURE,
        overrides: {
          simId: fc.stringMatching(/^\d{19}$/),
          speedClass: fc.string({ minLength: 1 }),
          status: fc.string({ minLength: 1 }),
        },
      });
      await fc.assert(
        fc.asyncProperty(sims, async (generated) => {
          const sim = generated as {
            simId: string;
            speedClass: string;
            status: string;
            groupId?: string;
            tags?: Record<string, string>;
          };
          server.answer({ 'POST /auth': PLAUSIBLE['POST /auth'], 'GET /sims/{sim_id}': sim });
          forgetSoracomSessions();
          const target = { accountId: 'soracom-test', resourceId: sim.simId };
          const slow = await actuator('speedClass', server.baseUrl).inspect(target);
          const standby = await actuator('standby', server.baseUrl).inspect(target);
          expect(slow.state.data).toEqual({ simId: sim.simId, speedClass: sim.speedClass });
          expect(standby.state.data).toEqual({ simId: sim.simId, status: sim.status });
          expect(slow.groups).toEqual(sim.groupId ? [sim.groupId] : []);
          expect(slow.tags).toEqual(sim.tags ?? {});
        }),
        contractRuns(40),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("the simulator answers the Sim API with bodies the document allows, and the adapter's requests are ones it takes", async () => {
    const SIM = { simId: '8981100000012345678', imsi: '440101234567890' };
    const sim = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      sims: [
        { ...SIM, speedClass: 's1.fast', status: 'active', groupId: 'grp-1', tags: { name: 'sensor-17' } },
      ],
    });
    await sim.start();
    try {
      forgetSoracomSessions();
      const auth = (await (
        await fetch(`${sim.baseUrl}/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(credentials),
        })
      ).json()) as Session;
      const headers = {
        'X-Soracom-API-Key': auth.apiKey,
        'X-Soracom-Token': auth.token,
        'content-type': 'application/json',
      };
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${sim.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      };
      const sims = [
        ['GET /sims/{sim_id}', await call('GET', `/sims/${SIM.simId}`)],
        ['GET /subscribers/{imsi}', await call('GET', `/subscribers/${SIM.imsi}`)],
        ...(await Promise.all(
          SIM_WRITES.map(async (write) => [
            `POST /sims/{sim_id}/${write}`,
            await call(
              'POST',
              `/sims/${SIM.simId}/${write}`,
              write === 'update_speed_class' ? { speedClass: 's1.slow' } : undefined,
            ),
          ]),
        )),
      ] as [string, { status: number; body: unknown }][];
      for (const [endpoint, reply] of sims) {
        const [method, path] = endpoint.split(' ') as [string, string];
        expect(reply.status, endpoint).toBe(200);
        expect(schemaProblems(soracomResponse(method, path), reply.body), endpoint).toEqual([]);
      }

      const target = { accountId: 'soracom-test', resourceId: SIM.imsi };
      const slow = actuator('speedClass', sim.baseUrl);
      await slow.apply(target, { to: 's1.minimum' }, (await slow.inspect(target)).state);
      const standby = actuator('standby', sim.baseUrl);
      await standby.apply(target, {}, (await standby.inspect(target)).state);
      const request = soracomRequest('POST', '/sims/{sim_id}/update_speed_class');
      const sent = sim.calls(`/v1/sims/${SIM.simId}/update_speed_class`, 'POST').at(-1);
      expect(sent?.body).toEqual({ speedClass: 's1.minimum' });
      expect(schemaProblems(request, sent?.body)).toEqual([]);
      // set_to_standby takes no body, and none is sent.
      expect(sim.calls(`/v1/sims/${SIM.simId}/set_to_standby`, 'POST').at(-1)?.rawBody).toBe('');
    } finally {
      await sim.stop();
    }
  });
});
