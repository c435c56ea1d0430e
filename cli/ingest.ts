/** `spendwatch ingest`: a billing CSV export summarised locally, with progress on a terminal. */
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { formatAmount } from '../lib/alerts/format.ts';
import { decimal, isCurrencyCode } from '../lib/money/index.ts';
import { summariseSoracomCsv } from '../lib/providers/soracom/billing-csv/parser/index.ts';
import type { CommandIo } from './command-run.ts';
import { UsageError } from './usage-error.ts';

export interface IngestFlags {
  file: string;
  currency: string;
  month?: string;
  out?: string;
}

const TOP_SIMS = 10;

export async function ingestFile(flags: IngestFlags, io: CommandIo): Promise<number> {
  if (!isCurrencyCode(flags.currency))
    throw new UsageError(`--currency "${flags.currency}" is not an ISO 4217 code (JPY, USD, EUR)`);
  const size = await stat(flags.file).then(
    (s) => s.size,
    () => {
      throw new UsageError(`cannot read --file ${flags.file}; pass the path of a Soracom billing CSV export`);
    },
  );
  let read = 0;
  const started = performance.now();
  async function* counted() {
    for await (const chunk of createReadStream(flags.file, { highWaterMark: 1 << 20 })) {
      read += (chunk as Buffer).length;
      const seconds = (performance.now() - started) / 1000;
      io.progress?.show(
        `ingesting ${percentOf(read, size)} (${(read / 1e6).toFixed(0)} of ${(size / 1e6).toFixed(0)} MB, ${(read / 1e6 / Math.max(seconds, 0.001)).toFixed(0)} MB/s)`,
      );
      yield chunk as Buffer;
    }
  }
  const summary = await summariseSoracomCsv(counted(), {
    currency: flags.currency,
    month: flags.month,
  }).finally(() => io.progress?.clear());
  const money = (value: string) => formatAmount(value, summary.currency);
  const lines = [
    `${flags.file}: ${summary.rowCount.toLocaleString('en-US')} rows, month ${summary.month ?? 'unknown'}, ${summary.subscribers.length.toLocaleString('en-US')} devices`,
    `Total ${money(summary.totals.amount)} (daily ${money(summary.totals.daily)}, monthly charges ${money(summary.totals.monthlyCharges)})`,
    '',
    `Top ${Math.min(TOP_SIMS, summary.subscribers.length)} devices:`,
    ...[...summary.subscribers]
      .sort((a, b) => decimal(b.total).cmp(decimal(a.total)) || a.id.localeCompare(b.id))
      .slice(0, TOP_SIMS)
      .map((sim) => {
        const tags = Object.entries(sim.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
        return `  ${sim.id.padEnd(16)} ${money(sim.total).padStart(12)}  ${tags}`;
      }),
  ];
  if (summary.malformed.count > 0) {
    lines.push('', `${summary.malformed.count} malformed rows (counted, not added):`);
    for (const row of summary.malformed.rows) lines.push(`  line ${row.line}: ${row.reason}`);
  }
  if (flags.out) {
    await writeFile(flags.out, `${JSON.stringify(summary, null, 2)}\n`);
    lines.push('', `Summary written to ${flags.out}`);
  }
  io.out(lines.join('\n'));
  return summary.malformed.count > 0 ? 1 : 0;
}

function percentOf(part: number, whole: number): string {
  return `${whole === 0 ? 100 : Math.floor((part / whole) * 100)}%`;
}
