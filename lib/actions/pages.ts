/**
 * The pages an Approve or Undo link opens. The GET page only shows what will be done and asks to
 * confirm (mail scanners and chat unfurls fetch links: they must never act); the confirm button POSTs.
 */
import { escapeHtml } from '../report/escape.ts';
import type { ActionOutcome } from './guardrails.ts';
import type { ActionRecord } from './records.ts';
import type { LinkOperation } from './token.ts';

export interface Page {
  status: number;
  html: string;
}

const VERB: Record<LinkOperation, string> = { approve: 'Approve', undo: 'Undo' };

/** What confirming will do, with the button that does it. */
export function confirmPage(record: ActionRecord, operation: LinkOperation, token: string): Page {
  const ready =
    operation === 'approve'
      ? record.status === 'proposed' || record.status === 'failed'
      : record.status === 'done';
  const rows: [string, string][] = [
    ['Action', record.description],
    ['Budget', record.alert.budget],
    ['Because', record.alert.headline],
    ['Status', record.status],
    ...(operation === 'undo' && record.before
      ? ([['Puts back', record.before.summary]] as [string, string][])
      : []),
    ...(record.after ? ([['Now', record.after.summary]] as [string, string][]) : []),
  ];
  const form = ready
    ? `<form method="post"><input type="hidden" name="op" value="${operation}"><input type="hidden" name="t" value="${escapeHtml(token)}"><button type="submit">${VERB[operation]}: ${escapeHtml(record.description)}</button></form>
<p class="small">Nothing has been done yet: only the button above acts, once.</p>`
    : `<p>Nothing to ${operation} now: this action is ${escapeHtml(record.status)}.</p>`;
  return {
    status: 200,
    html: layout(`${VERB[operation]} a guardrail action?`, `${table(rows)}\n${form}`),
  };
}

/** What approving or undoing came to. */
export function outcomePage(outcome: ActionOutcome): Page {
  const record = outcome.record;
  const rows: [string, string][] = record
    ? [
        ['Action', record.description],
        ['Budget', record.alert.budget],
        ...(record.before ? ([['Before', record.before.summary]] as [string, string][]) : []),
        ...(record.after ? ([['After', record.after.summary]] as [string, string][]) : []),
      ]
    : [];
  switch (outcome.result) {
    case 'executed':
      return {
        status: 200,
        html: layout('Done', `${table(rows)}\n<p>The Undo link is in the notice that was just sent.</p>`),
      };
    case 'undone':
      return { status: 200, html: layout('Undone', table(rows)) };
    case 'failed':
    case 'undo-failed':
      return {
        status: 502,
        html: layout(
          outcome.result === 'failed' ? 'It failed' : 'Undo failed',
          `${table(rows)}\n${reason(outcome.reason)}`,
        ),
      };
    case 'refused':
      return { status: 403, html: layout('Refused', `${table(rows)}\n${reason(outcome.reason)}`) };
    case 'unchanged':
      return { status: 409, html: layout('Nothing done', `${table(rows)}\n${reason(outcome.reason)}`) };
  }
}

/** A link that cannot be used, and why: expired, altered, incomplete, or for another deployment. */
export function refusedLinkPage(status: number, why: string): Page {
  return {
    status,
    html: layout(
      'This link cannot be used',
      `${reason(why)}\n<p class="small">Nothing was done. Ask for a new link with <code>spendwatch actions list</code>, or act with <code>spendwatch actions approve ID</code>.</p>`,
    ),
  };
}

function reason(text: string): string {
  return `<p class="reason">${escapeHtml(capitalise(text))}.</p>`;
}

function table(rows: [string, string][]): string {
  if (rows.length === 0) return '';
  const body = rows.map(
    ([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
  );
  return `<table>${body.join('')}</table>`;
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>spendwatch: ${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
th{text-align:left;padding:.25rem 1rem .25rem 0;vertical-align:top;white-space:nowrap}td{padding:.25rem 0}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#0b5cad;color:#fff;cursor:pointer}
.reason{background:#fff4e5;padding:.6rem;border-radius:.4rem}.small{color:#555;font-size:.9rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
