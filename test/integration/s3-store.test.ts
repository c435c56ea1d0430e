/**
 * S3ObjectStore and the alert ledger against a real S3 that honours conditional writes (radosgw in CI:
 * `eval "$(scripts/radosgw.sh start)"`). Without SPENDWATCH_S3_ENDPOINT these tests are skipped, so unit
 * runs need no Ceph; .ci/run sets it.
 */
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../lib/actions/audit.ts';
import { Guardrails } from '../../lib/actions/guardrails.ts';
import { ActionBook } from '../../lib/actions/records.ts';
import { DEFAULT_GUARDRAILS } from '../../lib/actions/spec.ts';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { silentLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { AlertLedger, type Claim } from '../../lib/state/ledger.ts';
import { S3ObjectStore } from '../../lib/state/s3-store.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { sampleAlert } from '../support/alerts.ts';
import { StateChild } from '../support/child-process.ts';
import { MemoryActuator } from '../support/memory-actuator.ts';
import { describeObjectStoreContract } from '../support/object-store-contract.ts';

const endpoint = process.env.SPENDWATCH_S3_ENDPOINT;
if (!endpoint) {
  console.warn(
    'SKIPPED test/integration/s3-store.test.ts: SPENDWATCH_S3_ENDPOINT is not set. ' +
      'Start a local S3 with conditional writes: eval "$(scripts/radosgw.sh start)"',
  );
}

const bucket = process.env.SPENDWATCH_S3_TEST_BUCKET ?? 'spendwatch-test';
/** Every run and every store gets its own prefix, so runs never see each other's objects. */
const runPrefix = `test-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
let stores = 0;
const freshPrefix = () => `${runPrefix}/store-${++stores}`;

async function statusOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return `${error.$metadata.httpStatusCode} ${error.name}`;
  }
}

// Skipped, with the reason printed above, when no S3 endpoint is configured.
describe.skipIf(!endpoint)(`S3 at ${endpoint}`, () => {
  const client = s3ClientFromEnv();

  beforeAll(async () => {
    const created = await statusOf(client.send(new CreateBucketCommand({ Bucket: bucket })));
    expect(['ok', '409 BucketAlreadyOwnedByYou', '409 BucketAlreadyExists']).toContain(created);
  });

  describeObjectStoreContract(
    'S3ObjectStore',
    () => new S3ObjectStore({ client, bucket, prefix: freshPrefix() }),
  );

  it('is a server that refuses a second If-None-Match create with 412, and the store reports it as lost', async () => {
    const prefix = freshPrefix();
    const store = new S3ObjectStore({ client, bucket, prefix });
    expect(await store.createIfAbsent('k.json', 'first')).toBe(true);
    const raw = client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/k.json`, Body: 'raw', IfNoneMatch: '*' }),
    );
    expect(await statusOf(raw)).toBe('412 PreconditionFailed');
    expect(await store.createIfAbsent('k.json', 'second')).toBe(false);
    expect((await store.get('k.json'))?.body).toBe('first');
  });

  it('is a server that refuses an If-Match on a stale ETag with 412, and the store reports it as lost', async () => {
    const prefix = freshPrefix();
    const store = new S3ObjectStore({ client, bucket, prefix });
    await store.createIfAbsent('k.json', 'one');
    const stale = (await store.get('k.json'))!.version;
    expect(await store.replaceIfVersion('k.json', 'two', stale)).toBe(true);
    for (const ifMatch of [stale, stale.replaceAll('"', '')]) {
      const raw = client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/k.json`, Body: 'raw', IfMatch: ifMatch }),
      );
      expect(await statusOf(raw), ifMatch).toBe('412 PreconditionFailed');
    }
    expect(await store.replaceIfVersion('k.json', 'three', stale)).toBe(false);
    expect((await store.get('k.json'))?.body).toBe('two');
  });

  it('lists past the first page of ListObjectsV2', async () => {
    const store = new S3ObjectStore({ client, bucket, prefix: freshPrefix(), pageSize: 2 });
    const keys = ['a.json', 'b.json', 'c.json', 'd.json', 'e.json'];
    await Promise.all(keys.map((key) => store.put(key, key)));
    expect(await store.list('')).toEqual(keys);
  });

  it('fails loudly, not as a lost race, when the bucket does not exist', async () => {
    const store = new S3ObjectStore({ client, bucket: `missing-${randomUUID()}` });
    await expect(store.createIfAbsent('k.json', 'x')).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(store.get('k.json')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  describe('alert ledger over S3', () => {
    const T0 = new Date('2026-11-23T03:30:00Z');
    const LEASE = 5 * 60_000;
    const alert = sampleAlert({ budget: 'cdn', thresholdId: 'actual-80pct' });

    it('grants exactly one of concurrent claims on the same crossing (separate clients)', async () => {
      const prefix = freshPrefix();
      const claims = await Promise.all(
        Array.from({ length: 6 }, () =>
          new AlertLedger(new S3ObjectStore({ client: s3ClientFromEnv(), bucket, prefix })).claim(
            alert,
            T0,
            LEASE,
          ),
        ),
      );
      expect(claims.filter((claim) => claim.outcome === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim.outcome === 'in-flight')).toHaveLength(5);
    });

    it('after a run is killed between claim and markSent, the next run past the lease delivers exactly once more', async () => {
      const prefix = freshPrefix();
      const delivered: string[] = [];
      const crashing = await StateChild.start({ kind: 's3', bucket, prefix });
      try {
        crashing.send({ claim: { alert, now: T0.toISOString(), leaseMs: LEASE } });
        const first = await crashing.answer<{ claim: Claim; delivered: string | null }>();
        expect(first.claim.outcome).toBe('claimed');
        delivered.push(first.delivered!);
      } finally {
        await crashing.kill();
      }

      const ledger = new AlertLedger(new S3ObjectStore({ client, bucket, prefix }));
      const run = async (now: Date) => {
        const claim = await ledger.claim(alert, now, LEASE);
        if (claim.outcome !== 'claimed') return claim.outcome;
        delivered.push(alert.dedupKey);
        expect(await ledger.markSent(claim, now)).toBe(true);
        return `${claim.outcome} (${claim.via}, attempt ${claim.attempts})`;
      };
      expect(await run(new Date(T0.getTime() + 60_000))).toBe('in-flight');
      expect(await run(new Date(T0.getTime() + LEASE + 1))).toBe('claimed (lease-expired, attempt 2)');
      expect(await run(new Date(T0.getTime() + LEASE + 60_000))).toBe('already-sent');
      expect(delivered).toEqual([alert.dedupKey, alert.dedupKey]);
      expect((await ledger.lastSent('cdn', '2026-11'))?.dedupKey).toBe(alert.dedupKey);
    });
  });

  it('carries a guardrail action out once when eight approvals race on its record', async () => {
    const store = new S3ObjectStore({ client, bucket, prefix: freshPrefix() });
    const actuator = new MemoryActuator().add('440103125380001');
    const guardrails = new Guardrails({
      book: new ActionBook(store),
      audit: new AuditLog(store),
      clock: fixedClock('2026-11-23T03:30:00Z'),
      logger: silentLogger,
      settings: { ...DEFAULT_GUARDRAILS, mode: 'act' },
      actuator: async () => actuator,
      notices: new MemoryPublisher(),
    });
    const alert = sampleAlert({
      budget: 'sim-daily',
      thresholdId: 'actual-100pct.440103125380001',
      resource: { id: '440103125380001' },
      accounts: ['fleet-jp'],
      actions: [
        { kind: 'soracom.speedClass', approval: 'manual', params: { to: 'minimum' }, status: 'planned' },
      ],
    });
    const [proposed] = (await guardrails.prepare(alert, { executed: 0 })).actions!;
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => guardrails.approve(proposed!.id!, { via: 'cli', user: `op-${i}` })),
    );
    expect(outcomes.filter((o) => o.result === 'executed')).toHaveLength(1);
    expect(actuator.calls.apply).toBe(1);
    expect(actuator.settingOf('440103125380001')).toBe('minimum');
  });
});
