import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARDRAILS } from '../../../lib/actions/spec.ts';
import { type DeliveryContext, deliver } from '../../../lib/check/deliver.ts';
import type { CheckReport } from '../../../lib/check/types.ts';
import { silentLogger } from '../../../lib/log/index.ts';
import { type AlertPublisher, MemoryPublisher } from '../../../lib/notify/publisher.ts';
import { SecretResolver } from '../../../lib/secrets/index.ts';
import { AlertLedger } from '../../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../../lib/state/memory-store.ts';
import { sampleAlert } from '../../support/alerts.ts';

const T0 = new Date('2026-11-23T03:30:00Z');
const details = ['Period 2026-11-01 to 2026-11-30 (UTC)'];
const at80 = sampleAlert({ budget: 'cdn', thresholdId: 'actual-80pct', details });
const at100 = sampleAlert({ budget: 'cdn', thresholdId: 'actual-100pct', threshold: '100%', details });
const refusing: AlertPublisher = {
  publish: async () => {
    throw new Error('SNS refused');
  },
};

function delivery(ledger: AlertLedger, publisher: AlertPublisher, now: Date, url: string): DeliveryContext {
  const report: CheckReport = {
    at: now,
    accounts: [],
    budgets: [],
    delivered: [],
    suppressed: [],
    failed: [],
  };
  return {
    deps: {
      clock: { now: () => now },
      logger: silentLogger,
      secrets: new SecretResolver([]),
      publisher,
      ledger,
    },
    options: { reportLink: { url, validForHours: 6 } },
    report,
    now,
    guardrails: DEFAULT_GUARDRAILS,
    guardrailRun: { executed: 0 },
  };
}

describe('deliver', () => {
  it('publishes a copy with the run’s report link and the last alert; the ledger keeps the alert as built', async () => {
    const ledger = new AlertLedger(new MemoryObjectStore());
    const built = structuredClone([at80, at100]);

    const first = delivery(ledger, new MemoryPublisher(), T0, 'https://r/1');
    await deliver(first, at80);
    expect(first.report.delivered).toEqual([
      { ...at80, details: [...details, 'Burn-up report (link valid 6 h): https://r/1'] },
    ]);

    // The publish fails: reported with this run's extras, left in the ledger for the next run.
    const second = delivery(ledger, refusing, new Date(T0.getTime() + 60_000), 'https://r/2');
    await deliver(second, at100);
    expect(second.report.failed.map((f) => f.alert)).toEqual([
      {
        ...at100,
        sinceLast: { threshold: '80%', spent: at80.spent, at: at80.detectedAt },
        details: [...details, 'Burn-up report (link valid 6 h): https://r/2'],
      },
    ]);
    expect([at80, at100]).toEqual(built);
    for (const alert of [at80, at100]) {
      const entry = await ledger.record(ledger.keyFor(alert));
      expect(entry?.valid && entry.record.alert).toEqual(alert);
    }

    // Retried from its record (as retryAbandoned does), it carries only the retrying run's link.
    const publisher = new MemoryPublisher();
    const third = delivery(ledger, publisher, new Date(T0.getTime() + 10 * 60_000), 'https://r/3');
    const { retry: abandoned } = await ledger.abandoned(third.now, (a) => a.budget === 'cdn');
    expect(abandoned).toEqual([at100]);
    await deliver(third, abandoned[0]!);
    expect(publisher.published).toEqual([
      {
        ...at100,
        sinceLast: { threshold: '80%', spent: at80.spent, at: at80.detectedAt },
        details: [...details, 'Burn-up report (link valid 6 h): https://r/3'],
      },
    ]);
    expect(third.report.delivered).toEqual(publisher.published);
  });
});
