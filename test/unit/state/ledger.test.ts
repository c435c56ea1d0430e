import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CountingStore } from '../../../dev/counting-store.ts';
import { FsObjectStore } from '../../../lib/state/fs-store.ts';
import { ABANDONED_RETRY_MS, AlertLedger, type Claim, DEFAULT_LEASE_MS } from '../../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../../lib/state/memory-store.ts';
import type { ObjectStore } from '../../../lib/state/store.ts';
import { sampleAlert } from '../../support/alerts.ts';

const scratch = await mkdtemp(path.join(tmpdir(), 'spendwatch-ledger-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
let dirs = 0;

const T0 = new Date('2026-11-23T03:30:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = DEFAULT_LEASE_MS;
const alert = sampleAlert({ budget: 'cdn', thresholdId: 'actual-80pct' });

function claimed(claim: Claim): Extract<Claim, { outcome: 'claimed' }> {
  if (claim.outcome !== 'claimed') throw new Error(`expected a claim, got ${claim.outcome}`);
  return claim;
}

describe.each([
  ['MemoryObjectStore', () => new MemoryObjectStore()],
  ['FsObjectStore', () => new FsObjectStore(path.join(scratch, `ledger-${++dirs}`))],
] as const)('AlertLedger over %s', (_name, openStore: () => ObjectStore) => {
  let store: ObjectStore;
  let ledger: AlertLedger;
  beforeEach(() => {
    store = openStore();
    ledger = new AlertLedger(store, { prefix: 'prod' });
  });

  it('claims a new crossing once; after markSent every later claim is already-sent', async () => {
    const claim = claimed(await ledger.claim(alert, T0, LEASE));
    expect(claim).toMatchObject({
      key: 'prod/state/cdn/2026-11/actual-80pct.json',
      via: 'created',
      attempts: 1,
    });
    expect(await ledger.markSent(claim, later(1_000))).toBe(true);

    const again = await ledger.claim(alert, later(LEASE * 10), LEASE);
    expect(again.outcome).toBe('already-sent');
    if (again.outcome !== 'already-sent') return;
    expect(again.record).toMatchObject({
      status: 'sent',
      dedupKey: 'cdn:2026-11:actual-80pct',
      attempts: 1,
      sentAt: '2026-11-23T03:30:01.000Z',
      alert: { budget: 'cdn', spent: '8123.45' },
    });
  });

  it('reports a pending claim within its lease as in flight and leaves it alone', async () => {
    const claim = claimed(await ledger.claim(alert, T0, LEASE));
    const other = await ledger.claim(alert, later(LEASE - 1), LEASE);
    expect(other).toMatchObject({ outcome: 'in-flight', record: { status: 'pending', attempts: 1 } });
    expect(await ledger.markSent(claim, later(LEASE - 1))).toBe(true);
  });

  it('reclaims a crossing whose run died before markSent once the lease is over, with the same dedupKey', async () => {
    const crashed = claimed(await ledger.claim(alert, T0, LEASE));
    const retry = claimed(await ledger.claim({ ...alert, spent: '8200' }, later(LEASE), LEASE));
    expect(retry).toMatchObject({ via: 'lease-expired', attempts: 2 });
    const entry = await ledger.record(retry.key);
    expect(entry).toMatchObject({
      valid: true,
      record: { dedupKey: alert.dedupKey, alert: { spent: '8200' } },
    });
    // The crashed run, had it woken up, can no longer mark it: the retry owns it now.
    expect(await ledger.markSent(crashed, later(LEASE + 1))).toBe(false);
    expect(await ledger.markSent(retry, later(LEASE + 1))).toBe(true);
    expect((await ledger.claim(alert, later(LEASE * 3), LEASE)).outcome).toBe('already-sent');
  });

  it('after releaseForRetry the next run claims it at once', async () => {
    const failed = claimed(await ledger.claim(alert, T0, LEASE));
    expect(await ledger.releaseForRetry(failed, later(2_000))).toBe(true);
    const retry = claimed(await ledger.claim(alert, later(2_000), LEASE));
    expect(retry).toMatchObject({ via: 'lease-expired', attempts: 2 });
    expect(await ledger.releaseForRetry(failed, later(3_000))).toBe(false);
  });

  it('lets exactly one of several concurrent claims on the same crossing win', async () => {
    const claims = await Promise.all(Array.from({ length: 6 }, () => ledger.claim(alert, T0, LEASE)));
    expect(claims.filter((claim) => claim.outcome === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim.outcome === 'in-flight')).toHaveLength(5);
  });

  it('re-delivers rather than loses an alert whose record is corrupt', async () => {
    const key = ledger.keyFor(alert);
    for (const body of ['{"version": 1, "status": "se', JSON.stringify({ version: 1, status: 'sent' })]) {
      await store.put(key, body);
      expect(await ledger.record(key)).toMatchObject({ valid: false });
      const claim = claimed(await ledger.claim(alert, T0, LEASE));
      expect(claim).toMatchObject({ via: 'corrupt-record', attempts: 1 });
      expect(await ledger.record(key)).toMatchObject({ valid: true, record: { status: 'pending' } });
    }
  });

  it('names what is wrong with a corrupt record', async () => {
    await store.put(ledger.keyFor(alert), JSON.stringify({ version: 1, status: 'done' }));
    const entry = await ledger.record(ledger.keyFor(alert));
    expect(entry?.valid).toBe(false);
    if (entry?.valid !== false) return;
    expect(entry.problem).toContain('status');
    expect(await ledger.record('prod/state/cdn/2026-11/none.json')).toBeUndefined();
  });

  it('finds the most recent sent alert of a budget in a period', async () => {
    expect(await ledger.lastSent('cdn', '2026-11')).toBeUndefined();
    const send = async (fields: Parameters<typeof sampleAlert>[0], at: Date) => {
      const claim = claimed(await ledger.claim(sampleAlert(fields), at, LEASE));
      await ledger.markSent(claim, at);
    };
    await send({ budget: 'cdn', thresholdId: 'forecast-100pct' }, later(5_000));
    await send({ budget: 'cdn', thresholdId: 'actual-50pct' }, later(1_000));
    await send({ budget: 'cdn', thresholdId: 'actual-90pct', periodKey: '2026-10' }, later(9_000));
    await send({ budget: 'cdn-eu', thresholdId: 'actual-90pct' }, later(9_000));
    await ledger.claim(sampleAlert({ budget: 'cdn', thresholdId: 'actual-80pct' }), later(8_000), LEASE);
    await store.put('prod/state/cdn/2026-11/broken.json', 'not json');

    expect((await ledger.lastSent('cdn', '2026-11'))?.thresholdId).toBe('forecast-100pct');
    expect((await ledger.lastSent('cdn', '2026-10'))?.thresholdId).toBe('actual-90pct');
    expect(await ledger.lastSent('cdn', '2026-12')).toBeUndefined();
  });

  it('finds the claims left pending past their lease, in scope and young enough, not the sent or in-flight ones', async () => {
    const claimAt = async (fields: Parameters<typeof sampleAlert>[0], at: Date) =>
      claimed(await ledger.claim(sampleAlert(fields), at, LEASE));
    const longAgo = new Date(T0.getTime() - ABANDONED_RETRY_MS - 1);
    await claimAt({ budget: 'cdn', thresholdId: 'actual-50pct', periodKey: '2026-09' }, longAgo); // too old
    await claimAt({ budget: 'cdn', thresholdId: 'actual-50pct', periodKey: '2026-10' }, T0); // died
    await ledger.releaseForRetry(await claimAt({ budget: 'cdn', thresholdId: 'actual-80pct' }, T0), T0);
    await ledger.markSent(await claimAt({ budget: 'cdn', thresholdId: 'actual-90pct' }, T0), T0);
    await claimAt({ budget: 'cdn', thresholdId: 'actual-100pct' }, later(LEASE)); // still in flight
    await claimAt({ budget: 'cdn-eu', thresholdId: 'actual-50pct' }, T0);
    await store.put('prod/state/cdn/2026-11/broken.json', 'not json');

    const ids = (alerts: { periodKey: string; thresholdId: string }[]) =>
      alerts.map((a) => `${a.periodKey}/${a.thresholdId}`);
    const cdn = (a: { budget: string }) => a.budget === 'cdn';
    const first = await ledger.abandoned(later(LEASE + 1), cdn);
    expect(ids(first.retry)).toEqual(['2026-10/actual-50pct', '2026-11/actual-80pct']);
    expect(ids(first.givenUp)).toEqual(['2026-09/actual-50pct']);
    // Given up once is forgotten; the in-flight claim's lease runs out too.
    expect(ids((await ledger.abandoned(later(2 * LEASE), cdn)).retry)).toEqual([
      '2026-10/actual-50pct',
      '2026-11/actual-100pct',
      '2026-11/actual-80pct',
    ]);
    expect(ids((await ledger.abandoned(later(2 * LEASE), () => true)).retry)).toContain(
      '2026-11/actual-50pct',
    );
    expect((await ledger.abandoned(T0, cdn)).retry).toEqual([
      expect.objectContaining({ thresholdId: 'actual-80pct' }), // released: due at once
    ]);
  });

  it('marks each claim open until it is sent, and one list of the marks finds the abandoned ones', async () => {
    const counting = new CountingStore(new MemoryObjectStore());
    const counted = new AlertLedger(counting, { prefix: 'prod' });
    const sent = claimed(
      await counted.claim(sampleAlert({ budget: 'cdn', thresholdId: 'actual-80pct' }), T0, LEASE),
    );
    claimed(await counted.claim(sampleAlert({ budget: 'cdn', thresholdId: 'actual-100pct' }), T0, LEASE));
    expect(await counting.list('prod/open/')).toEqual([
      'prod/open/cdn/2026-11/actual-100pct.json',
      'prod/open/cdn/2026-11/actual-80pct.json',
    ]);
    await counted.markSent(sent, T0);
    expect(await counting.list('prod/open/')).toEqual(['prod/open/cdn/2026-11/actual-100pct.json']);

    // A mark whose claim never came (its run died in between) is removed by the next look.
    await counting.put('prod/open/cdn/2026-11/forecast-100pct.json', '');
    counting.reset();
    const found = await counted.abandoned(later(LEASE + 1), () => true);
    expect(ids(found.retry)).toEqual(['actual-100pct']);
    // One list, one read per open mark, one delete of the stale one: nothing per budget or per period.
    expect(counting.counts).toEqual({ list: 1, get: 2, put: 0, delete: 1 });
    expect(await counting.list('prod/open/')).toEqual(['prod/open/cdn/2026-11/actual-100pct.json']);

    function ids(alerts: { thresholdId: string }[]) {
      return alerts.map((a) => a.thresholdId);
    }
  });

  it('refuses budget, period or threshold names that are not slugs', async () => {
    await expect(ledger.claim({ ...alert, budget: '..' }, T0, LEASE)).rejects.toThrow(/budget "\.\."/);
    await expect(ledger.claim({ ...alert, thresholdId: 'a/b' }, T0, LEASE)).rejects.toThrow(RangeError);
    await expect(ledger.lastSent('cdn', '../x')).rejects.toThrow(RangeError);
  });
});

describe('AlertLedger keys', () => {
  it('puts records at state/{budget}/{periodKey}/{thresholdId}.json under the prefix', () => {
    const store = new MemoryObjectStore();
    expect(new AlertLedger(store).keyFor(alert)).toBe('state/cdn/2026-11/actual-80pct.json');
    expect(new AlertLedger(store, { prefix: 'a/b/' }).keyFor(alert)).toBe(
      'a/b/state/cdn/2026-11/actual-80pct.json',
    );
    expect(() => new AlertLedger(store, { prefix: '../up' })).toThrow(RangeError);
  });
});
