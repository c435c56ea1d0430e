import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/alerts/alert.ts';
import { alertSchema } from '../../../lib/notify/alert-schema.ts';
import {
  AlertTooLargeError,
  asciiSafe,
  escapeMrkdwn,
  renderSlackDigest,
  renderSlackMessage,
  renderSnsMessage,
  renderSubject,
  renderText,
  SLACK_LIMITS,
  SUBJECT_MAX_LENGTH,
} from '../../../lib/notify/render/index.ts';
import { everyKind, jpyCritical, usdWarning } from '../../support/alert-fixtures.ts';
import { blockKitProblems } from '../../support/block-kit.ts';

const kinds = Object.entries(everyKind);
const contributors = (count: number, name = (i: number) => `resource-${i}`) =>
  Array.from({ length: count }, (_, i) => ({
    kind: 'resource' as const,
    name: name(i),
    cost: '100',
    share: '1.0',
  }));

describe('subject', () => {
  it('says severity, budget, how far and which account', () => {
    expect(renderSubject(jpyCritical)).toBe(
      '[critical] soracom-fleet: 104.2% of JPY 30,000 (actual) - soracom-jp',
    );
    expect(renderSubject(usdWarning)).toBe(
      '[warning] fastly-cdn: forecast to reach 117.1% of USD 20,000.00 - fastly-prod',
    );
  });

  it.each(kinds)('is printable ASCII under 100 characters for %s', (_kind, alert) => {
    expect(renderSubject(alert)).toMatch(/^\[(info|warning|critical)\] [\x20-\x7e]+$/);
    expect(renderSubject(alert).length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
  });

  it('shortens accounts, then the budget name, never the figures', () => {
    const accounts = Array.from({ length: 30 }, (_, i) => `account-${i}`);
    expect(renderSubject({ ...jpyCritical, accounts })).toBe(
      '[critical] soracom-fleet: 104.2% of JPY 30,000 (actual) - account-0 +29',
    );
    const long = renderSubject({ ...jpyCritical, budget: 'b'.repeat(300), accounts });
    expect(long.length).toBe(SUBJECT_MAX_LENGTH);
    expect(long).toMatch(/^\[critical\] b+\.\.\.: 104\.2% of JPY 30,000 \(actual\)$/);
  });

  it('transliterates or drops non-ASCII and flattens line breaks', () => {
    expect(asciiSafe('café — ¥ fleet 東京')).toBe('cafe - JPY fleet');
    expect(asciiSafe('ＡＢＣ naïve Straße “q” …')).toBe('ABC naive Strasse "q" ...');
    expect(renderSubject({ ...jpyCritical, budget: '東京' })).toMatch(/^\[critical\] budget: /);
    const injected = renderSubject({
      ...jpyCritical,
      budget: 'fleet\r\nBcc: x@example.com\u0007',
      accounts: ['a\nb'],
    });
    expect(injected).toBe('[critical] fleet Bcc: x@example.com: 104.2% of JPY 30,000 (actual) - a b');
  });
});

describe('email text', () => {
  const jpy = renderText(jpyCritical, { timeZone: 'Asia/Tokyo' });
  const usd = renderText(usdWarning);

  it('has real line breaks, never a literal \\n, also after the SNS JSON round trip', () => {
    expect(jpy.split('\n').length).toBeGreaterThan(20);
    expect(jpy).not.toContain('\\n');
    const { message } = renderSnsMessage(jpyCritical, { timeZone: 'Asia/Tokyo' });
    expect((JSON.parse(message) as { email: string }).email).toBe(jpy);
  });

  it('formats amounts per currency: JPY without decimals, USD with two', () => {
    expect(jpy).toContain('Spent       ¥31,260 (104.2% of budget)');
    expect(jpy).not.toMatch(/¥[\d,]+\.\d/);
    expect(usd).toContain('Spent       $14,532.18 (72.7% of budget)');
    expect(usd).toContain('Budget      $20,000.00');
  });

  it('speaks of usage, in its unit, for usage budgets', () => {
    const usage = renderText(everyKind.usage!);
    expect(usage).toContain(
      'Actual usage (1,250,000 api-calls) reached the 100% threshold (1,000,000 api-calls).',
    );
    expect(usage).toContain('Used        1,250,000 api-calls (125.0% of budget)');
    expect(usage).toMatch(/^ {2}Item +Used {2}Share$/m);
    expect(renderSubject(everyKind.usage!)).toBe(
      '[critical] api-calls: 125.0% of 1,000,000 api-calls (actual) - killbill-main',
    );
  });

  it('says what crossed, how much, when, and what changed', () => {
    expect(jpy).toContain('Threshold   100% of budget = ¥30,000 (actual spend)');
    expect(jpy).toContain('Forecast    ¥40,512 (135.0% of budget) at period end');
    expect(jpy).toContain('method: linear (daily mean)');
    expect(jpy).toContain('inputs: 22 days, mean ¥1,421/day');
    expect(jpy).toContain('Period      2026-11 (2026-10-31T15:00:00Z to 2026-11-30T15:00:00Z)');
    expect(jpy).toContain('As of       2026-11-23T03:00:00Z (Mon, Nov 23, 2026, 12:00 GMT+9)');
    expect(jpy).toContain('Change      +¥7,160 since');
    expect(jpy).toContain('dedupKey: soracom-fleet/2026-11/actual-100pct');
    expect(usd).toContain('As of       2026-11-23T00:00:00Z (Mon, Nov 23, 2026, 00:00 UTC)');
  });

  it('aligns the contributors table', () => {
    const table = usd.split('Top contributors')[1]!.split('\n\n')[0]!.split('\n').slice(1);
    expect(table).toHaveLength(4);
    expect(new Set(table.map((line) => line.length)).size).toBe(1);
    expect(table[1]).toMatch(/^ {2}www\.example\.com \[team=web\] +\$9,120\.40 +62\.8%$/);
  });

  it('lists at most 15 contributors and says how many more there are', () => {
    const text = renderText({ ...jpyCritical, contributors: contributors(40) });
    expect(text).toContain('resource-14');
    expect(text).not.toContain('resource-15');
    expect(text).toContain('... and 25 more');
  });

  it('keeps provider text on its own line (no forged lines)', () => {
    const text = renderText({
      ...jpyCritical,
      contributors: [{ kind: 'service', name: 'x\nSeverity    info', cost: '1', share: '1' }],
      details: ['ok\r\nDetected    never'],
    });
    expect(text).not.toMatch(/^\s*Severity {4}info/m);
    expect(text).not.toMatch(/^\s*Detected {4}never/m);
  });

  it.each(kinds)('reads sensibly for %s', (_kind, alert) => {
    const text = renderText(alert);
    expect(text.startsWith(`${alert.severity.toUpperCase()}: ${alert.headline}\n`)).toBe(true);
    const monitoring = alert.event === 'gap' || alert.event === 'recovered' || alert.event === 'broken';
    expect(text.includes('\nHow much\n')).toBe(!monitoring);
    expect(text.includes('\nWhat happened\n')).toBe(monitoring);
    expect(text).not.toContain('undefined');
    expect(text).not.toContain('NaN');
  });
});

describe('SNS message', () => {
  it('has every protocol key with a string value, default included', () => {
    const { message, attributes } = renderSnsMessage(usdWarning);
    const structure = JSON.parse(message) as Record<string, unknown>;
    expect(Object.keys(structure)).toEqual(['default', 'email', 'lambda', 'sqs', 'https']);
    for (const value of Object.values(structure)) expect(typeof value).toBe('string');
    expect(alertSchema.parse(JSON.parse(structure.lambda as string))).toEqual(usdWarning);
    expect(attributes.severity).toEqual({ DataType: 'String', StringValue: 'warning' });
  });

  it('leaves out attributes SNS would reject as empty', () => {
    const { attributes } = renderSnsMessage({ ...usdWarning, account: '', accounts: [] });
    expect(attributes.account).toBeUndefined();
    expect(Object.keys(attributes)).toHaveLength(6);
  });

  it('refuses an alert that cannot fit even without contributors', () => {
    const huge = { ...usdWarning, details: ['x'.repeat(100_000)] };
    expect(() => renderSnsMessage(huge)).toThrow(AlertTooLargeError);
  });

  it.each(kinds)('carries a valid alert JSON for %s', (_kind, alert) => {
    const structure = JSON.parse(renderSnsMessage(alert).message) as { sqs: string };
    expect(alertSchema.parse(JSON.parse(structure.sqs))).toEqual(JSON.parse(JSON.stringify(alert)));
  });
});

describe('Slack Block Kit', () => {
  it.each(kinds)('is valid Block Kit for %s', (_kind, alert) => {
    expect(blockKitProblems(renderSlackMessage(alert))).toEqual([]);
  });

  it('limits the header to 150 characters and keeps long content within block limits', () => {
    const alert: Alert = {
      ...jpyCritical,
      budget: `<${'x'.repeat(400)}>`,
      headline: '&'.repeat(5000),
      details: Array.from({ length: 200 }, () => 'detail & <more>'),
      contributors: contributors(200, (i) => `<${'n'.repeat(100)}-${i}>`),
    };
    const message = renderSlackMessage(alert);
    expect(blockKitProblems(message)).toEqual([]);
    const header = message.blocks[0] as { text: { text: string } };
    expect(Array.from(header.text.text)).toHaveLength(SLACK_LIMITS.headerText);
    expect(JSON.stringify(message)).toContain('more, listed in the JSON alert');
  });

  it('escapes mrkdwn control characters', () => {
    expect(escapeMrkdwn('<!channel> & <@U1> <https://x|y>')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;',
    );
  });

  it('digests several alerts, most severe first', () => {
    const digest = renderSlackDigest([usdWarning, everyKind.recovered!, jpyCritical]);
    expect(blockKitProblems(digest)).toEqual([]);
    expect(digest.blocks).toHaveLength(7);
    const sections = digest.blocks.filter((b) => b.type === 'section') as { text: { text: string } }[];
    expect(sections.map((s) => s.text.text.split('*')[1])).toEqual([
      'soracom-fleet',
      'fastly-cdn',
      'monitoring',
    ]);
    expect(digest.text.split('\n')[0]).toBe('spendwatch: 3 alerts (1 critical, 1 warning, 1 info)');
  });

  it('summarises what does not fit in 50 blocks', () => {
    const alerts = Array.from({ length: 60 }, (_, i) => ({ ...usdWarning, budget: `budget-${i}` }));
    const digest = renderSlackDigest(alerts);
    expect(blockKitProblems(digest)).toEqual([]);
    expect(digest.blocks).toHaveLength(SLACK_LIMITS.blocks);
    const last = digest.blocks.at(-1) as { type: string; elements: { text: string }[] };
    expect(last.type).toBe('context');
    expect(last.elements[0]!.text).toMatch(/^…and 36 more alerts not shown .*budget-24 \(warning\)/);
  });
});

describe('snapshots a person on call reads', () => {
  it('JPY critical email', async () => {
    await expect(renderText(jpyCritical, { timeZone: 'Asia/Tokyo' })).toMatchFileSnapshot(
      '../../golden/alert-jpy-critical.email.txt',
    );
  });
  it('USD warning email', async () => {
    await expect(renderText(usdWarning)).toMatchFileSnapshot('../../golden/alert-usd-warning.email.txt');
  });
  it('JPY critical Slack message', async () => {
    await expect(`${JSON.stringify(renderSlackMessage(jpyCritical), null, 2)}\n`).toMatchFileSnapshot(
      '../../golden/alert-jpy-critical.slack.json',
    );
  });
  it('USD warning Slack message', async () => {
    await expect(`${JSON.stringify(renderSlackMessage(usdWarning), null, 2)}\n`).toMatchFileSnapshot(
      '../../golden/alert-usd-warning.slack.json',
    );
  });
  it('subjects of every kind', async () => {
    const subjects = kinds.map(([kind, alert]) => `${kind.padEnd(17)} ${renderSubject(alert)}`).join('\n');
    await expect(`${subjects}\n`).toMatchFileSnapshot('../../golden/alert-subjects.txt');
  });
});
