/**
 * The HTML report as a person sees it: rendered by headless Chromium (Debian's, driven by
 * playwright-core), checked for its charts, for making no network request at all, and saved as a
 * screenshot (artifacts/report.png) for a human look.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { evaluateBudget } from '../../lib/budgets/evaluate.ts';
import { loadConfig, parseConfig } from '../../lib/config/load.ts';
import { decimal, Money } from '../../lib/money/index.ts';
import { renderReportHtml } from '../../lib/report/html.ts';
import { monthlyPeriod } from '../../lib/time/period.ts';
import { japanAccountSpend } from '../support/account-spend.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = join(ROOT, 'examples/demo.yaml');
const SKIP_REASON = `${CHROMIUM} is absent: install Debian's Chromium (apt-get install -y chromium) to run the HTML report browser test`;

const hasChromium = existsSync(CHROMIUM);

/** No sideways scrolling of the page itself (on a phone, wide tables scroll inside their own box). */
const fitsWidth = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

const NOW = new Date('2026-11-23T03:00:00Z');

/**
 * A budget whose labels crowd each other: thresholds 2% apart, two pace lines, a forecast by the 100%
 * line and an anomaly among the threshold labels.
 */
function crowdedReport(): string {
  const config = parseConfig(`
version: 1
accounts:
  - id: jp
    provider: soracom
    coverage: jp
    credentials: { authKeyId: env:A, authKey: env:B }
budgets:
  - name: crowded
    account: jp
    amount: 30000
    currency: JPY
    thresholds: [{ at: 70% }, { at: 72% }, { at: 74% }, { at: 76% }, { at: 78% }, { at: 80% }, { at: 100% },
      { at: 100%, basis: forecast }, { at: 10%, basis: pace }, { at: 12%, basis: pace }]
    anomaly: { sensitivity: 3, minAmount: 100 }
`);
  const period = monthlyPeriod(NOW, 'Asia/Tokyo');
  const days = Array.from({ length: 22 }, (_, i) => (i === 19 ? 6400 : 720));
  const daily = [...days, 300].map((amount, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    BilledCost: Money.of(amount, 'JPY'),
  }));
  const status = evaluateBudget(
    config.budgets[0]!,
    [
      japanAccountSpend({
        BillingPeriodStart: period.start,
        BillingPeriodEnd: period.end,
        asOf: NOW,
        BilledCost: Money.sum(
          daily.map((d) => d.BilledCost),
          'JPY',
        ),
        lines: [],
        daily,
      }),
    ],
    config.rates,
    NOW,
  );
  expect(status.anomalies.map((a) => a.date)).toEqual(['2026-11-20']);
  return renderReportHtml({
    at: NOW,
    accounts: [],
    budgets: [{ budget: 'crowded', status: 'evaluated', evaluation: status }],
    delivered: [],
    suppressed: [],
    failed: [],
  });
}

/** A4's width at 96 px per inch, less the 12 mm margins the page asks for in print: 186 mm. */
const A4_PRINT_WIDTH = Math.floor((186 / 25.4) * 96);
const DESKTOP = { width: 1400, height: 900 };

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

/** The glance table's box and its wrapper's scroll width against its width (a scrollbar if larger). */
const glanceTable = (page: Page) =>
  page.locator('table[data-kind="summary"]').evaluate((table) => {
    const wrapper = table.parentElement!;
    return {
      box: table.getBoundingClientRect().toJSON() as Box,
      scrollWidth: wrapper.scrollWidth,
      clientWidth: wrapper.clientWidth,
    };
  });
if (!hasChromium) console.warn(`SKIPPED: ${SKIP_REASON}`);

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let reportUrl: string;
  // One page, loaded once: each test sets the viewport and media it looks at, and asks the page
  // everything it checks in one evaluate (a round trip per element made this file the suite's slowest).
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];
  const show = async (viewport: { width: number; height: number }, media: 'screen' | 'print' = 'screen') => {
    await page.setViewportSize(viewport);
    await page.emulateMedia({ media });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spendwatch-report-'));
    const errors: string[] = [];
    const code = await main(['report', '--simulate', '--config', DEMO, '--out', dir], {
      out: () => {},
      err: (text) => errors.push(text),
    });
    expect(code, errors.join('\n')).toBe(0);
    reportUrl = pathToFileURL(join(dir, 'index.html')).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: DESKTOP });
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(reportUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws every budget with data points, its threshold lines, the forecast and today; fetches nothing', async () => {
    await show(DESKTOP);
    const charts = await page.locator('svg.chart').evaluateAll((svgs) =>
      svgs.map((svg) => {
        const count = (selector: string) => svg.querySelectorAll(selector).length;
        const firstPoint = (kind: string) =>
          svg.querySelector(`[data-kind="${kind}"] title`)?.textContent ?? undefined;
        return {
          budget: svg.dataset.budget!,
          box: svg.getBoundingClientRect().toJSON() as Box,
          points: {
            actual: count('[data-kind="actual-point"]'),
            resource: count('[data-kind="resource-point"]'),
          },
          firstTitle: { actual: firstPoint('actual-point'), resource: firstPoint('resource-point') },
          thresholds: [...svg.querySelectorAll('[data-kind="threshold"]')].map((group) => {
            const box = group.getBoundingClientRect();
            return {
              ids: (group.dataset.threshold ?? '').split(' '),
              visible:
                box.width > 0 &&
                box.height > 0 &&
                group.ownerDocument.defaultView!.getComputedStyle(group).visibility !== 'hidden',
              line: group.querySelector('line')?.getBoundingClientRect().toJSON() as Box | undefined,
            };
          }),
          forecasts: count('[data-kind="forecast"]'),
          todays: count('[data-kind="today"]'),
          anomalies: [...svg.querySelectorAll('[data-kind="anomaly"]')].map((a) => a.dataset.date),
        };
      }),
    );

    const config = await loadConfig(DEMO);
    for (const budget of config.budgets) {
      const drawn = charts.filter((c) => c.budget === budget.name);
      expect(drawn, budget.name).toHaveLength(1);
      const chart = drawn[0]!;
      expect(chart.box.width).toBeGreaterThan(600);
      expect(chart.box.height).toBeGreaterThan(200);

      // A per-resource budget charts its resources' own points (checked below), the others their spend.
      const kind = budget.perResource ? 'resource' : 'actual';
      expect(chart.points[kind], budget.name).toBeGreaterThanOrEqual(1);
      expect(chart.firstTitle[kind]).toMatch(/that day|to date/);
      for (const threshold of budget.thresholds) {
        const groups = chart.thresholds.filter((t) => t.ids.includes(threshold.id));
        expect(groups, `${budget.name} ${threshold.id}`).toHaveLength(1);
        expect(groups[0]!.visible, `${budget.name} ${threshold.id}`).toBe(true);
        // A line inside the plot (a horizontal line has no height, so it is measured, not "seen").
        const line = groups[0]!.line!;
        expect(line.width).toBeGreaterThan(100);
        expect(line.top).toBeGreaterThanOrEqual(chart.box.top);
        expect(line.bottom).toBeLessThanOrEqual(chart.box.bottom);
      }
      // A per-resource budget holds each resource to the amount: no forecast of a whole.
      expect(chart.forecasts, budget.name).toBe(budget.perResource ? 0 : 1);
      expect(chart.todays, budget.name).toBe(1);
    }
    // The demo's runaway SIM three days before "today".
    expect(charts.find((c) => c.budget === 'iot-fleet-japan')!.anomalies).toEqual(['2026-11-20']);

    // Readable at a glance: every summary row and no sideways scrolling of the page.
    expect(await page.locator('table[data-kind="summary"] tbody tr').count()).toBe(config.budgets.length);
    expect(await fitsWidth(page)).toBe(true);

    await mkdir(join(ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'artifacts/report.png'), fullPage: true });

    // Only the document itself; anything else (even one blocked by the page's CSP) shows up here or
    // as a console error.
    expect(requests).toEqual([reportUrl]);
    expect(problems).toEqual([]);
  });

  it('shows "Budgets at a glance" whole at 1400 px: no scrollbar, inside the viewport', async () => {
    await show(DESKTOP);
    expect(await fitsWidth(page)).toBe(true);
    const glance = await glanceTable(page);
    expect(glance.scrollWidth).toBeLessThanOrEqual(glance.clientWidth);
    expect(glance.box.left).toBeGreaterThanOrEqual(0);
    expect(glance.box.right).toBeLessThanOrEqual(DESKTOP.width);
  });

  it('fits an A4 page in print: the glance table and every chart within the printable width', async () => {
    await show({ width: A4_PRINT_WIDTH, height: 1100 }, 'print');
    expect(await fitsWidth(page)).toBe(true);
    const glance = await glanceTable(page);
    // In print nothing scrolls: what overflows is cut off the paper.
    expect(glance.scrollWidth).toBeLessThanOrEqual(glance.clientWidth);
    expect(glance.box.right).toBeLessThanOrEqual(A4_PRINT_WIDTH);
    const chartRights = await page
      .locator('svg.chart')
      .evaluateAll((svgs) => svgs.map((svg) => svg.getBoundingClientRect().right));
    expect(chartRights.length).toBeGreaterThan(0);
    for (const right of chartRights) expect(right).toBeLessThanOrEqual(A4_PRINT_WIDTH);
  });

  it('groups contributors by kind, shares adding up to 100% in each; a per-resource budget lists resources only', async () => {
    await show(DESKTOP);
    type Group = { kind: string; shares: string[] };
    const cards = await page.locator('section.budget').evaluateAll(
      (sections): Record<string, Group[]> =>
        Object.fromEntries(
          sections.map((card) => [
            card.dataset.budget!,
            [...card.querySelectorAll('tbody[data-contributor-kind]')].map((group) => ({
              kind: group.dataset.contributorKind!,
              shares: [...group.querySelectorAll('[data-kind="contributor"]')].map(
                (row) => row.getAttribute('data-share')!,
              ),
            })),
          ]),
        ),
    );
    const config = await loadConfig(DEMO);
    for (const budget of config.budgets) {
      const groups = cards[budget.name];
      expect(groups, budget.name).toBeDefined();
      for (const { kind, shares } of groups!) {
        const total = shares.reduce((sum, share) => sum.plus(share), decimal(0));
        expect(total.toFixed(1), `${budget.name} ${kind}`).toBe('100.0');
      }
      const kinds = groups!.map((g) => g.kind);
      expect(new Set(kinds).size).toBe(kinds.length);
      if (budget.perResource) expect(kinds, budget.name).toEqual(['resource']);
    }
    // The Japan fleet's bill by item and by SIM: two views of the same ¥22,221.
    expect(cards['iot-fleet-japan']!.map((g) => g.kind)).toEqual(['item', 'resource']);
  });

  it('charts the real days of per-resource budgets: cumulative per SIM for the month, day by day for the daily one', async () => {
    await show(DESKTOP);
    const seriesOf = (budget: string) =>
      page.locator(`svg.chart[data-budget="${budget}"] [data-kind="resource-series"]`).evaluateAll((groups) =>
        groups.map((g) => ({
          resource: g.getAttribute('data-resource')!,
          line: g.querySelector('polyline') !== null,
          points: [...g.querySelectorAll('[data-kind="resource-point"]')].map((p) => ({
            date: p.getAttribute('data-date')!,
            value: Number(p.getAttribute('data-value')),
            x: p.getBoundingClientRect().x,
          })),
        })),
      );
    const monthly = await seriesOf('any-sim');
    expect(monthly.map((s) => s.resource)[0]).toBe('440103125380001');
    expect(monthly.length).toBeGreaterThan(1);
    for (const { points, line } of monthly) {
      expect(line).toBe(true);
      // From what no day carries (its monthly basic fee), not from ¥0, then one point per day read.
      expect(points[0]!.value).toBeGreaterThan(0);
      expect(points.filter((p) => p.date).map((p) => p.date)).toEqual(
        Array.from({ length: 22 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
      );
      const values = points.map((p) => p.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    // The runaway SIM crosses ¥5,000 on the 20th, the day it happened, not on a straight line's day.
    const runaway = monthly[0]!.points;
    expect(runaway.find((p) => p.date === '2026-11-19')!.value).toBeLessThan(5000);
    expect(runaway.find((p) => p.date === '2026-11-20')!.value).toBeGreaterThan(5000);
    expect(await page.locator('svg.chart[data-budget="any-sim"] [data-kind="actual"]').count()).toBe(0);

    const daily = await seriesOf('sim-daily');
    const days = daily[0]!.points;
    expect(daily[0]!.resource).toBe('440103125380001');
    // Each day's own spend: the spike on the 20th and back down the day after.
    const peak = days.reduce((max, p) => (p.value > max.value ? p : max));
    expect(peak).toMatchObject({ date: '2026-11-20', value: 4800 });
    expect(days.find((p) => p.date === '2026-11-21')!.value).toBeLessThan(100);
    expect(days.map((p) => p.x)).toEqual([...days.map((p) => p.x)].sort((a, b) => a - b));
    // What is known instead of a forecast, not a count of days it does not have.
    const facts = await page.locator('section.budget[data-budget="sim-daily"] .facts').textContent();
    expect(facts).toContain('each resource is held to ¥2,000 a day');
    expect(facts).not.toMatch(/\d+ days of data/);
  });

  it('lays out chart labels so that no two overlap, all inside their chart, the demo and a crowded chart', async () => {
    const check = async (on: Page) => {
      const charts = await on.locator('svg.chart').evaluateAll((svgs) =>
        svgs.map((svg) => ({
          name: svg.dataset.budget,
          svg: svg.getBoundingClientRect().toJSON() as Box,
          labels: [...svg.querySelectorAll('text.label')].map((t) => ({
            label: t.getAttribute('data-label'),
            ...(t.getBoundingClientRect().toJSON() as Box),
          })),
        })),
      );
      expect(charts.length).toBeGreaterThan(0);
      for (const { name, svg, labels } of charts) {
        expect(labels.length, `${name}`).toBeGreaterThan(0);
        for (const [i, a] of labels.entries()) {
          expect(a.left, `${name} ${a.label}`).toBeGreaterThanOrEqual(svg.left);
          expect(a.right, `${name} ${a.label}`).toBeLessThanOrEqual(svg.right);
          expect(a.top, `${name} ${a.label}`).toBeGreaterThanOrEqual(svg.top);
          for (const b of labels.slice(i + 1)) {
            const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            expect(overlap, `${name}: ${a.label} and ${b.label} overlap`).toBe(false);
          }
        }
      }
    };
    await show(DESKTOP);
    await check(page);
    // Seven thresholds a few percent apart, pace lines, a forecast and an anomaly on top of them.
    const crowded = await browser.newPage({ viewport: DESKTOP });
    await crowded.setContent(crowdedReport(), { waitUntil: 'load' });
    await check(crowded);
    const moved = await crowded.locator('.legend .label-note').allTextContents();
    const drawn = await crowded.locator('svg.chart text.label').allTextContents();
    expect(drawn.length + moved.length).toBe(12);
    for (const note of moved) expect(drawn).not.toContain(note);
    await crowded.close();
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    await show({ width: 390, height: 844 });
    expect(await fitsWidth(page)).toBe(true);
  });
});
