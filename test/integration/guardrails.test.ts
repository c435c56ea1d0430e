/**
 * Guardrails end to end, as deployed: the scheduled check and the actionLink function (invoked with
 * Lambda's Function URL event) over one local AWS (fauxqs: S3, SNS, SQS), the Soracom simulator's SIMs
 * and the billing CSV pipeline that gives per-SIM daily figures. A runaway SIM's daily budget proposes
 * s1.minimum; the link's GET changes nothing; its POST slows the SIM once, however often it is posted;
 * Undo puts the speed class back; expired and altered links are refused, saying why; an automatic action
 * acts without a click; propose mode never calls a write API.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCsv, monthOfDays, SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { Alert } from '../../lib/alerts/alert.ts';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { readEnvironment } from '../../lib/aws/environment.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';
import { actionLink, actionLinkDependencies } from '../../lib/runtime/action-link.ts';
import { scheduledCheck, scheduledCheckDependencies } from '../../lib/runtime/check.ts';
import { csvIngestJob } from '../../lib/runtime/csv-ingest.ts';
import { soracomExportJob } from '../../lib/runtime/soracom-export.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { type LocalDeployment, startLocalDeployment } from '../support/local-deployment.ts';
import { dataUsageRow, soracomAccount } from '../support/soracom-check-world.ts';

const NOW = new Date('2026-11-23T03:30:00Z');
const FUNCTION_HOST = 'abcdefghijklmnop.lambda-url.us-east-1.on.aws';
const RUNAWAY = { simId: '8981100000000000001', imsi: '440103125380001' };
const RUNAWAY_B = { simId: '8981100000000000003', imsi: '440103125380003' };
const SIGNING_KEY = randomBytes(48).toString('base64');
const SECRETS = { KEY_ID: 'keyId-guard', KEY: 'secret-guard-authkey', ACTION_KEY: SIGNING_KEY };

const dataRow = (imsi: string, day: number, amount: number, fleet: string) =>
  dataUsageRow(imsi, day, amount, { 'tag:fleet': fleet });
// The runaway SIMs burn ¥2,400 on the 22nd; their neighbour ¥300 a day.
const ROWS = [
  dataRow(RUNAWAY.imsi, 21, 300, 'A'),
  dataRow(RUNAWAY.imsi, 22, 2400, 'A'),
  dataRow('440103125380002', 22, 300, 'A'),
  dataRow(RUNAWAY_B.imsi, 22, 2400, 'B'),
];

const dailyBudget = (name: string, fleet: string, approval: string) => `
  - name: ${name}
    account: fleet-jp
    each: resource
    window: day
    scope: { tags: { "tag:fleet": ${fleet} } }
    amount: 2000
    currency: JPY
    thresholds:
      - at: 100%
        severity: critical
        actions:
          - do: soracom.speedClass
            to: s1.minimum
            approval: ${approval}`;

const configYaml = (baseUrl: string, mode: 'act' | 'propose') => `accounts:
${soracomAccount(baseUrl)}
guardrails: { mode: ${mode} }
budgets:${dailyBudget('sim-daily', 'A', 'manual')}${dailyBudget('sim-daily-auto', 'B', 'auto')}
`;

type FunctionUrlResult = { statusCode: number; headers: Record<string, string>; body: string };

interface GuardrailWorld {
  aws: LocalDeployment;
  sim: SoracomSimulator;
  s3: S3Client;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** The Soracom simulator with two runaway SIMs, a local deployment with the config, the CSV ingested. */
async function startWorld(mode: 'act' | 'propose'): Promise<GuardrailWorld> {
  forgetSoracomSessions();
  const sim = new SoracomSimulator({
    authKeys: { [SECRETS.KEY_ID]: SECRETS.KEY },
    now: () => NOW,
    daily: monthOfDays('202611', (day) => (day <= 23 ? 400 : 0)),
    exportCsv: billingCsv(ROWS),
    sims: [
      { ...RUNAWAY, speedClass: 's1.fast', status: 'active', tags: { name: 'pump-7' } },
      { ...RUNAWAY_B, speedClass: 's1.standard', status: 'active', tags: { name: 'pump-9' } },
    ],
  });
  await sim.start();
  const aws = await startLocalDeployment(`spendwatch-guardrails-${mode}`, configYaml(sim.baseUrl, mode));
  const env: NodeJS.ProcessEnv = {
    ...aws.env,
    ...SECRETS,
    SPENDWATCH_ACTIONS_URL: `https://${FUNCTION_HOST}/`,
    SPENDWATCH_ACTION_KEY_REF: 'env:ACTION_KEY',
  };
  const s3 = s3ClientFromEnv(env);
  // The per-SIM daily figures come from the billing CSV: export it and ingest it, as the functions do.
  const jobs = {
    env: readEnvironment(env),
    s3,
    clock: fixedClock(NOW),
    logger: memoryLogger(),
    secrets: new SecretResolver([envBackend(SECRETS)]),
    config: async () => parseConfig(configYaml(sim.baseUrl, mode)),
    http: { sleep: () => Promise.resolve() },
  };
  const { exported } = await soracomExportJob(jobs)();
  await csvIngestJob(jobs)({
    Records: exported.map((key) => ({
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: env.SPENDWATCH_BUCKET }, object: { key } },
    })),
  });
  return {
    aws,
    sim,
    s3,
    env,
    async stop() {
      s3.destroy();
      await sim.stop();
      await aws.stop();
    },
  };
}

const runCheckAt = (env: NodeJS.ProcessEnv, at: Date = NOW) =>
  scheduledCheck({ ...scheduledCheckDependencies(env), clock: fixedClock(at) })({
    'detail-type': 'Scheduled Event',
  });

/** Every alert the topic delivered since the last call, in the JSON its subscribers get. */
async function inbox(aws: LocalDeployment): Promise<{ alert: Alert; email: string }[]> {
  const received: { alert: Alert; email: string }[] = [];
  for (;;) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.inboxUrl, MaxNumberOfMessages: 10 }),
    );
    if (!Messages?.length) return received;
    for (const message of Messages) {
      const structure = JSON.parse(JSON.parse(message.Body!).Message) as { sqs: string; email: string };
      received.push({ alert: JSON.parse(structure.sqs) as Alert, email: structure.email });
      await aws.sqs.send(
        new DeleteMessageCommand({ QueueUrl: aws.inboxUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

describe('guardrails through the real check and the real Function URL handler', () => {
  let world: GuardrailWorld;
  let sim: SoracomSimulator;
  let s3: S3Client;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    world = await startWorld('act');
    ({ sim, s3, env } = world);
  });
  afterAll(() => world.stop());

  const check = () => runCheckAt(env);
  const linkHandler = (at: Date = NOW) =>
    actionLink({ ...actionLinkDependencies(env), clock: fixedClock(at) });
  /** Lambda's Function URL event (payload 2.0) for a browser following `url`, or posting its form. */
  const urlEvent = (url: string, method: 'GET' | 'POST') => {
    const parsed = new URL(url);
    const fields = Object.fromEntries(parsed.searchParams);
    return {
      version: '2.0',
      rawPath: '/',
      rawQueryString: method === 'GET' ? parsed.search.slice(1) : '',
      headers: { host: FUNCTION_HOST, 'user-agent': 'Mozilla/5.0 (test)' },
      ...(method === 'GET'
        ? { queryStringParameters: fields }
        : {
            body: Buffer.from(new URLSearchParams(fields).toString()).toString('base64'),
            isBase64Encoded: true,
          }),
      requestContext: {
        domainName: FUNCTION_HOST,
        http: { method, path: '/', sourceIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)' },
      },
    };
  };
  const follow = async (url: string, method: 'GET' | 'POST', at?: Date) =>
    (await linkHandler(at)(urlEvent(url, method))) as FunctionUrlResult;

  const auditEvents = async () => {
    const { Contents } = await s3.send(
      new ListObjectsV2Command({ Bucket: env.SPENDWATCH_BUCKET, Prefix: 'spendwatch/audit/' }),
    );
    return (Contents ?? []).map((object) => object.Key!.replace(/^.*-(\w+(?:-failed)?)\.json$/, '$1'));
  };
  const speedWrites = () => sim.simWrites.filter((request) => request.path.endsWith('/update_speed_class'));

  let approveUrl: string;
  let undoUrl: string;

  it('proposes s1.minimum for the runaway SIM, with an Approve link, and acts at once where approval is auto', async () => {
    const summary = await check();
    expect(summary).toMatchObject({ publishFailures: [] });
    const delivered = await inbox(world.aws);
    const manual = delivered.find((d) => d.alert.budget === 'sim-daily' && d.alert.event === 'crossed');
    expect(manual?.alert.resource?.id).toBe(RUNAWAY.imsi);
    const [action] = manual!.alert.actions!;
    expect(action).toMatchObject({
      kind: 'soracom.speedClass',
      status: 'awaiting-approval',
      description: `slow SIM ${RUNAWAY.imsi} to s1.minimum`,
    });
    approveUrl = action!.approveUrl!;
    expect(approveUrl).toMatch(new RegExp(`^https://${FUNCTION_HOST}/\\?op=approve&t=`));
    expect(manual!.email).toContain(`Approve: ${approveUrl}`);
    // The manual SIM is untouched; the automatic one was slowed by the check, and that was announced.
    expect(sim.sim(RUNAWAY.simId)?.speedClass).toBe('s1.fast');
    expect(sim.sim(RUNAWAY_B.simId)?.speedClass).toBe('s1.minimum');
    const auto = delivered.find((d) => d.alert.budget === 'sim-daily-auto' && d.alert.event === 'crossed');
    expect(auto?.alert.actions?.[0]).toMatchObject({ status: 'executed', undoUrl: expect.any(String) });
    const notice = delivered.find((d) => d.alert.budget === 'sim-daily-auto' && d.alert.event === 'action');
    expect(notice?.alert.action).toMatchObject({
      outcome: 'executed',
      before: 'speed class s1.standard',
      after: 'speed class s1.minimum',
      by: 'the check (automatic approval)',
    });
    expect(await auditEvents()).toEqual(expect.arrayContaining(['proposed', 'executed']));
  });

  it('shows what the link will do on GET, and changes nothing', async () => {
    const writes = sim.simWrites.length;
    const page = await follow(approveUrl, 'GET');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain(`slow SIM ${RUNAWAY.imsi} to s1.minimum`);
    expect(page.body).toMatch(/<form method="post">/);
    // Twice, as a mail scanner and a chat unfurl would.
    await follow(approveUrl, 'GET');
    expect(sim.simWrites).toHaveLength(writes);
    expect(sim.sim(RUNAWAY.simId)?.speedClass).toBe('s1.fast');
  });

  it('slows the SIM once when the confirm is posted twice at once, and announces it with an Undo link', async () => {
    const before = speedWrites().length;
    const [first, second] = await Promise.all([follow(approveUrl, 'POST'), follow(approveUrl, 'POST')]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
    expect(speedWrites()).toHaveLength(before + 1);
    expect(sim.sim(RUNAWAY.simId)?.speedClass).toBe('s1.minimum');
    // Later, the same link does nothing more.
    const again = await follow(approveUrl, 'POST');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('carried out already');
    const notices = (await inbox(world.aws)).filter((d) => d.alert.event === 'action');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.alert.action).toMatchObject({
      outcome: 'executed',
      before: 'speed class s1.fast',
      after: 'speed class s1.minimum',
      by: expect.stringContaining('from 203.0.113.7'),
    });
    undoUrl = notices[0]!.alert.action!.undoUrl!;
    expect(notices[0]!.email).toContain(`Undo: ${undoUrl}`);
  });

  it('puts the speed class back with the Undo link, and audits who did what', async () => {
    expect((await follow(undoUrl, 'GET')).body).toContain('Puts back');
    expect(sim.sim(RUNAWAY.simId)?.speedClass).toBe('s1.minimum');
    const undone = await follow(undoUrl, 'POST');
    expect(undone.statusCode).toBe(200);
    expect(undone.body).toContain('Undone');
    expect(sim.sim(RUNAWAY.simId)?.speedClass).toBe('s1.fast');
    expect((await follow(undoUrl, 'POST')).statusCode).toBe(409);
    expect((await inbox(world.aws)).map((d) => d.alert.action?.outcome)).toEqual(['undone']);
    const { Contents } = await s3.send(
      new ListObjectsV2Command({
        Bucket: env.SPENDWATCH_BUCKET,
        Prefix: 'spendwatch/audit/2026-11-23/sim-daily/',
      }),
    );
    // One entry per step (the clock stands still here, so they share an instant).
    const entries = await Promise.all(
      (Contents ?? []).map(async (o) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: env.SPENDWATCH_BUCKET, Key: o.Key }));
        return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
      }),
    );
    expect(entries.map((e) => e.event).sort()).toEqual(['executed', 'proposed', 'undone']);
    const undo = entries.find((e) => e.event === 'undone')!;
    expect(undo).toMatchObject({
      at: NOW.toISOString(),
      kind: 'soracom.speedClass',
      target: { accountId: 'fleet-jp', resourceId: RUNAWAY.imsi },
      by: { via: 'link', tokenId: expect.any(String), sourceIp: '203.0.113.7' },
      before: { summary: 'speed class s1.minimum' },
      after: { summary: 'speed class s1.fast' },
    });
    expect(entries.find((e) => e.event === 'executed')).toMatchObject({
      before: { summary: 'speed class s1.fast' },
      after: { summary: 'speed class s1.minimum' },
    });
  });

  it('refuses an expired or altered link with a page that says why, acting on nothing', async () => {
    const writes = sim.simWrites.length;
    const later = new Date(NOW.getTime() + 25 * 3_600_000);
    const expired = await follow(approveUrl, 'POST', later);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toMatch(/This link expired at 2026-11-24T03:30:00.000Z/);
    const token = new URL(undoUrl).searchParams.get('t')!;
    const altered = new URL(undoUrl);
    altered.searchParams.set('t', `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`);
    const refused = await follow(altered.toString(), 'POST');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('altered');
    expect(sim.simWrites).toHaveLength(writes);
    // Neither page, nor any other, holds the signing key or the Soracom credentials.
    for (const page of [expired.body, refused.body]) {
      for (const secret of Object.values(SECRETS)) expect(page).not.toContain(secret);
    }
  });
});

describe('guardrails in propose mode', () => {
  let world: GuardrailWorld;

  beforeAll(async () => {
    world = await startWorld('propose');
  });
  afterAll(() => world.stop());

  it('names the actions it would take in the alerts and never calls a write API', async () => {
    const summary = await runCheckAt(world.env);
    expect(summary).toMatchObject({ publishFailures: [] });
    const crossings = (await inbox(world.aws)).filter((d) => d.alert.event === 'crossed');
    expect(crossings.map((d) => d.alert.budget).sort()).toEqual(['sim-daily', 'sim-daily-auto']);
    for (const { alert, email } of crossings) {
      expect(alert.actions?.[0]).toMatchObject({
        status: 'proposed-only',
        note: expect.stringContaining('mode is propose'),
      });
      expect(alert.actions?.[0]?.approveUrl).toBeUndefined();
      expect(email).toContain('proposed only');
    }
    expect(world.sim.simWrites).toEqual([]);
    expect(world.sim.sim(RUNAWAY_B.simId)?.speedClass).toBe('s1.standard');
  });
});
