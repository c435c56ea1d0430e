/**
 * The SNS Subject (the email subject line). SNS wants printable ASCII, no line breaks or control
 * characters, fewer than 100 characters; anything else is replaced by an error text or rejected.
 */
import type { Alert } from '../../alerts/alert.ts';
import { summaryPhrase } from '../../alerts/wording.ts';
import { oneLine } from '../../text/one-line.ts';
import { clip } from './layout.ts';

export const SUBJECT_MAX_LENGTH = 99;

const TRANSLITERATION: Record<string, string> = {
  '¥': ' JPY ',
  '€': ' EUR ',
  '£': ' GBP ',
  '₩': ' KRW ',
  '₹': ' INR ',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '―': '-',
  '−': '-',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '′': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '″': '"',
  '…': '...',
  '•': '*',
  '·': '.',
  '×': 'x',
  '÷': '/',
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
};

/**
 * Printable ASCII only: accents stripped (é → e), full-width forms folded (ＡＢＣ → ABC), common
 * symbols spelled out (¥ → JPY, — → -), line breaks and control characters turned into spaces, and
 * anything else (e.g. Japanese text) dropped.
 */
export function asciiSafe(text: string): string {
  const folded = oneLine(text)
    .replace(/[^\x20-\x7e]/g, (char) => TRANSLITERATION[char] ?? char)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '');
  return folded
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** "[critical] soracom-fleet: 104.2% of JPY 30,000 (actual) - soracom-jp", shortened to fit. */
export function renderSubject(alert: Alert): string {
  const head = `[${alert.severity}] `;
  const budget = asciiSafe(alert.budget) || 'budget';
  const summary = asciiSafe(summaryPhrase(alert, 'code'));
  const accounts = alert.accounts.map(asciiSafe).filter(Boolean);
  const lead = `${head}${budget}: ${summary}`;
  const budgetRoom = SUBJECT_MAX_LENGTH - `${head}: ${summary}`.length;
  const candidates = [
    accounts.length ? `${lead} - ${accounts.join(',')}` : lead,
    accounts.length > 1 ? `${lead} - ${accounts[0]} +${accounts.length - 1}` : lead,
    lead,
    budgetRoom >= 12 ? `${head}${clip(budget, budgetRoom, '...')}: ${summary}` : lead,
  ];
  const fitting = candidates.find((subject) => subject.length <= SUBJECT_MAX_LENGTH);
  return fitting ?? clip(lead, SUBJECT_MAX_LENGTH, '...');
}
