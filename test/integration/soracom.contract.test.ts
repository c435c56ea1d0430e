import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { connectForTest } from '../support/providers.ts';
import { specJson, specText } from '../support/specs.ts';

const NOW = new Date('2026-11-23T03:30:00Z');
const credentials = { authKeyId: 'keyId-test', authKey: 'secret-abcdef123456' };

/** The spec's example body, from the published contract in ../shared/specs/soracom. */
const example = (name: string): unknown => specJson('soracom', `example.${name}.json`);

/**
 * The property names of a schema in Soracom's own definition (../shared/specs/official/soracom), read
 * from the text: the 1 MB file takes seconds to parse as YAML, and a schema's properties are the keys
 * indented 8 spaces under its 4-space name.
 */
function officialProperties(schema: string): string[] {
  const lines = specText('official/soracom', 'soracom-api.en.yaml').split('\n');
  const names: string[] = [];
  for (
    let i = lines.indexOf(`    ${schema}:`) + 1;
    i > 0 && i < lines.length && !/^ {0,4}\S/.test(lines[i]!);
    i++
  ) {
    const property = /^ {8}(\w+):$/.exec(lines[i]!);
    if (property) names.push(property[1]!);
  }
  return names.sort();
}

/** Keys and JSON types, recursively; an array is the set of its elements' shapes. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) {
    return [...new Set(value.map((item) => JSON.stringify(shape(item))))].map((text) => JSON.parse(text));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, shape(item)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

describe("the Soracom simulator's bodies match the spec's examples", () => {
  const sim = new SoracomSimulator({
    authKeys: { [credentials.authKeyId]: credentials.authKey },
    now: () => NOW,
    daily: { ...monthOfDays('202611', () => 100), ...monthOfDays('202610', () => 90) },
    monthly: { '202609': 3000 },
    exportJob: { processingPolls: 0, outcome: 'exported' },
  });
  let headers: Record<string, string>;

  beforeAll(async () => {
    await sim.start();
    const auth = (await call('POST', '/auth', {
      authKeyId: credentials.authKeyId,
      authKey: credentials.authKey,
    })) as { apiKey: string; token: string };
    headers = { 'X-Soracom-API-Key': auth.apiKey, 'X-Soracom-Token': auth.token };
  });
  afterAll(() => sim.stop());

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    return response.json();
  }

  it.each([
    ['auth.200.FROM-SCHEMA-EXAMPLES', 'POST', '/auth', credentials],
    ['bills.200', 'GET', '/bills'],
    ['bills_yyyyMM.200', 'GET', '/bills/202610'],
    ['bills_yyyyMM_daily.200', 'GET', '/bills/202611/daily'],
    ['bills_export.sync.200', 'POST', '/bills/202610/export?export_mode=sync'],
    ['bills_export.async.200', 'POST', '/bills/latest/export?export_mode=async'],
  ] as const)('%s', async (name, method, path, body?: unknown) => {
    expect(shape(await call(method, path, body))).toEqual(shape(example(name)));
  });

  // Bodies the definition gives no example of: the simulator sends every property it lists, no other.
  it('GET /bills/latest and the summaries have the properties of their official schemas', async () => {
    const keys = (value: unknown) => Object.keys(value as object).sort();
    expect(keys(await call('GET', '/bills/latest'))).toEqual(officialProperties('GetLatestBill'));
    sim.options.billItems = { '202611': [{ billItemCategory: 'Air', billItemName: 'Basic fee', amount: 1 }] };
    sim.options.simCosts = { '202611': [{ simId: '8981100000000000001', amount: 1 }] };
    const [items] = (await call('GET', '/bills/summaries/bill_items')) as { costBreakdownList: unknown[] }[];
    expect(keys(items)).toEqual(officialProperties('BillingSummaryResponseOfBillItems'));
    expect(keys(items!.costBreakdownList[0])).toEqual(officialProperties('BillItemCostBreakdown'));
    const [sims] = (await call('GET', '/bills/summaries/sims')) as { costBreakdownList: unknown[] }[];
    expect(keys(sims)).toEqual(officialProperties('BillingSummaryResponseOfSims'));
    expect(keys(sims!.costBreakdownList[0])).toEqual(officialProperties('SimCostBreakdown'));
  });

  it('files_exported.200', async () => {
    const { exportedFileId } = (await call('POST', '/bills/latest/export?export_mode=async')) as {
      exportedFileId: string;
    };
    const file = await call('GET', `/files/exported/${exportedFileId}`);
    expect(shape(file)).toEqual(shape(example('files_exported.200')));
  });

  it("the client's sign-in request has the keys of the AuthKey example", async () => {
    forgetSoracomSessions();
    const { source } = connectForTest('soracom', { baseUrl: sim.baseUrl }, credentials, fixedClock(NOW));
    await source.read({ period: monthlyPeriod(NOW, 'Asia/Tokyo'), needs: {} });
    const signIn = sim.calls('/v1/auth').at(-1);
    expect(shape(signIn?.body)).toEqual(shape(example('auth.request-authkey')));
  });
});
