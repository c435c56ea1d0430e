/**
 * A provider that echoes the credential back in its error bodies, as real ones do ("token Abc123de***
 * is not valid"), in every form a redactor could miss: cut short, only its tail, upper-cased,
 * base64-encoded, URL-encoded, inside an HTML error page. Through the real check, twice, so the
 * account's monitoring gap opens: no form of the secret may reach the log lines (the CLI's stderr),
 * the errors, the health records in the store, or any rendering of the gap alert (email, Slack, the
 * SNS message and subject).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../dev/simulators/kit.ts';
import { runCheck } from '../../lib/check/run-check.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { jsonLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { renderSlackMessage, renderSnsMessage, renderText } from '../../lib/notify/render/index.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { HealthTracker } from '../../lib/state/account-health.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import { MemoryObjectStore } from '../../lib/state/memory-store.ts';
import { type AccountRig, PROVIDER_NAMES, startAccount } from '../support/fault-world.ts';

const T0 = new Date('2026-11-25T03:00:00Z');
const T1 = new Date(T0.getTime() + 2 * 3_600_000);

/** Every way a provider might echo `secret`. */
function echoes(secret: string): string[] {
  return [
    `${secret.slice(0, 12)}***`,
    `…${secret.slice(-10)}`,
    secret.toUpperCase(),
    Buffer.from(secret).toString('base64'),
    encodeURIComponent(`${secret}/x`),
  ];
}

/** What would show that a form of `secret` got out: its beginnings and ends (any case), its base64. */
function traces(secret: string): string[] {
  const lower = secret.toLowerCase();
  return [
    lower.slice(0, 8),
    lower.slice(-8),
    Buffer.from(secret).toString('base64').slice(0, 12).toLowerCase(),
  ];
}

describe.each(PROVIDER_NAMES)('%s echoing its credential in error bodies', (provider) => {
  let rig: AccountRig;
  const lines: string[] = [];
  const texts: string[] = [];

  beforeAll(async () => {
    rig = await startAccount(provider, `echo-${provider}`, () => now);
    const secret = rig.secrets[0]!;
    const said = echoes(secret).join(' ');
    const faults: Fault[] = [
      { kind: 'status', status: 400, body: { code: 'BAD_TOKEN', message: `token ${said} is not valid` } },
      {
        kind: 'raw',
        status: 502,
        contentType: 'text/html',
        text: `<html><body><h1>Bad gateway</h1><p>upstream rejected ${said}</p></body></html>`,
      },
    ];
    const store = new MemoryObjectStore();
    const publisher = new MemoryPublisher();
    const config = parseConfig(
      `accounts:\n  - ${rig.account}\nbudgets:\n  - ${rig.budget('echo', '[{ at: 50% }]')}\nmonitoring: { gapAfterHours: 1 }\n`,
    );
    for (const [at, fault] of [
      [T0, faults[0]!],
      [T1, faults[1]!],
    ] as const) {
      now = at;
      rig.sim.inject(rig.primary, fault, 50);
      const report = await runCheck(config, {
        clock: { now: () => now },
        logger: jsonLogger({ write: (line) => lines.push(line) }),
        secrets: new SecretResolver([envBackend(rig.env)]),
        publisher,
        ledger: new AlertLedger(store),
        health: new HealthTracker(store),
        http: { timeoutMs: 3_000, retry: { maxAttempts: 1 } },
      });
      for (const outcome of report.accounts)
        if (outcome.status === 'error') texts.push(outcome.error.message, outcome.error.stack ?? '');
    }
    for (const key of await store.list('')) texts.push((await store.get(key))!.body);
    for (const alert of publisher.published) {
      const sns = renderSnsMessage(alert);
      texts.push(renderText(alert), JSON.stringify(renderSlackMessage(alert)), sns.message, sns.subject);
    }
  });
  afterAll(() => rig.stop());
  let now = T0;

  it('opens the gap and says what the provider said, without any form of the secret', () => {
    const gap = texts.filter((text) => text.includes('has not been able to read'));
    expect(gap.length, 'the gap alert was rendered').toBeGreaterThan(0);
    const everything = [...lines, ...texts].join('\n').toLowerCase();
    for (const trace of rig.secrets.flatMap(traces)) expect(everything).not.toContain(trace);
    // The HTML page is described, never quoted.
    expect(everything).not.toContain('<html');
  });
});
