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
import { loadConfig } from '../../lib/config/load.ts';
import { decimal } from '../../lib/money/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = join(ROOT, 'examples/demo.yaml');
const SKIP_REASON = `${CHROMIUM} is absent: install Debian's Chromium (apt-get install -y chromium) to run the HTML report browser test`;

const hasChromium = existsSync(CHROMIUM);

/** No sideways scrolling of the page itself (on a phone, wide tables scroll inside their own box). */
const fitsWidth = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

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

      const points = chart.locator('[data-kind="actual-point"]');
      expect(await points.count()).toBeGreaterThanOrEqual(1);
      expect(await points.first().locator('title').textContent()).toMatch(/to date/);
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
      // A per-resource budget charts its highest resource, which has no forecast of its own.
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

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(reportUrl, { waitUntil: 'load' });
    expect(await fitsWidth(page)).toBe(true);
    await page.close();
  });
});
