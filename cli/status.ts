import { formatLocal } from '../lib/alerts/format.ts';
import type { CheckReport } from '../lib/check/types.ts';
import { accountProblems, type BudgetState, type SummaryRow, summaryRows } from '../lib/report/summary.ts';
import { type Paint, painter, type Style } from './colour.ts';

interface Column {
  title: string;
  cell: (row: SummaryRow) => string;
  align: 'left' | 'right';
}

const COLUMNS: Column[] = [
  { title: 'BUDGET', cell: (r) => r.budget, align: 'left' },
  { title: 'ACCOUNTS', cell: (r) => r.accounts, align: 'left' },
  { title: 'SPENT', cell: (r) => r.spent, align: 'right' },
  { title: 'BUDGET', cell: (r) => r.amount, align: 'right' },
  { title: '%', cell: (r) => r.percent, align: 'right' },
  { title: 'FORECAST', cell: (r) => r.forecast, align: 'right' },
  { title: 'PACE', cell: (r) => r.pace, align: 'right' },
  { title: 'NEXT THRESHOLD', cell: (r) => r.next, align: 'left' },
  { title: 'DATA AS OF', cell: (r) => r.asOf, align: 'left' },
  { title: 'STATE', cell: (r) => r.state, align: 'left' },
];

const STATE_STYLE: Record<BudgetState, Style[]> = {
  ok: ['green'],
  warning: ['yellow'],
  alarm: ['red', 'bold'],
  stale: ['magenta'],
  gap: ['cyan'],
  broken: ['red'],
};

/** `spendwatch status`: every budget on one line, then why any of them is a gap or stale. */
export function renderStatus(report: CheckReport, options: { colour: boolean; timeZone: string }): string {
  const paint = painter(options.colour);
  const rows = summaryRows(report);
  const widths = COLUMNS.map((c) => Math.max(c.title.length, ...rows.map((r) => width(c.cell(r)))));
  const last = COLUMNS.length - 1;
  const line = (cells: string[], style: (text: string, column: number) => string) =>
    cells.map((text, i) => style(i === last ? text : pad(text, widths[i]!, COLUMNS[i]!.align), i)).join('  ');

  const lines = [
    paint(
      `spendwatch status at ${formatLocal(report.at, options.timeZone)} (dry run: nothing claimed or sent)`,
    ),
    '',
    line(
      COLUMNS.map((c) => c.title),
      (text) => paint(text, 'dim'),
    ),
  ];
  for (const row of rows)
    lines.push(
      line(
        COLUMNS.map((c) => c.cell(row)),
        cellStyle(row, paint),
      ),
    );
  if (rows.length === 0) lines.push('(no budgets in the config)');

  const notes = rows.filter((r) => r.note);
  const problems = accountProblems(report);
  if (notes.length + problems.length > 0) lines.push('');
  for (const row of notes)
    lines.push(`${paint(row.state, ...STATE_STYLE[row.state])} ${row.budget}: ${row.note}`);
  for (const p of problems)
    lines.push(`${paint('account', 'cyan')} ${p.account} (${p.provider}): ${p.problem}`);
  lines.push(
    '',
    paint(
      'alarm: a spend threshold at 100% or critical crossed · warning: another threshold, forecast, pace or anomaly · stale: old provider figure · gap: no figure · broken: cannot be evaluated, fix the config',
      'dim',
    ),
  );
  return lines.join('\n');
}

function cellStyle(row: SummaryRow, paint: Paint): (text: string, column: number) => string {
  return (text, column) => {
    const title = COLUMNS[column]!.title;
    if (column === 0) return paint(text, 'bold');
    if (title === 'STATE' || title === '%') return paint(text, ...STATE_STYLE[row.state]);
    return text;
  };
}

/** Display width: code points, which is right for the symbols amounts use (¥, €, —). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, align: Column['align']): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'left' ? text + fill : fill + text;
}
