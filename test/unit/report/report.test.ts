import { describe, expect, it } from 'vitest';
import { colourWanted } from '../../../cli/colour.ts';
import { progressLine } from '../../../cli/progress.ts';
import { renderStatus } from '../../../cli/status.ts';
import { displayWidth, withoutColour } from '../../../cli/terminal-text.ts';
import { evaluateBudget } from '../../../lib/budgets/evaluate.ts';
import type { BudgetStatus } from '../../../lib/budgets/status.ts';
import type { BudgetOutcome, CheckReport } from '../../../lib/check/types.ts';
import type { Config } from '../../../lib/config/config.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { currencyCode, Money } from '../../../lib/money/index.ts';
import { niceTicks } from '../../../lib/report/chart.ts';
import { renderReportHtml } from '../../../lib/report/html.ts';
import { budgetState, formatAge, nextThreshold, summaryRow } from '../../../lib/report/summary.ts';
import type { SpendLine } from '../../../lib/spend/index.ts';
import { monthlyPeriod } from '../../../lib/time/period.ts';
import { japanAccountSpend } from '../../support/account-spend.ts';

const NOW = new Date('2026-11-23T03:00:00Z'); // 12:00 JST
const PERIOD = monthlyPeriod(NOW, 'Asia/Tokyo');
const ESC = '\u001b[';

const CONFIG: Config = parseConfig(`
version: 1
accounts:
  - id: jp
    provider: soracom
    coverage: jp
    credentials: { authKeyId: env:A, authKey: env:B }
  - id: global
    provider: soracom
    coverage: global
    credentials: { authKeyId: env:C, authKey: env:D }
budgets:
  - name: fleet
    description: SIM fleet <b>Japan</b>
    account: jp
    amount: 30000
    currency: JPY
    thresholds:
      - at: 50%
        severity: info
      - at: 80%
      - at: 100%
      - at: 100%
        basis: forecast
      - at: 20%
        basis: pace
    anomaly: { sensitivity: 5, minAmount: 1000 }
  - name: strict
    account: jp
    amount: 30000
    currency: JPY
    thresholds:
      - at: 50%
        severity: critical
      - at: 150%
        basis: forecast
      - at: 50%
        basis: pace
  - name: per-sim
    account: jp
    each: resource
    amount: 1000
    currency: JPY
    thresholds: [{ at: 100%, severity: critical }]
  - name: per-sim-day
    account: jp
    each: resource
    window: day
    amount: 300
    currency: JPY
    thresholds: [{ at: 100%, severity: critical }]
  - name: overseas
    account: global
    amount: 150
    currency: USD
    thresholds:
      - at: 80%
`);

function budget(name: string) {
  return CONFIG.budgets.find((b) => b.name === name)!;
}

/** A JPY account on the JST month: `days` full days at these amounts, plus `today` so far. */
function evaluate(
  name: string,
  {
    days = [] as number[],
    today = 0,
    asOf = NOW,
    daily = true,
    lines = [] as SpendLine[],
    total,
  }: {
    days?: number[];
    today?: number;
    asOf?: Date;
    daily?: boolean;
    lines?: SpendLine[];
    total?: string;
  } = {},
): BudgetStatus {
  const series = [...days, today].map((amount, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    BilledCost: Money.of(amount, 'JPY'),
  }));
  const spent = total
    ? Money.of(total, 'JPY')
    : Money.sum(
        series.map((d) => d.BilledCost),
        'JPY',
      );
  return evaluateBudget(
    budget(name),
    [
      japanAccountSpend({
        BillingPeriodStart: PERIOD.start,
        BillingPeriodEnd: PERIOD.end,
        asOf,
        BillingCurrency: currencyCode('JPY'),
        BilledCost: spent,
        lines,
        ...(daily && { daily: series }),
      }),
    ],
    CONFIG.rates,
    NOW,
  );
}

const evaluated = (evaluation: BudgetStatus): BudgetOutcome => ({
  budget: evaluation.budget.name,
  status: 'evaluated',
  evaluation,
});

function reportOf(budgets: BudgetOutcome[], accounts: CheckReport['accounts'] = []): CheckReport {
  return { at: NOW, accounts, budgets, delivered: [], suppressed: [], failed: [] };
}

const days = (n: number, amount: number) => Array.from({ length: n }, () => amount);

describe('budget state', () => {
  it('ok when nothing is crossed', () => {
    const status = evaluate('fleet', { days: days(22, 500), today: 200 });
    expect(status.crossings).toEqual([]);
    expect(budgetState(status)).toBe('ok');
  });

  it('warning for a crossed threshold below 100% that is not critical', () => {
    const status = evaluate('fleet', { days: days(22, 700) });
    expect(status.crossings.map((c) => c.id)).toEqual(['actual-50pct']);
    expect(budgetState(status)).toBe('warning');
  });

  it('warning for a forecast, pace or anomaly crossing alone', () => {
    // 12 quiet days then a runaway day: nothing actual crossed, the anomaly is.
    const status = evaluate('fleet', { days: [...days(12, 300), 6000, ...days(9, 300)] });
    expect(status.crossings.map((c) => c.basis)).toEqual(['anomaly']);
    expect(budgetState(status)).toBe('warning');
    // A sustained change (four days and more: the run rate is the median of the last seven days).
    const forecast = evaluate('fleet', { days: [...days(18, 300), 2500, 2500, 2500, 2500] });
    expect(forecast.crossings.some((c) => c.basis === 'forecast')).toBe(true);
    expect(forecast.crossings.some((c) => c.basis === 'actual' && c.id !== 'actual-50pct')).toBe(false);
    expect(budgetState(forecast)).toBe('warning');
  });

  it('alarm for an actual crossing at 100% of any severity, or a critical one lower down', () => {
    const over = evaluate('fleet', { days: days(22, 1400) });
    expect(over.crossings.find((c) => c.id === 'actual-100pct')?.severity).toBe('warning');
    expect(budgetState(over)).toBe('alarm');
    expect(budgetState(evaluate('strict', { days: days(22, 700) }))).toBe('alarm');
  });

  it('stale when the provider figure is older than staleAfterHours, unless already an alarm', () => {
    const old = new Date(NOW.getTime() - 30 * 3_600_000);
    expect(budgetState(evaluate('fleet', { days: days(22, 700), asOf: old }))).toBe('stale');
    expect(budgetState(evaluate('fleet', { days: days(22, 1400), asOf: old }))).toBe('alarm');
  });

  it('gap for a budget whose account could not be read, broken for one that could not be evaluated', () => {
    const skipped = { budget: 'fleet', status: 'skipped', reason: 'x', definition: budget('fleet') } as const;
    expect(summaryRow(skipped, NOW).state).toBe('gap');
    const failed = {
      budget: 'fleet',
      status: 'error',
      error: new Error('y'),
      definition: budget('fleet'),
    } as const;
    expect(summaryRow(failed, NOW)).toMatchObject({ state: 'broken', note: 'y' });
  });
});

describe('summary row', () => {
  it('formats amounts per currency (JPY without decimals), pace with its sign, the next threshold', () => {
    const row = summaryRow(evaluated(evaluate('fleet', { days: days(22, 700), today: 221 })), NOW);
    expect(row).toMatchObject({
      budget: 'fleet',
      accounts: 'jp',
      spent: '¥15,621',
      amount: '¥30,000',
      percent: '52.1%',
      forecast: '¥20,871',
      pace: '-30.6%',
      next: '80% (¥24,000)',
      asOf: 'just now',
      state: 'warning',
    });
  });

  it('names a forecast or pace threshold as such once every spend threshold is crossed', () => {
    expect(nextThreshold(evaluate('strict', { days: days(22, 700) }))).toBe('150% (¥45,000) forecast');
    // A late surge: the run-rate forecast is over 150%, spend is not yet 50% ahead of a straight line.
    const surge = evaluate('strict', { days: [...days(15, 0), ...days(7, 4300)] });
    expect(surge.crossings.map((c) => c.id)).toEqual(['actual-50pct', 'forecast-150pct']);
    expect(nextThreshold(surge)).toBe('pace +50%');
    expect(nextThreshold(evaluate('fleet', { days: days(22, 1400) }))).toBe('—');
  });

  it('a gap row keeps what the budget watches and says why it has no figure', () => {
    const row = summaryRow(
      {
        budget: 'fleet',
        status: 'skipped',
        reason: 'account "jp" data pending: month not closed',
        definition: budget('fleet'),
      },
      NOW,
    );
    expect(row).toMatchObject({ accounts: 'jp', spent: '—', amount: '¥30,000', state: 'gap' });
    expect(row.note).toBe('account "jp" data pending: month not closed');
  });

  it.each([
    [0, 'just now'],
    [59_000, 'just now'],
    [60_000, '1 min ago'],
    [59 * 60_000, '59 min ago'],
    [3 * 3_600_000 + 5 * 60_000, '3 h ago'],
    [47 * 3_600_000, '47 h ago'],
    [50 * 3_600_000, '2 d ago'],
  ])('age of a figure %i ms old: %s', (ms, text) => {
    expect(formatAge(new Date(NOW.getTime() - ms), NOW)).toBe(text);
  });
});

describe('status table', () => {
  const report = reportOf(
    [
      evaluated(evaluate('fleet', { days: days(22, 700) })),
      {
        budget: 'overseas',
        status: 'skipped',
        reason: 'account "global" could not be read',
        definition: budget('overseas'),
      },
    ],
    [
      {
        account: CONFIG.accounts[1]!,
        status: 'error',
        error: new Error('secret env:C: environment variable C is not set; export it before running'),
      },
    ],
  );

  it('is plain text without colour: aligned columns, then why a budget is a gap', () => {
    const text = renderStatus(report, { colour: false, timeZone: 'Asia/Tokyo' });
    expect(text).not.toContain(ESC);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('BUDGET'))!;
    const fleet = lines.find((l) => l.startsWith('fleet'))!;
    const overseas = lines.find((l) => l.startsWith('overseas'))!;
    // Right-aligned amounts end under their header.
    expect(fleet.indexOf('¥15,400') + '¥15,400'.length).toBe(header.indexOf('SPENT') + 'SPENT'.length);
    expect(overseas).toMatch(/^overseas\s+global\s+—\s+\$150\.00\s.*gap$/);
    expect(text).toContain('gap overseas: account "global" could not be read');
    expect(text).toContain('account global (soracom): secret env:C: environment variable C is not set');
  });

  it('lists each part a partial reading lacks under the table and in the page', () => {
    const fleet = evaluate('fleet', { days: days(22, 700) });
    const spend = {
      ...fleet.accounts[0]!.spend,
      missing: [
        {
          part: 'breakdown' as const,
          endpoint: 'GET /bills/summaries/bill_items',
          reason: 'HTTP 403: the SAM user may not call it',
        },
      ],
    };
    const partial = reportOf([evaluated(fleet)], [{ account: CONFIG.accounts[0]!, status: 'ok', spend }]);
    const problem =
      'partial reading: no breakdown (GET /bills/summaries/bill_items: HTTP 403: the SAM user may not call it); contributors may be missing';
    expect(renderStatus(partial, { colour: false, timeZone: 'UTC' })).toContain(
      `account ${CONFIG.accounts[0]!.id} (soracom): ${problem}`,
    );
    expect(renderReportHtml(partial, { timeZone: 'UTC' })).toContain(problem);
  });

  it('fits any terminal width: no line wider, the columns a glance needs least left out first, and says so', () => {
    const full = renderStatus(report, { colour: false, timeZone: 'UTC' });
    const fullWidth = Math.max(...full.split('\n').map((l) => displayWidth(l)));
    expect(full).not.toContain('Fitted to');
    for (let width = 40; width <= fullWidth + 10; width += 5) {
      const text = renderStatus(report, { colour: true, timeZone: 'UTC', width });
      const lines = text.split('\n');
      for (const line of lines) expect(displayWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
      const header = lines.find((l) => l.includes('SPENT'))!;
      for (const title of ['BUDGET', 'SPENT', '%', 'STATE']) expect(header).toContain(title);
      const plain = lines.map(withoutColour);
      expect(
        plain.filter((l) => /^(fleet|overseas) /.test(l)),
        `${width}`,
      ).toHaveLength(2);
    }
    const narrow = renderStatus(report, { colour: false, timeZone: 'UTC', width: 40 });
    expect(narrow).toMatch(/^BUDGET +SPENT +% +STATE$/m);
    expect(narrow.replace(/\s+/g, ' ')).toContain(
      'Fitted to 40 columns (full table: 98): without ACCOUNTS, BUDGET (amount), FORECAST, PACE, NEXT THRESHOLD, DATA AS OF; --wide for all.',
    );
    // The gap's reason wraps under its budget instead of running off the screen.
    expect(narrow).toContain('gap overseas: account "global" could not\n  be read');
    expect(renderStatus(report, { colour: false, timeZone: 'UTC', width: fullWidth })).toBe(full);
  });

  it('cuts budget names with an ellipsis only when even the four essential columns do not fit', () => {
    const fleet = evaluate('fleet', { days: days(22, 700) });
    const named = { ...fleet, budget: { ...fleet.budget, name: 'a-very-long-budget-name-for-the-fleet' } };
    const long = reportOf([evaluated(named)]);
    const text = renderStatus(long, { colour: false, timeZone: 'UTC', width: 36 });
    expect(text).toMatch(/^a-very-l\S*… +¥15,400 +51\.3% +warning$/m);
    expect(text).toMatch(/budget names\s+cut/);
    expect(text).not.toContain('rounded'); // no usage budget here: nothing was rounded
  });

  it('colours the state when asked', () => {
    const text = renderStatus(report, { colour: true, timeZone: 'UTC' });
    expect(text).toContain(`${ESC}33mwarning${ESC}39m`);
    expect(text).toContain(`${ESC}36mgap${ESC}39m`);
  });
});

describe('HTML report', () => {
  const contributors: SpendLine[] = [
    {
      ResourceId: '440101234567890',
      ResourceName: '<img src=x onerror=alert(1)>',
      BilledCost: Money.of(9000, 'JPY'),
      Tags: { site: 'osaka' },
    },
    { ResourceId: '440109876543210', BilledCost: Money.of(3000, 'JPY') },
  ];
  const withDaily = evaluate('fleet', {
    days: [...days(19, 600), 4800, 600, 600],
    today: 300,
    lines: contributors,
  });
  const withoutDaily = evaluate('fleet', { total: '14000', daily: false });
  const html = renderReportHtml(
    reportOf([
      evaluated(withDaily),
      {
        budget: 'overseas',
        status: 'skipped',
        reason: 'account "global" could not be read',
        definition: budget('overseas'),
      },
    ]),
    { timeZone: 'Asia/Tokyo' },
  );

  const chartOf = (page: string, name: string) => {
    const start = page.indexOf(`<svg class="chart" data-budget="${name}"`);
    expect(start).toBeGreaterThanOrEqual(0);
    return page.slice(start, page.indexOf('</svg>', start));
  };
  const count = (text: string, needle: string) => text.split(needle).length - 1;

  it('charts one point per day with a tooltip, every threshold, the forecast, the anomaly and today', () => {
    const chart = chartOf(html, 'fleet');
    expect(count(chart, 'data-kind="actual-point"')).toBe(23);
    expect(chart).toContain('<title>Nov 20: ¥4,800 that day, ¥16,200 to date</title>');
    for (const threshold of budget('fleet').thresholds)
      expect(chart).toMatch(new RegExp(`data-kind="threshold" data-threshold="[^"]*\\b${threshold.id}\\b`));
    // 100% actual and 100% forecast share one line, labelled with both as written and their basis.
    expect(chart).toContain('100% actual · 100% forecast — ¥30,000');
    expect(chart).toContain('50% actual (crossed) — ¥15,000');
    expect(chart).toContain('pace +20%');
    expect(count(chart, 'data-kind="forecast"')).toBe(1);
    expect(chart).toContain('data-kind="anomaly" data-date="2026-11-20"');
    expect(count(chart, 'data-kind="today"')).toBe(1);
  });

  it('charts a budget without a daily series as its one to-date point and the straight-line forecast', () => {
    expect(withoutDaily.forecast?.method).toBe('elapsed-linear');
    const chart = chartOf(renderReportHtml(reportOf([evaluated(withoutDaily)])), 'fleet');
    expect(count(chart, 'data-kind="actual-point"')).toBe(1);
    expect(chart).toContain('data-total="14000"');
    expect(count(chart, 'data-kind="forecast"')).toBe(1);
    expect(chart).not.toContain('data-kind="anomaly"');
    // No line from ¥0 on the 1st to the one point: the days in between were never read.
    expect(chart).not.toContain('data-kind="actual"');
  });

  it('lists top contributors and the alerts the budget raises now, all text escaped', () => {
    expect(html).toContain('data-kind="contributors"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; (440101234567890)');
    expect(html).toContain('¥9,000');
    expect(html).toContain('<span class="tag">site: osaka</span>');
    // Grouped by kind, each share of the kind's total.
    expect(html).toContain(
      '<tbody data-contributor-kind="resource"><tr class="group"><th scope="rowgroup">Resources</th>',
    );
    expect([...html.matchAll(/data-kind="contributor" data-share="([\d.]+)"/g)].map((m) => m[1])).toEqual([
      '75.0',
      '25.0',
    ]);
    expect(html).toContain('SIM fleet &lt;b&gt;Japan&lt;/b&gt;');
    expect(html).not.toMatch(/<img|<b>/);
    expect(html).toContain('fleet spent ¥4,800 on 2026-11-20, far above its usual ¥600 a day');
  });

  it('shows a budget without a figure as a gap with its reason, and no chart', () => {
    expect(html).toContain('<tr data-budget="overseas" data-state="gap">');
    expect(html).toContain('data-budget="overseas" data-state="gap"><header');
    expect(html).not.toContain('<svg class="chart" data-budget="overseas"');
    expect(html).toContain('account &quot;global&quot; could not be read');
  });

  it('is one self-contained page: inline styles, no script, nothing to fetch, a CSP that forbids fetching', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|video|audio|source)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)="(?!#)/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('is a pure function of the check result', () => {
    expect(renderReportHtml(reportOf([evaluated(withDaily)]))).toBe(
      renderReportHtml(reportOf([evaluated(withDaily)])),
    );
  });
});

describe('per-resource charts', () => {
  /** Two SIMs' lines from a billing CSV: a day each for 22 days (SIM 1 runs away on the 20th), a monthly fee. */
  const simLines: SpendLine[] = ['440100000000001', '440100000000002'].flatMap((sim, s) => [
    { ResourceId: sim, BilledCost: Money.of(330, 'JPY') },
    ...Array.from({ length: 22 }, (_, i) => ({
      ResourceId: sim,
      BilledCost: Money.of(s === 0 && i === 19 ? 900 : 40, 'JPY'),
      ChargePeriodStart: new Date(`2026-11-${String(i + 1).padStart(2, '0')}T00:00:00+09:00`),
    })),
  ]);
  const render = (name: string) => {
    const status = evaluate(name, { days: days(22, 800), lines: simLines });
    return renderReportHtml(reportOf([evaluated(status)]), { timeZone: 'Asia/Tokyo' });
  };
  const values = (svg: string, resource: string) => {
    const group = svg.slice(svg.indexOf(`data-resource="${resource}"`));
    return [
      ...group.slice(0, group.indexOf('</g>')).matchAll(/data-date="([^"]*)" data-value="([^"]+)"/g),
    ].map((m) => [m[1], m[2]]);
  };

  it('a period window charts each largest resource to date, from what no day carries, one point a day', () => {
    const html = render('per-sim');
    const svg = html.slice(html.indexOf('<svg class="chart"'), html.indexOf('</svg>'));
    const runaway = values(svg, '440100000000001');
    expect(runaway).toHaveLength(23);
    expect(runaway[0]).toEqual(['', '330']);
    expect(runaway[19]).toEqual(['2026-11-19', '1090']);
    expect(runaway[20]).toEqual(['2026-11-20', '1990']);
    expect(values(svg, '440100000000002').at(-1)).toEqual(['2026-11-22', '1210']);
    // No line of the whole spend, and no forecast: each SIM is held to the amount on its own.
    expect(svg).not.toContain('data-kind="actual"');
    expect(svg).not.toContain('data-kind="forecast"');
    expect(html).toContain('not forecast: each resource is held to ¥1,000 on its own, by its spend to date');
    expect(html).not.toMatch(/\d+ days of data/);
    expect(html).toContain('440100000000001: ¥2,070');
  });

  it('a daily window charts each day on its own, not cumulatively', () => {
    const html = render('per-sim-day');
    const svg = html.slice(html.indexOf('<svg class="chart"'), html.indexOf('</svg>'));
    const runaway = values(svg, '440100000000001');
    expect(runaway).toHaveLength(22);
    expect(runaway[18]).toEqual(['2026-11-19', '40']);
    expect(runaway[19]).toEqual(['2026-11-20', '900']);
    expect(runaway[20]).toEqual(['2026-11-21', '40']);
    expect(svg).not.toContain('data-kind="straight-line"');
    expect(html).toContain('440100000000001: largest day ¥900');
    expect(html).toContain('not forecast: each resource is held to ¥300 a day, day by day');
  });

  it('says what is known when a budget has no forecast yet: how many full days, how many it needs', () => {
    const early = renderReportHtml(reportOf([evaluated(evaluate('fleet', { days: [500], today: 100 }))]));
    // The series has two days, both whole by the 23rd: no run rate from two.
    expect(early).toContain('2 full days of data so far; a forecast needs 3 days (a run rate of whole days)');
  });
});

describe('chart axis', () => {
  it.each([
    [33000, [0, 10000, 20000, 30000, 40000]],
    [156, [0, 50, 100, 150, 200]],
    [1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, [0, 0.2, 0.4, 0.6, 0.8, 1]],
  ])('ticks for %d start at 0, are round and cover it', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });
});

describe('terminal', () => {
  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: true }, { NO_COLOR: '' }, true],
    [{ isTTY: true }, { TERM: 'dumb' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1' }, true],
    [{ isTTY: false }, { FORCE_COLOR: '' }, true],
    [{ isTTY: true }, { FORCE_COLOR: '0' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
  ])('colour for %o with %o: %s', (stream, env, wanted) => {
    expect(colourWanted(stream, env)).toBe(wanted);
  });

  it('progress redraws one line on a TTY and erases it when done; writes nothing elsewhere', () => {
    const written: string[] = [];
    const tty = progressLine({ isTTY: true, write: (text: string) => written.push(text) });
    tty.show('reading accounts 0/2');
    tty.show('reading accounts 1/2');
    tty.clear();
    tty.clear();
    expect(written).toEqual([
      '\r\u001b[2Kreading accounts 0/2',
      '\r\u001b[2Kreading accounts 1/2',
      '\r\u001b[2K',
    ]);
    const piped: string[] = [];
    const quiet = progressLine({ isTTY: false, write: (text: string) => piped.push(text) });
    quiet.show('reading accounts 1/2');
    quiet.clear();
    expect(piped).toEqual([]);
  });
});
