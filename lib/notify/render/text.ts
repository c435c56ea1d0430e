/**
 * The plain-text alert for email (and SNS's `default`): what crossed, how much, when, who spent it,
 * what changed since the last alert. Written to be read on a phone by whoever is on call.
 */
import type { Alert } from '../../alerts/alert.ts';
import { formatAmount } from '../../alerts/format.ts';
import {
  actionLines,
  basisLabel,
  contributorsTitle,
  crossingSentence,
  figureAgeNote,
  forecastParts,
  isSpendEvent,
  measureWords,
  provenanceLines,
  sinceLast,
  spentOfBudget,
  thresholdText,
  unlistedContributorsNote,
} from '../../alerts/wording.ts';
import { oneLine } from '../../text/one-line.ts';
import { contributorTable, durationBetween, humanInstant, isoInstant, type RenderOptions } from './layout.ts';

/** Rows listed in the email; the JSON copy of the alert carries every contributor. */
const MAX_LISTED_CONTRIBUTORS = 15;
const LABEL_WIDTH = 12;

export function renderText(alert: Alert, options: RenderOptions = {}): string {
  const money = (value: string) => formatAmount(value, alert.unit);
  const words = measureWords(alert);
  const when = (iso: string) => `${isoInstant(iso)} (${humanInstant(iso, options)})`;
  const sections: string[][] = [];

  sections.push([`${alert.severity.toUpperCase()}: ${oneLine(alert.headline)}`]);

  const what = [crossingSentence(alert), ''];
  what.push(row('Budget', oneLine(alert.budget)));
  if (isSpendEvent(alert)) what.push(row('Threshold', `${thresholdText(alert)} (${basisLabel(alert)})`));
  what.push(row('Severity', alert.severity));
  what.push(row(alert.provider.includes(',') ? 'Providers' : 'Provider', oneLine(alert.provider)));
  what.push(row(alert.accounts.length > 1 ? 'Accounts' : 'Account', oneLine(alert.accounts.join(', '))));
  sections.push(heading(headingFor(alert), what));

  if (isSpendEvent(alert)) {
    const much = [row(words.label, spentOfBudget(alert, money)), row('Budget', money(alert.budgetAmount))];
    const forecast = forecastParts(alert);
    if (forecast) {
      much.push(row('Forecast', forecast.amount));
      much.push(row('', `method: ${forecast.method}`));
      if (forecast.inputs) much.push(row('', `inputs: ${forecast.inputs}`));
    }
    sections.push(heading('How much', much));
  }

  sections.push(
    heading('When', [
      row(
        'Period',
        `${oneLine(alert.periodKey)} (${isoInstant(alert.periodStart)} to ${isoInstant(alert.periodEnd)})`,
      ),
      row('As of', when(alert.asOf)),
      row('', figureAgeNote(durationBetween(alert.asOf, alert.detectedAt))),
      row('Detected', when(alert.detectedAt)),
    ]),
  );

  const last = sinceLast(alert);
  if (last) {
    sections.push(
      heading('Since the last alert', [
        row('Last alert', `${last.threshold} threshold, ${when(last.at)}`),
        row(`${words.label} then`, last.spentThen),
        row('Change', `${last.change} since`),
      ]),
    );
  }

  if (alert.contributors.length > 0) {
    const table = contributorTable(alert, { maxRows: MAX_LISTED_CONTRIBUTORS, maxNameWidth: 40 });
    const lines = table.lines.map((line) => `  ${line}`);
    if (table.omitted > 0) lines.push(`  ${unlistedContributorsNote(table.omitted, 'full')}`);
    sections.push([contributorsTitle(alert, money), ...lines]);
  }

  const actions = actionLines(alert);
  if (actions.length > 0) {
    const lines = actions.flatMap(({ text, link }) => [
      `- ${text}`,
      ...(link
        ? [`  ${link.label}: ${link.url}${link.until ? ` (works until ${when(link.until)})` : ''}`]
        : []),
    ]);
    sections.push(heading(alert.action ? 'Action' : 'Guardrail actions', lines));
  }

  if (alert.details.length > 0) {
    sections.push(
      heading(
        'Details',
        alert.details.map((line) => `- ${oneLine(line)}`),
      ),
    );
  }

  sections.push(['--', ...provenanceLines(alert)]);
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function headingFor(alert: Alert): string {
  if (alert.event !== 'crossed' && alert.event !== 'back-under') return 'What happened';
  return alert.event === 'back-under' ? 'What changed' : 'What crossed';
}

function heading(title: string, lines: string[]): string[] {
  return [title, ...lines.map((line) => (line ? `  ${line}` : ''))];
}

function row(label: string, value: string): string {
  return `${label.padEnd(LABEL_WIDTH)}${value}`;
}
