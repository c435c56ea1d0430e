import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { ProviderError } from '../../lib/http/index.ts';
import { forgetSoracomSessions, SORACOM_BASE_URLS, soracom } from '../../lib/providers/soracom/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { connectForTest } from '../support/providers.ts';

const NOW = new Date('2026-11-23T03:30:00Z'); // 12:30 JST
const clock = fixedClock(NOW);
const credentials = { authKeyId: 'keyId-test', authKey: 'secret-abcdef123456' };

describe('Soracom client against the loopback simulator', () => {
  let sim: SoracomSimulator;

  beforeEach(async () => {
    forgetSoracomSessions();
    sim = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      daily: monthOfDays('202611', (day) => 100 + day * 0.5),
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const connect = () =>
    connectForTest('soracom', { coverage: 'jp', baseUrl: sim.baseUrl }, credentials, clock);
  const request = { period: monthlyPeriod(NOW, 'Asia/Tokyo'), needs: { daily: true } };

  it('signs in with the AuthKey, reads the latest bill and the daily series', async () => {
    const { source } = connect();
    const reading = await source.read(request);
    expect(reading.status).toBe('ok');
    if (reading.status !== 'ok') return;
    const { snapshot } = reading;
    // 23 days of (100 + 0.5 d): 2300 + 0.5 * 276 = 2438
    expect(snapshot.BilledCost?.toString()).toBe('2438 JPY');
    expect(snapshot.BillingPeriodStart.toISOString()).toBe('2026-10-31T15:00:00.000Z');
    expect(snapshot.BillingPeriodEnd.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(snapshot.asOf.toISOString()).toBe('2026-11-23T03:00:00.000Z');
    expect(snapshot.daily).toHaveLength(23);
    expect(snapshot.daily?.[0]).toMatchObject({ date: '2026-11-01' });
    expect(snapshot.daily?.[22]?.BilledCost.toString()).toBe('111.5 JPY');
    const auth = sim.calls('/v1/auth');
    expect(auth).toHaveLength(1);
    expect(auth[0]?.body).toEqual(credentials);
  });

  it('reuses the token across reads and signs in again once when it is rejected', async () => {
    const { source } = connect();
    await source.read(request);
    await connect().source.read(request);
    expect(sim.calls('/v1/auth')).toHaveLength(1);
    sim.expireTokens();
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(sim.calls('/v1/auth')).toHaveLength(2);
  });

  it('reports wrong credentials as an auth error without the secret', async () => {
    const { source } = connectForTest(
      'soracom',
      { baseUrl: sim.baseUrl },
      { ...credentials, authKey: 'secret-wrong-999' },
      clock,
    );
    const error = await source.read(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('auth');
    expect((error as ProviderError).message).toContain('POST /auth');
    expect((error as ProviderError).message).not.toContain('secret-wrong-999');
  });

  it('waits for the rate-limit window Soracom announces, then succeeds', async () => {
    sim.inject('/v1/bills/latest', SoracomSimulator.rateLimited(1));
    const started = Date.now();
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.calls('/v1/bills/latest')).toHaveLength(2);
  });

  it('retries 5xx then succeeds', async () => {
    sim.inject('/v1/bills/latest', { kind: 'status', status: 503 }, 2);
    const reading = await connect().source.read(request);
    expect(reading.status).toBe('ok');
    expect(sim.calls('/v1/bills/latest')).toHaveLength(3);
  });

  it('names the field when the body breaks the contract', async () => {
    sim.inject('/v1/bills/latest', {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({ amount: '12,3', currency: 'JPY', lastEvaluatedTime: '20261123120000' }),
    });
    const error = (await connect()
      .source.read(request)
      .catch((e: unknown) => e)) as ProviderError;
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/field "amount".*expected number.*"12,3"/);
  });

  it('serves Global coverage in USD with UTC months', async () => {
    const global = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      currency: 'USD',
      timeZone: 'UTC',
      daily: { '20261101': 1.25, '20261122': 2.5 },
    });
    await global.start();
    try {
      const { source } = connectForTest(
        'soracom',
        { coverage: 'global', baseUrl: global.baseUrl },
        credentials,
        clock,
      );
      const reading = await source.read({ period: monthlyPeriod(NOW, 'UTC'), needs: {} });
      expect(reading.status === 'ok' && reading.snapshot.BilledCost?.toString()).toBe('3.75 USD');
      expect(reading.status === 'ok' && reading.snapshot.BillingPeriodStart.toISOString()).toBe(
        '2026-11-01T00:00:00.000Z',
      );
    } finally {
      await global.stop();
    }
  });

  it('defaults each coverage to its own endpoint and billing time zone', () => {
    expect(SORACOM_BASE_URLS).toEqual({
      jp: 'https://api.soracom.io/v1',
      global: 'https://g.api.soracom.io/v1',
    });
    expect(
      soracom.defaultTimeZone?.(
        soracom.account.parse({
          provider: 'soracom',
          coverage: 'jp',
          credentials: { authKeyId: 'env:A', authKey: 'env:B' },
        }),
      ),
    ).toBe('Asia/Tokyo');
    expect(
      soracom.defaultTimeZone?.(
        soracom.account.parse({
          provider: 'soracom',
          coverage: 'global',
          credentials: { authKeyId: 'env:A', authKey: 'env:B' },
        }),
      ),
    ).toBe('UTC');
  });
});
