/**
 * Issue 9 end to end, over real HTTP: the Soracom simulator's export endpoints → the export job
 * streams the CSV into S3 (local emulator) → an S3 ObjectCreated event → the ingest job writes the
 * summary → the check reads it and raises a per-SIM alert naming the IMSI, its tags and its share.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCsv, monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { readEnvironment } from '../../lib/aws/environment.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfigJson } from '../../lib/config/json.ts';
import { configAsJson } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { soracomCsvEnricher } from '../../lib/providers/soracom/billing-csv/breakdown.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { csvIngestJob } from '../../lib/runtime/csv-ingest.ts';
import { soracomExportJob } from '../../lib/runtime/soracom-export.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import { fixedClock } from '../../lib/time/clock.ts';

const NOW = fixedClock('2026-11-23T03:30:00Z');
const RUNAWAY = '440103125380001';
const BUCKET = 'spendwatch-csv';

const rows = [
  // The runaway SIM: ¥3,000 of data in three days; tags with a comma and quotes, as exports have them.
  ...['20261120', '20261121', '20261122'].map((date) => ({
    imsi: RUNAWAY,
    date,
    billItemName: 'Data usage fee (plan-D)',
    unitPrice: '0.2',
    quantity: '5000',
    amount: '1000',
    'tag:fleet': 'A',
    'tag:site': 'Osaka, "B" yard',
  })),
  {
    imsi: '440103125380002',
    date: '20261122',
    billItemName: 'Data usage fee (plan-D)',
    unitPrice: '0.2',
    quantity: '1500',
    amount: '300',
    'tag:fleet': 'A',
  },
  {
    imsi: '440103125380003',
    date: '202611',
    billItemName: 'Basic fee (plan-D)',
    unitPrice: '300',
    quantity: '1',
    amount: '300',
    'tag:fleet': 'B',
  },
];

describe('Soracom billing CSV: export → S3 → ingest → per-SIM alert', () => {
  let fauxqs: FauxqsServer;
  let sim: SoracomSimulator;
  let env: NodeJS.ProcessEnv;
  const saved = { ...process.env };

  beforeAll(async () => {
    forgetSoracomSessions();
    fauxqs = await startFauxqs({ port: 0, logger: false });
    sim = new SoracomSimulator({
      authKeys: { 'keyId-csv': 'secret-csv-authkey' },
      now: () => NOW.now(),
      daily: monthOfDays('202611', (day) => (day <= 23 ? 400 : 0)),
      exportCsv: billingCsv(rows),
      exportJob: { processingPolls: 2, outcome: 'exported' },
    });
    await sim.start();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    });
    env = {
      ...process.env,
      SPENDWATCH_S3_ENDPOINT: fauxqs.address,
      SPENDWATCH_BUCKET: BUCKET,
      SPENDWATCH_CONFIG: `s3://${BUCKET}/spendwatch.json`,
    };
    const s3 = s3ClientFromEnv(env);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const config = `accounts:
  - id: fleet-jp
    provider: soracom
    baseUrl: ${sim.baseUrl}
    credentials: { authKeyId: env:KEY_ID, authKey: env:KEY }
budgets:
  - name: any-sim
    description: No SIM should cost more than ¥1,000 a month
    account: fleet-jp
    each: resource
    amount: 1000
    currency: JPY
    thresholds: [{ at: 100%, severity: critical }]
  - name: fleet-a
    account: fleet-jp
    scope: { tags: { "tag:fleet": A } }
    amount: 5000
    currency: JPY
    thresholds: [{ at: 50% }]
`;
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'spendwatch.json', Body: configAsJson(config).json }),
    );
  });
  afterAll(async () => {
    process.env = saved;
    await sim.stop();
    await fauxqs.stop();
  });

  it('alerts on the runaway SIM with its IMSI, tags and share of the bill', async () => {
    const s3 = s3ClientFromEnv(env);
    const secrets = new SecretResolver([envBackend({ KEY_ID: 'keyId-csv', KEY: 'secret-csv-authkey' })]);
    const logger = memoryLogger();
    const settings = readEnvironment(env);

    // Soracom's export polls wait seconds between calls; the test keeps the count, not the wait.
    const http = { sleep: () => Promise.resolve() };
    const { exported } = await soracomExportJob({ env: settings, s3, clock: NOW, logger, secrets, http })();
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatch(
      /^spendwatch\/exports\/soracom\/fleet-jp\/202611\/OP0012345678-20261123T033000Z\.csv$/,
    );
    expect(sim.calls(/\/files\/exported\//)).toHaveLength(3); // two "processing" polls, then "exported"

    const event = {
      Records: [
        {
          eventName: 'ObjectCreated:CompleteMultipartUpload',
          s3: {
            bucket: { name: BUCKET },
            object: { key: encodeURIComponent(exported[0]!).replaceAll('%2F', '/') },
          },
        },
      ],
    };
    const ingest = csvIngestJob({ env: settings, s3, clock: NOW, logger, secrets });
    expect(await ingest(event)).toEqual({ summarised: exported, chargeback: [] });
    // What serverless.yml routes to the function: the bucket's EventBridge notification (key as is).
    const viaEventBridge = {
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: {
        version: '0',
        bucket: { name: BUCKET },
        object: { key: exported[0], size: 1 },
        reason: 'CompleteMultipartUpload',
      },
    };
    expect(await ingest(viaEventBridge)).toEqual({ summarised: exported, chargeback: [] });
    await expect(ingest({ Records: [] })).rejects.toThrow(
      /^unexpected event: expected S3 ObjectCreated records or an EventBridge "Object Created" event/,
    );
    const latest = await s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: 'spendwatch/summaries/soracom/fleet-jp/202611/latest.json',
      }),
    );
    const summary = JSON.parse(await latest.Body!.transformToString()) as {
      totals: { amount: string };
      subscribers: unknown[];
      malformed: { count: number };
    };
    expect(summary).toMatchObject({ totals: { amount: '3600' }, malformed: { count: 0 } });
    expect(summary.subscribers).toHaveLength(3);
    // No budget of the account has a daily window: no per-SIM days are kept (a 100k-SIM fleet has 3M).
    for (const sim of summary.subscribers) expect(Object.keys(sim as object)).not.toContain('days');

    const config = parseConfigJson(
      await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'spendwatch.json' }))
      ).Body!.transformToString(),
      'spendwatch.json',
    );
    const publisher = new MemoryPublisher();
    const store = new S3ObjectStore({ client: s3, bucket: BUCKET, prefix: 'spendwatch/' });
    await runCheck(config, { clock: NOW, logger, secrets, publisher, enrich: soracomCsvEnricher(store) });
    const [runaway, ...others] = publisher.published.filter((a) => a.budget === 'any-sim');
    expect(others).toEqual([]);
    expect(runaway).toMatchObject({
      spent: '3000',
      percent: '300.0',
      thresholdId: `actual-100pct.${RUNAWAY}`,
    });
    // ¥3,000 of a ¥9,200 bill (23 days × ¥400 from /bills/latest).
    expect(runaway!.headline).toBe(
      `any-sim: ${RUNAWAY} (tag:fleet=A, tag:site=Osaka, "B" yard) spent ¥3,000 this period, over the 100% per-resource budget of ¥1,000; 32.6% of the whole bill`,
    );
    expect(runaway!.details).toContain(`${RUNAWAY} is 32.6% of the whole bill (¥9,200)`);
    expect(runaway!.contributors[0]).toMatchObject({
      name: RUNAWAY,
      tags: { 'tag:fleet': 'A', 'tag:site': 'Osaka, "B" yard' },
    });
    // The tag group: fleet A is ¥3,300 of its ¥5,000.
    expect(publisher.published.find((a) => a.budget === 'fleet-a')).toMatchObject({
      spent: '3300',
      thresholdId: 'actual-50pct',
    });
    // The presigned download URL reached no log line.
    expect(logger.lines.join('\n')).not.toMatch(/X-Amz-Signature=(?!\[REDACTED\])/);
  });
});
