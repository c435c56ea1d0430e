import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { billingCsv, monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { ProviderError } from '../../lib/http/index.ts';
import { redactor } from '../../lib/log/index.ts';
import {
  forgetSoracomSessions,
  SoracomExports,
  SoracomSource,
  soracom,
} from '../../lib/providers/soracom/index.ts';
import type { ConnectContext } from '../../lib/providers/types.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { accountForTest, contextForTest, providerErrorOf } from '../support/providers.ts';

const NOW = new Date('2026-11-23T03:30:00Z'); // 12:30 JST
const clock = fixedClock(NOW);
const credentials = { authKeyId: 'keyId-test', authKey: 'secret-abcdef123456' };
const CSV = billingCsv([
  {
    imsi: '440100000000001',
    date: '20261101',
    billItemName: 'Data usage fee',
    unitPrice: 0.0000002,
    quantity: 1048576,
    amount: 0.21,
    name: 'sensor, "north"',
    group: 'fleet',
  },
]);

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());
}

describe('Soracom Detailed Billing CSV exports', () => {
  let sim: SoracomSimulator;

  beforeEach(async () => {
    forgetSoracomSessions();
    sim = new SoracomSimulator({
      authKeys: { [credentials.authKeyId]: credentials.authKey },
      now: () => NOW,
      daily: monthOfDays('202611', () => 100),
      monthly: { '202610': 3000 },
      exportCsv: CSV,
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  const setup = (http: ConnectContext['http'] = {}) => {
    const account = accountForTest(soracom, { baseUrl: sim.baseUrl }, credentials);
    const context = contextForTest(credentials, clock, http);
    const { logger } = context;
    return {
      exports: new SoracomExports(account, context),
      source: new SoracomSource(account, context),
      logger,
    };
  };

  it('exports the current month synchronously and streams the CSV from the presigned URL', async () => {
    const { exports } = setup();
    const { url } = await exports.requestExport('latest', 'sync');
    expect(url.startsWith(`${sim.url}/_downloads/`)).toBe(true);
    expect(new URL(url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const [post] = sim.calls('/v1/bills/latest/export', 'POST');
    expect(post?.query.get('export_mode')).toBe('sync');

    const bytes = new Uint8Array(await new Response(await exports.downloadExport(url)).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
    expect(await text(new Response(bytes).body!)).toBe(CSV);
    expect(CSV.split('\r\n')[0]).toBe(
      '\uFEFFimsi,vpgId,loraGatewayId,loraDeviceId,sigfoxDeviceId,deviceId,gadgetId,soraCamDeviceId,date,billItemName,unitPrice,quantity,amount,name,group',
    );
    expect(CSV.split('\r\n')[1]).toBe(
      '440100000000001,,,,,,,,20261101,Data usage fee,0.0000002,1048576,0.21,"sensor, ""north""",fleet',
    );
    // A presigned link carries its own signature: no Soracom credentials go with it.
    const [download] = sim.calls(/^\/_downloads\//);
    expect(Object.keys(download?.headers ?? {}).filter((h) => h.startsWith('x-soracom'))).toEqual([]);
  });

  it('exports a finalised month, with content made for that month', async () => {
    const months: string[] = [];
    sim.options.exportCsv = (month) => {
      months.push(month);
      return billingCsv([{ date: month, billItemName: 'Free tier', amount: -30 }]);
    };
    const { exports } = setup();
    const { url } = await exports.requestExport('202610', 'sync');
    expect(await text(await exports.downloadExport(url))).toContain('202610,Free tier,,,-30');
    expect(months).toEqual(['202610']);
  });

  it('reports a month without a bill as not found, without the month in the endpoint', async () => {
    const { exports } = setup();
    const error = await providerErrorOf(exports.requestExport('202607', 'sync'));
    expect(error.kind).toBe('not-found');
    expect(error.status).toBe(404);
    expect(error.message).toContain('POST /bills/{yyyyMM}/export');
    expect(error.message).toContain('not finalised');
    expect(error.message).not.toContain('202607');
    await expect(exports.requestExport('2026-10', 'sync')).rejects.toThrow(RangeError);
  });

  it('shares the sign-in with the spend source and signs in again when the token expired', async () => {
    const { exports, source } = setup();
    await source.read({ period: monthlyPeriod(NOW, 'Asia/Tokyo'), needs: {} });
    await exports.requestExport('latest', 'sync');
    expect(sim.calls('/v1/auth')).toHaveLength(1);
    sim.expireTokens();
    await exports.requestExport('latest', 'async');
    expect(sim.calls('/v1/auth')).toHaveLength(2);
  });

  it('reads without an operatorId, which the sign-in may leave out; only asking for it fails', async () => {
    for (const shape of [{ omit: ['operatorId'] }, { nulls: ['operatorId'] }]) {
      forgetSoracomSessions();
      Object.assign(sim.options, { omit: [], nulls: [], ...shape });
      const { exports, source } = setup();
      const reading = await source.read({ period: monthlyPeriod(NOW, 'Asia/Tokyo'), needs: {} });
      expect(reading.status, JSON.stringify(shape)).toBe('ok');
      const error = await providerErrorOf(exports.operatorId());
      expect(error.kind).toBe('invalid-response');
      expect(error.endpoint).toBe('POST /auth');
      expect(error.message).toContain("Soracom's sign-in named no operatorId");
    }
  });

  it('exports asynchronously: polls while processing, then answers the URL', async () => {
    sim.options.exportJob = { processingPolls: 3, outcome: 'exported' };
    const { exports } = setup();
    const job = await exports.requestExport('latest', 'async');
    expect(job.exportedFileId).toMatch(/^fe_/);
    expect(job.exportedFilePath).toBe(`//files/exported/${job.exportedFileId}`);
    expect(sim.calls('/v1/bills/latest/export')[0]?.query.get('export_mode')).toBe('async');

    const { url } = await exports.waitForExport(job.exportedFileId, { pollIntervalMs: 5, timeoutMs: 5_000 });
    // Never served from the GET memo: every poll reached the API.
    expect(sim.calls(`/v1/files/exported/${job.exportedFileId}`)).toHaveLength(4);
    expect(await text(await exports.downloadExport(url))).toBe(CSV);
  });

  it('reports a failed export', async () => {
    sim.options.exportJob = { processingPolls: 1, outcome: 'failed' };
    const { exports } = setup();
    const job = await exports.requestExport('202610', 'async');
    const error = await providerErrorOf(exports.waitForExport(job.exportedFileId, { pollIntervalMs: 5 }));
    expect(error.kind).toBe('job-failed');
    expect(error.message).toContain('GET /files/exported/{exported_file_id}');
    expect(error.message).not.toContain(job.exportedFileId);
    expect(sim.calls(/^\/v1\/files\/exported\//)).toHaveLength(2);
  });

  it('gives up after the timeout, saying the export is still processing', async () => {
    sim.options.exportJob = { processingPolls: 1_000, outcome: 'exported' };
    const { exports } = setup();
    const job = await exports.requestExport('latest', 'async');
    const error = await providerErrorOf(
      exports.waitForExport(job.exportedFileId, { pollIntervalMs: 10, timeoutMs: 60 }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/still processing after 60 ms/);
    const polls = sim.calls(/^\/v1\/files\/exported\//).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThan(20);
  });

  it('waits out a 429 on the export request for as long as Soracom says, then exports', async () => {
    const waits: number[] = [];
    sim.inject('/v1/bills/latest/export', SoracomSimulator.rateLimited(2), 1, 'POST');
    const { exports } = setup({ sleep: async (ms) => void waits.push(ms) });
    const { url } = await exports.requestExport('latest', 'sync');
    expect(waits).toEqual([2_000]);
    expect(sim.calls('/v1/bills/latest/export', 'POST')).toHaveLength(2);
    expect(await text(await exports.downloadExport(url))).toBe(CSV);
  });

  it('streams the download: the first bytes arrive before the server has produced the rest', async () => {
    let release!: () => void;
    const rest = new Promise<void>((resolve) => {
      release = resolve;
    });
    sim.options.exportCsv = async function* () {
      yield '\uFEFFimsi,date,billItemName,amount\r\n';
      await rest;
      yield '440100000000001,20261101,Data usage fee,1.5\r\n';
    };
    const { exports } = setup();
    const { url } = await exports.requestExport('latest', 'sync');
    // A download that buffered the whole file would never resolve here (the rest waits on us).
    const reader = (await exports.downloadExport(url)).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('imsi,date');
    release();
    let tail = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      tail += new TextDecoder().decode(chunk.value);
    }
    expect(tail).toBe('440100000000001,20261101,Data usage fee,1.5\r\n');
  });

  it('reports a refused or failing download without the URL', async () => {
    const { exports } = setup();
    const { url } = await exports.requestExport('latest', 'sync');
    const forged = url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    const refused = await providerErrorOf(exports.downloadExport(forged));
    expect(refused).toMatchObject({ kind: 'auth', status: 403, endpoint: 'GET {presigned export URL}' });
    expect(refused.message).toContain('request a new export');

    sim.inject(/^\/_downloads\//, { kind: 'status', status: 500 });
    const failed = await providerErrorOf(exports.downloadExport(url));
    expect(failed).toMatchObject({ kind: 'http', status: 500 });
    for (const error of [refused, failed]) {
      expect(error.message).not.toContain(sim.url);
      expect(error.message).not.toContain('X-Amz-Signature');
    }
  });

  it('never lets a presigned URL into errors or log lines', async () => {
    const planted = `${sim.url}/_downloads/planted-file?X-Amz-Signature=plantedsignature0123456789`;
    const plantedParts = [planted, '/_downloads/planted-file', 'plantedsignature0123456789'];
    const { exports, logger } = setup();
    const errors: ProviderError[] = [];

    // A 429 before the URL comes back makes the client log a retry for this endpoint.
    sim.inject('/v1/bills/latest/export', SoracomSimulator.rateLimited(0.01), 1, 'POST');
    sim.inject('/v1/bills/latest/export', {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({ url: planted }),
    });
    expect(await exports.requestExport('latest', 'sync')).toEqual({ url: planted });
    expect(redactor.redact(`fetching ${planted}`)).toBe('fetching [REDACTED]');

    // A contract error on a body carrying the URL does not echo it.
    const job = await exports.requestExport('latest', 'async');
    sim.inject(`/v1/files/exported/${job.exportedFileId}`, {
      kind: 'raw',
      status: 200,
      text: JSON.stringify({ status: 'exported', url: [planted] }),
    });
    errors.push(await providerErrorOf(exports.waitForExport(job.exportedFileId, { pollIntervalMs: 5 })));

    // Refused, unreachable and unparsable links.
    sim.inject(/^\/_downloads\//, { kind: 'status', status: 403 });
    errors.push(await providerErrorOf(exports.downloadExport(planted)));
    await sim.stop();
    errors.push(await providerErrorOf(exports.downloadExport(planted)));
    errors.push(await providerErrorOf(exports.downloadExport(planted.replace('http://', 'http://['))));

    expect(errors.map((e) => e.kind)).toEqual(['invalid-response', 'auth', 'network', 'invalid-response']);
    const logged = logger.lines.join('\n');
    expect(logged).toContain('retrying');
    for (const part of plantedParts) {
      for (const error of errors) {
        expect(error.message).not.toContain(part);
        expect(JSON.stringify(error.toLogFields())).not.toContain(part);
      }
      expect(logged).not.toContain(part);
    }
  });
});
