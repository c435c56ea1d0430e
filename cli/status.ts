import { formatLocal } from '../lib/alerts/format.ts';
import type { CheckReport } from '../lib/check/types.ts';
import { accountProblems, type BudgetState, type SummaryRow, summaryRows } from '../lib/report/summary.ts';
import { type Paint, painter, type Style } from './colour.ts';
import { clipToWidth, displayWidth, wrapItems, wrapToWidth } from './terminal-text.ts';

type Field = Exclude<keyof SummaryRow, 'note'>;

interface Column {
  field: Field;
  title: string;
  /** The title when the terminal is narrower than the full table. */
  short?: string;
  /** How the note under a narrowed table names the column, when its title is not enough. */
  said?: string;
  align: 'left' | 'right';
}

const COLUMNS: Column[] = [
  { field: 'budget', title: 'BUDGET', align: 'left' },
  { field: 'accounts', title: 'ACCOUNTS', align: 'left' },
  { field: 'spent', title: 'SPENT', align: 'right' },
  { field: 'amount', title: 'BUDGET', said: 'BUDGET (amount)', align: 'right' },
  { field: 'percent', title: '%', align: 'right' },
  { field: 'forecast', title: 'FORECAST', align: 'right' },
  { field: 'pace', title: 'PACE', align: 'right' },
  { field: 'next', title: 'NEXT THRESHOLD', short: 'NEXT', align: 'left' },
  { field: 'asOf', title: 'DATA AS OF', short: 'AS OF', align: 'left' },
  { field: 'state', title: 'STATE', align: 'left' },
];

/**
 * How the table narrows, one step at a time until it fits: short titles, then the columns a glance
 * needs least (the accounts are in the config, a stale figure shows in STATE), with usage quantities
 * rounded before anything that says where spend stands. Budget, spent, % and state always stay.
 */
const NARROWING: ({ hide: Field } | 'short titles' | 'compact quantities')[] = [
  'short titles',
  { hide: 'accounts' },
  'compact quantities',
  { hide: 'asOf' },
  { hide: 'pace' },
  { hide: 'amount' },
  { hide: 'forecast' },
  { hide: 'next' },
];

const SEPARATOR = '  ';
/** A budget name is never cut shorter than this: below about 40 columns the table may not fit. */
const MIN_NAME_COLUMNS = 8;

const STATE_STYLE: Record<BudgetState, Style[]> = {
  ok: ['green'],
  warning: ['yellow'],
  alarm: ['red', 'bold'],
  stale: ['magenta'],
  gap: ['cyan'],
  broken: ['red'],
};

export interface StatusOptions {
  colour: boolean;
  timeZone: string;
  /** Terminal columns to fit; absent for the full table (piped output, or --wide). */
  width?: number;
}

/** `spendwatch status`: every budget on one line, then why any of them is a gap or stale. */
export function renderStatus(report: CheckReport, options: StatusOptions): string {
  const paint = painter(options.colour);
  const table = fitTable(report, options.width);
  const wrap = (text: string, indent = '') =>
    options.width === undefined ? [text] : wrapToWidth(text, options.width, indent);
  const rowLine = (cells: string[], style: (text: string, column: number) => string) =>
    cells
      .map((text, i) =>
        style(i === cells.length - 1 ? text : pad(text, table.widths[i]!, table.columns[i]!.align), i),
      )
      .join(SEPARATOR);

  const lines = [
    ...wrap(
      `spendwatch status at ${formatLocal(report.at, options.timeZone)} (dry run: nothing claimed or sent)`,
    ),
    '',
    rowLine(table.titles, (text) => paint(text, 'dim')),
  ];
  table.rows.forEach((row, i) => {
    lines.push(rowLine(table.cells[i]!, cellStyle(row, table.columns, paint)));
  });
  if (table.rows.length === 0) lines.push('(no budgets in the config)');
  if (table.narrowed) lines.push(...wrap(table.narrowed).map((line) => paint(line, 'dim')));

  const notes = table.rows.filter((r) => r.note);
  const problems = accountProblems(report);
  if (notes.length + problems.length > 0) lines.push('');
  for (const row of notes)
    lines.push(...wrap(`${paint(row.state, ...STATE_STYLE[row.state])} ${row.budget}: ${row.note}`, '  '));
  for (const p of problems)
    lines.push(...wrap(`${paint('account', 'cyan')} ${p.account} (${p.provider}): ${p.problem}`, '  '));
  const legend = options.width === undefined ? [LEGEND.join(' · ')] : wrapItems(LEGEND, options.width);
  lines.push('', ...legend.map((line) => paint(line, 'dim')));
  return lines.join('\n');
}

const LEGEND = [
  'alarm: a spend threshold at 100% or critical crossed',
  'warning: another threshold, forecast, pace or anomaly',
  'stale: old provider figure',
  'gap: no figure',
  'broken: cannot be evaluated, fix the config',
];

interface Table {
  columns: Column[];
  titles: string[];
  rows: SummaryRow[];
  cells: string[][];
  widths: number[];
  /** What was left out or rounded to fit, in a sentence; absent for the full table. */
  narrowed?: string;
}

/** The widest table that fits `width` columns: the full one when it fits or no width is set. */
function fitTable(report: CheckReport, width: number | undefined): Table {
  const hidden = new Set<Field>();
  let short = false;
  let compact = false;
  const build = (): Table => {
    const rows = summaryRows(report, { compactQuantities: compact });
    const columns = COLUMNS.filter((c) => !hidden.has(c.field));
    const titles = columns.map((c) => (short && c.short) || c.title);
    const cells = rows.map((row) => columns.map((c) => row[c.field]));
    const widths = columns.map((_, i) => Math.max(...[titles, ...cells].map((r) => displayWidth(r[i]!))));
    return { columns, titles, rows, cells, widths };
  };
  let table = build();
  const full = tableWidth(table);
  if (width === undefined || full <= width) return table;
  let rounded = false;
  for (const step of NARROWING) {
    if (step === 'short titles') short = true;
    else if (step === 'compact quantities') compact = true;
    else hidden.add(step.hide);
    const before = table;
    table = build();
    if (step === 'compact quantities') rounded = JSON.stringify(table.cells) !== JSON.stringify(before.cells);
    if (tableWidth(table) <= width) break;
  }
  const excess = tableWidth(table) - width;
  if (excess > 0) {
    const names = Math.max(MIN_NAME_COLUMNS, table.widths[0]! - excess);
    table.widths[0] = names;
    for (const row of table.cells) row[0] = clipToWidth(row[0]!, names);
  }
  const left = COLUMNS.filter((c) => hidden.has(c.field)).map((c) => c.said ?? c.title);
  const said = [
    left.length > 0 && `without ${left.join(', ')}`,
    rounded && 'usage quantities rounded',
    excess > 0 && 'budget names cut',
  ].filter(Boolean);
  return {
    ...table,
    narrowed: `Fitted to ${width} columns (full table: ${full}): ${said.join('; ')}; --wide for all.`,
  };
}

function tableWidth(table: Pick<Table, 'widths'>): number {
  return table.widths.reduce((sum, w) => sum + w, 0) + SEPARATOR.length * (table.widths.length - 1);
}

function cellStyle(
  row: SummaryRow,
  columns: Column[],
  paint: Paint,
): (text: string, column: number) => string {
  return (text, column) => {
    const { field } = columns[column]!;
    if (field === 'budget') return paint(text, 'bold');
    if (field === 'state' || field === 'percent') return paint(text, ...STATE_STYLE[row.state]);
    return text;
  };
}

function pad(text: string, size: number, align: Column['align']): string {
  const fill = ' '.repeat(Math.max(0, size - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}
