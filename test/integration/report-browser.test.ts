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

/** The glance table's box and its wrapper's scroll width against its width (a scrollbar if larger). */
async function glanceTable(page: Page) {
  const table = page.locator('table[data-kind="summary"]');
  const box = (await table.boundingBox())!;
  const wrap = await table.evaluate((t) => {
    const wrapper = t.parentElement!;
    return { scrollWidth: wrapper.scrollWidth, clientWidth: wrapper.clientWidth };
  });
  return { box, ...wrap };
}
if (!hasChromium) console.warn(`SKIPPED: ${SKIP_REASON}`);

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let reportUrl: string;

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
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws every budget with data points, its threshold lines, the forecast and today; fetches nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(reportUrl, { waitUntil: 'load' });

    const config = await loadConfig(DEMO);
    for (const budget of config.budgets) {
      const chart = page.locator(`svg.chart[data-budget="${budget.name}"]`);
      await expect(chart.count()).resolves.toBe(1);
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(600);
      expect(box?.height).toBeGreaterThan(200);

      // A per-resource budget charts its resources' own points (checked below), the others their spend.
      const points = chart.locator(
        budget.perResource ? '[data-kind="resource-point"]' : '[data-kind="actual-point"]',
      );
      expect(await points.count()).toBeGreaterThanOrEqual(1);
      expect(await points.first().locator('title').textContent()).toMatch(/that day|to date/);
      for (const threshold of budget.thresholds) {
        const group = chart.locator(`[data-kind="threshold"][data-threshold~="${threshold.id}"]`);
        expect(await group.count(), `${budget.name} ${threshold.id}`).toBe(1);
        expect(await group.isVisible()).toBe(true);
        // A line inside the plot (a horizontal line has no height, so it is measured, not "seen").
        const lineBox = await group.locator('line').boundingBox();
        expect(lineBox?.width).toBeGreaterThan(100);
        expect(lineBox!.y).toBeGreaterThanOrEqual(box!.y);
        expect(lineBox!.y + lineBox!.height).toBeLessThanOrEqual(box!.y + box!.height);
      }
      // A per-resource budget holds each resource to the amount: no forecast of a whole.
      expect(await chart.locator('[data-kind="forecast"]').count()).toBe(budget.perResource ? 0 : 1);
      expect(await chart.locator('[data-kind="today"]').count()).toBe(1);
    }
    // The demo's runaway SIM three days before "today".
    const anomaly = page.locator('svg.chart[data-budget="iot-fleet-japan"] [data-kind="anomaly"]');
    expect(await anomaly.getAttribute('data-date')).toBe('2026-11-20');

    // Readable at a glance: every summary row and no sideways scrolling of the page.
    expect(await page.locator('table[data-kind="summary"] tbody tr').count()).toBe(config.budgets.length);
    expect(await fitsWidth(page)).toBe(true);

    await mkdir(join(ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'artifacts/report.png'), fullPage: true });

    // Only the document itself; anything else (even one blocked by the page's CSP) shows up here or
    // as a console error.
    expect(requests).toEqual([reportUrl]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows "Budgets at a glance" whole at 1400 px: no scrollbar, inside the viewport', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(reportUrl, { waitUntil: 'load' });
    expect(await fitsWidth(page)).toBe(true);
    const glance = await glanceTable(page);
    expect(glance.scrollWidth).toBeLessThanOrEqual(glance.clientWidth);
    expect(glance.box.x).toBeGreaterThanOrEqual(0);
    expect(glance.box.x + glance.box.width).toBeLessThanOrEqual(1400);
    await page.close();
  });

  it('fits an A4 page in print: the glance table and every chart within the printable width', async () => {
    const page = await browser.newPage({ viewport: { width: A4_PRINT_WIDTH, height: 1100 } });
    await page.emulateMedia({ media: 'print' });
    await page.goto(reportUrl, { waitUntil: 'load' });
    expect(await fitsWidth(page)).toBe(true);
    const glance = await glanceTable(page);
    // In print nothing scrolls: what overflows is cut off the paper.
    expect(glance.scrollWidth).toBeLessThanOrEqual(glance.clientWidth);
    expect(glance.box.x + glance.box.width).toBeLessThanOrEqual(A4_PRINT_WIDTH);
    for (const chart of await page.locator('svg.chart').all()) {
      const box = (await chart.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(A4_PRINT_WIDTH);
    }
    await page.close();
  });

  it('groups contributors by kind, shares adding up to 100% in each; a per-resource budget lists resources only', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(reportUrl, { waitUntil: 'load' });
    const config = await loadConfig(DEMO);
    for (const budget of config.budgets) {
      const card = page.locator(`section.budget[data-budget="${budget.name}"]`);
      const groups = await card.locator('tbody[data-contributor-kind]').all();
      const kinds: string[] = [];
      for (const group of groups) {
        kinds.push((await group.getAttribute('data-contributor-kind'))!);
        const shares = await group
          .locator('[data-kind="contributor"]')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-share')!));
        const total = shares.reduce((sum, share) => sum.plus(share), decimal(0));
        expect(total.toFixed(1), `${budget.name} ${kinds.at(-1)}`).toBe('100.0');
      }
      expect(new Set(kinds).size).toBe(kinds.length);
      if (budget.perResource) expect(kinds, budget.name).toEqual(['resource']);
    }
    // The Japan fleet's bill by item and by SIM: two views of the same ¥22,221.
    const japan = page.locator('section.budget[data-budget="iot-fleet-japan"]');
    expect(
      await japan
        .locator('tbody[data-contributor-kind]')
        .evaluateAll((g) => g.map((e) => e.dataset.contributorKind)),
    ).toEqual(['item', 'resource']);
    await page.close();
  });

  it('charts the real days of per-resource budgets: cumulative per SIM for the month, day by day for the daily one', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(reportUrl, { waitUntil: 'load' });
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
    await page.close();
  });

  it('lays out chart labels so that no two overlap, all inside their chart, the demo and a crowded chart', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const check = async () => {
      const charts = await page.locator('svg.chart').all();
      expect(charts.length).toBeGreaterThan(0);
      for (const chart of charts) {
        const name = await chart.getAttribute('data-budget');
        const svg = (await chart.boundingBox())!;
        const labels = await chart.locator('text.label').evaluateAll((texts) =>
          texts.map((t) => {
            const r = t.getBoundingClientRect();
            return {
              label: t.getAttribute('data-label'),
              left: r.left,
              top: r.top,
              right: r.right,
              bottom: r.bottom,
            };
          }),
        );
        expect(labels.length, `${name}`).toBeGreaterThan(0);
        for (const [i, a] of labels.entries()) {
          expect(a.left, `${name} ${a.label}`).toBeGreaterThanOrEqual(svg.x);
          expect(a.right, `${name} ${a.label}`).toBeLessThanOrEqual(svg.x + svg.width);
          expect(a.top, `${name} ${a.label}`).toBeGreaterThanOrEqual(svg.y);
          for (const b of labels.slice(i + 1)) {
            const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            expect(overlap, `${name}: ${a.label} and ${b.label} overlap`).toBe(false);
          }
        }
      }
    };
    await page.goto(reportUrl, { waitUntil: 'load' });
    await check();
    // Seven thresholds a few percent apart, pace lines, a forecast and an anomaly on top of them.
    await page.setContent(crowdedReport(), { waitUntil: 'load' });
    await check();
    const moved = await page.locator('.legend .label-note').allTextContents();
    const drawn = await page.locator('svg.chart text.label').allTextContents();
    expect(drawn.length + moved.length).toBe(12);
    for (const note of moved) expect(drawn).not.toContain(note);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(reportUrl, { waitUntil: 'load' });
    expect(await fitsWidth(page)).toBe(true);
    await page.close();
  });
});
