/**
 * Every sentence a person reads about an alert, worded in one place so the headline built with the
 * alert and each channel's rendering of it (SNS subject, email text, Slack) say the same thing the
 * same way. Pure functions of the evaluation or of the alert; channels add only layout and markup.
 */
import { type BudgetStatus, type Crossing, measuredSpend } from '../budgets/status.ts';
import { decimal, isDecimalText } from '../money/index.ts';
import type { MissingPart, ReadPart } from '../spend/index.ts';
import { oneLine } from '../text/one-line.ts';
import { localDateKey } from '../time/zoned.ts';
import type { Alert, AlertAction } from './alert.ts';
import { type CurrencyDisplay, formatAmount, formatLocal, formatPercent } from './format.ts';

/** What the alert says of the account's health (the tracker's record, or anything shaped like it). */
export interface MonitoringChange {
  kind: 'gap' | 'recovered';
  health: { account: string; failingSince?: string; okSince?: string; lastError?: string };
}

/** How a channel writes an amount in the alert's unit (formatted, and escaped for its markup). */
export type AmountWriter = (value: string) => string;

/** Cost budgets spend, usage budgets (API calls, GB...) use: the words follow the measure. */
export function measureWords(subject: { measure: 'cost' | 'usage' }): {
  noun: string;
  past: string;
  label: string;
  /** Heading of a column of amounts. */
  column: string;
} {
  return subject.measure === 'usage'
    ? { noun: 'usage', past: 'used', label: 'Used', column: 'Used' }
    : { noun: 'spend', past: 'spent', label: 'Spent', column: 'Cost' };
}

// Worded when the alert is built (from the evaluation).

/** The line a person reads first about one crossing of an evaluated budget. */
export function crossingHeadline(
  status: BudgetStatus,
  crossing: Crossing,
  event: 'crossed' | 'back-under',
): string {
  const { budget } = status;
  const money = (value: Parameters<typeof formatAmount>[0]) => formatAmount(value, budget.measureUnit);
  const ofBudget = `${money(measuredSpend(status))} of ${money(budget.amount)} (${formatPercent(status.percent)})`;
  const { past } = measureWords(budget);
  if (event === 'back-under') {
    return `${budget.name}: forecast is back under its ${crossing.written} threshold (${money(crossing.observed)} projected; ${ofBudget} ${past})`;
  }
  if (crossing.resource) {
    const r = crossing.resource;
    const tags =
      r.tags && Object.keys(r.tags).length
        ? ` (${Object.entries(r.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`
        : '';
    const when = r.date ? `on ${r.date}` : 'this period';
    const own =
      r.amountFrom === 'tag'
        ? ` (its ${budget.perResource?.amountTag})`
        : r.amountFrom === 'config'
          ? ' (set for it in the config)'
          : '';
    return `${budget.name}: ${r.name ? `${r.name} (${r.id})` : r.id}${tags} ${past} ${money(r.value)} ${when}, over the ${crossing.written} per-resource budget of ${money(r.amount)}${own}; ${r.shareOfBill}% of the whole bill`;
  }
  switch (crossing.basis) {
    case 'actual':
      return `${budget.name} has ${past} ${ofBudget}, crossing its ${crossing.written} threshold`;
    case 'forecast':
      return `${budget.name} is forecast to reach ${money(crossing.observed)} by period end, crossing its forecast ${crossing.written} threshold (${ofBudget} so far)`;
    case 'pace':
      return `${budget.name} is ${formatPercent(crossing.observed)} ahead of a straight-line burn (pace threshold ${crossing.written}; ${ofBudget} ${past})`;
    case 'anomaly': {
      const finding = crossing.anomaly!;
      return `${budget.name} ${past} ${money(finding.amount)} on ${finding.date}, far above its usual ${money(finding.baseline)} a day`;
    }
  }
}

/** The further lines of a crossing: the period, pace, the resource's share, the anomaly's baseline. */
export function crossingDetails(status: BudgetStatus, crossing: Crossing): string[] {
  const lines: string[] = [];
  const tz = status.timeZone;
  const money = (value: Parameters<typeof formatAmount>[0]) => formatAmount(value, status.budget.measureUnit);
  lines.push(
    `Period ${localDateKey(status.periodStart, tz)} to ${localDateKey(new Date(status.periodEnd.getTime() - 1), tz)} (${tz}); provider figure as of ${formatLocal(status.asOf, tz)}`,
  );
  if (status.pace) {
    const { expected, aheadPercent, fixed } = status.pace;
    const burn = fixed
      ? `${money(fixed.round(2))} of fixed charges plus a straight-line burn of the rest expect`
      : 'Straight-line burn expects';
    lines.push(`${burn} ${money(expected.round(2))} by now (${formatPercent(aheadPercent)} vs pace)`);
  }
  if (crossing.resource) {
    const others = status.contributors.filter(
      (c) => c.kind === 'resource' && !c.name.includes(crossing.resource!.id),
    );
    lines.push(
      `${crossing.resource.id} is ${crossing.resource.shareOfBill}% of the whole bill (${money(
        status.accounts.reduce((sum, a) => sum.plus(a.spend.BilledCost?.amount ?? 0), decimal(0)),
      )})`,
    );
    if (others.length > 0)
      lines.push(`Next largest: ${others.map((c) => `${c.name} ${money(c.cost)}`).join(', ')}`);
  }
  if (crossing.anomaly) {
    const a = crossing.anomaly;
    lines.push(
      `Baseline: median of the previous ${a.baselineDays} days ${money(a.baseline)}, robust spread ${money(a.spread.round(2))}; this day is ${a.score === Number.POSITIVE_INFINITY ? 'infinitely many' : a.score} spreads above`,
    );
  }
  if (status.stale)
    lines.push(
      `The provider figure is older than ${status.budget.staleAfterHours} h: forecasts are paused until it refreshes`,
    );
  for (const { accountId, spend } of status.accounts) {
    for (const missing of spend.missing ?? []) lines.push(partialReadingLine(accountId, missing));
  }
  return lines;
}

const PART_NAMES: Record<ReadPart, string> = {
  breakdown: 'breakdown',
  usage: 'usage quantities',
  daily: 'daily series',
  resourceDays: 'per-resource days',
  currency: "provider's statement of its currency",
  billingPeriod: "provider's statement of its billing period",
  resources: 'charges of some resources',
};

/** What the reading goes without when a part is missing. */
const PART_EFFECTS: Record<ReadPart, string> = {
  breakdown: 'contributors may be missing',
  usage: 'usage budgets were not evaluated',
  daily: 'forecasts use elapsed time and anomalies are not checked',
  resourceDays: 'per-resource daily budgets were not evaluated',
  currency: "the currency is the account's setting",
  billingPeriod: 'the billing period is inferred',
  resources: 'budgets on the whole account were not evaluated; per-resource budgets hold the others',
};

/** "breakdown", "daily series": what a reading part is called in a sentence. */
export function partName(part: ReadPart): string {
  return PART_NAMES[part];
}

/** "no breakdown (GET /bills/summaries/sims: HTTP 403: ...); contributors may be missing" */
export function missingPartText(missing: MissingPart): string {
  return `no ${PART_NAMES[missing.part]} (${missing.endpoint}: ${oneLine(missing.reason)}); ${PART_EFFECTS[missing.part]}`;
}

/** The line an alert carries for each part its reading lacks. */
function partialReadingLine(accountId: string, missing: MissingPart): string {
  return `Partial reading of ${accountId}: ${missingPartText(missing)}`;
}

/** The headline of a monitoring gap opened or closed on one account, `hours` long so far. */
export function monitoringHeadline(change: MonitoringChange, provider: string, hours: string): string {
  const account = change.health.account;
  return change.kind === 'gap'
    ? `spendwatch has not been able to read ${provider} account "${account}" for ${hours} h; its budgets are not being checked`
    : `spendwatch reads ${provider} account "${account}" again after a ${hours} h gap; its budgets are checked again`;
}

/** Since when reads fail, the last error and the budgets left unwatched. */
export function monitoringDetails(change: MonitoringChange, since: string, budgets: string[]): string[] {
  const { health } = change;
  return [
    health.okSince
      ? `Failing since ${since}; read fine from ${health.okSince} until then`
      : `Failing since ${since}; never read successfully`,
    ...(health.lastError ? [`Last error: ${health.lastError}`] : []),
    ...(budgets.length ? [`Budgets affected: ${budgets.join(', ')}`] : []),
  ];
}

/** The headline of a budget that cannot be evaluated: the budget, then why. */
export function brokenHeadline(budget: string, reason: string): string {
  return `Budget "${budget}" cannot be evaluated: ${oneLine(reason)}`;
}

/** What the person should know to repair a broken budget. */
export function brokenDetails(accounts: string[]): string[] {
  return [
    `Accounts: ${accounts.join(', ')}`,
    'Until it is fixed, no threshold of this budget can alert; this notice is sent once per period.',
  ];
}

/** The detail line an alert gains when only its top contributors fit SNS's size limit. */
export function contributorsCutDetail(kept: number, total: number): string {
  return `Only the top ${kept} of ${total} contributors are listed: all of them do not fit SNS's 256 KB message limit.`;
}

// Worded when the alert is rendered (from the alert), for every channel.

export function basisLabel(alert: Alert): string {
  const { noun } = measureWords(alert);
  const labels: Record<Alert['basis'], string> = {
    actual: `actual ${noun}`,
    forecast: 'forecast at period end',
    pace: 'pace vs a straight-line burn',
    anomaly: `daily ${noun} anomaly`,
    gap: 'monitoring gap',
  };
  return labels[alert.basis];
}

const isPercent = (written: string) => written.endsWith('%') && isDecimalText(written.slice(0, -1));

/** The threshold as written plus what it means: "100% of budget = ¥30,000", "¥25,000", "20% ahead of pace". */
export function thresholdText(alert: Alert, display: CurrencyDisplay = 'symbol'): string {
  const written = oneLine(alert.threshold);
  if (alert.basis === 'pace') return `${written} ahead of pace`;
  if (alert.basis !== 'actual' && alert.basis !== 'forecast') return written;
  if (isPercent(written)) return `${written} of budget = ${percentLevel(alert, written, display)}`;
  return isDecimalText(written) ? formatAmount(written, alert.unit, display) : written;
}

/** "the 100% threshold", "the ¥25,000 threshold": a threshold named briefly. */
function thresholdName(alert: Alert, display: CurrencyDisplay): string {
  const written = oneLine(alert.threshold);
  return isPercent(written) || !isDecimalText(written) ? written : formatAmount(written, alert.unit, display);
}

/** "the 100% threshold (¥30,000)" or "the ¥25,000 threshold" for spend and forecast thresholds. */
function thresholdPhrase(alert: Alert, display: CurrencyDisplay): string {
  const written = oneLine(alert.threshold);
  if (!isPercent(written)) return `the ${thresholdName(alert, display)} threshold`;
  return `the ${written} threshold (${percentLevel(alert, written, display)})`;
}

/** The amount a percent threshold ("80%") stands for in the alert's budget: "¥24,000". */
function percentLevel(alert: Alert, written: string, display: CurrencyDisplay): string {
  const level = decimal(alert.budgetAmount)
    .times(decimal(written.slice(0, -1)))
    .div(100);
  return formatAmount(level.toFixed(), alert.unit, display);
}

/** observed / budget in percent, or undefined for a zero budget. */
function percentOfBudget(alert: Alert, value: string): string | undefined {
  const budget = decimal(alert.budgetAmount);
  return budget.eq(0) ? undefined : formatPercent(decimal(value).div(budget).times(100).toFixed());
}

/**
 * The short "what happened" after the budget name, for subjects, Slack headers and digests:
 * "104.2% of JPY 30,000 (actual)", "forecast to reach 135.0% of $500.00", "monitoring gap".
 */
export function summaryPhrase(alert: Alert, display: CurrencyDisplay = 'symbol'): string {
  const money = (value: string) => formatAmount(value, alert.unit, display);
  const { noun, past } = measureWords(alert);
  // Monitoring alerts measured nothing (their figures are blank): the budget is formatted only when used.
  const budget = () => money(alert.budgetAmount);
  const ofBudget = (value: string) => {
    const percent = percentOfBudget(alert, value);
    return percent ? `${percent} of ${budget()}` : `${money(value)} (zero budget)`;
  };
  switch (alert.event) {
    case 'action':
      return `${actionOutcomeWords(alert)} (guardrail)`;
    case 'broken':
      return 'cannot be evaluated (budget broken)';
    case 'gap':
      return `no fresh ${noun} figure (monitoring gap)`;
    case 'recovered':
      return `${noun} figures flowing again (recovered)`;
    case 'back-under':
      return `forecast back under ${thresholdName(alert, display)}, now ${ofBudget(alert.observed)}`;
    case 'crossed':
      switch (alert.basis) {
        case 'actual':
          return `${formatPercent(alert.percent)} of ${budget()} (actual)`;
        case 'forecast':
          return `forecast to reach ${ofBudget(alert.observed)}`;
        case 'pace':
          return `${formatPercent(alert.observed)} ahead of pace, ${formatPercent(alert.percent)} of ${budget()} ${past}`;
        case 'anomaly':
          return `unusual day of ${money(alert.observed)} (anomaly)`;
        case 'gap':
          return `no fresh ${noun} figure (monitoring gap)`;
      }
  }
}

/** One sentence on what crossed, for the body of an email or Slack message. */
export function crossingSentence(alert: Alert, display: CurrencyDisplay = 'symbol'): string {
  const money = (value: string) => formatAmount(value, alert.unit, display);
  const { noun } = measureWords(alert);
  const gap = `No fresh ${noun} figure could be read: this budget is not being watched until one arrives.`;
  switch (alert.event) {
    case 'action':
      return alert.action?.reason
        ? `${capitalise(actionOutcomeWords(alert))}: ${oneLine(alert.action.reason)}`
        : `${capitalise(actionOutcomeWords(alert))}.`;
    case 'broken':
      return 'This budget cannot be evaluated, so it is not being watched until the cause below is fixed.';
    case 'gap':
      return gap;
    case 'recovered':
      return `${capitalise(noun)} figures are being read again after a monitoring gap.`;
    case 'back-under':
      return `The period-end forecast (${money(alert.observed)}) fell back under ${thresholdPhrase(alert, display)}.`;
    case 'crossed':
      switch (alert.basis) {
        case 'actual':
          return `Actual ${noun} (${money(alert.observed)}) reached ${thresholdPhrase(alert, display)}.`;
        case 'forecast':
          return `The period-end forecast (${money(alert.observed)}) reached ${thresholdPhrase(alert, display)}.`;
        case 'pace':
          return `${capitalise(noun)} is ${formatPercent(alert.observed)} ahead of a straight-line burn, past the ${oneLine(alert.threshold)} pace threshold.`;
        case 'anomaly':
          return `One day's ${noun} (${money(alert.observed)}) is far above its usual level.`;
        case 'gap':
          return gap;
      }
  }
}

const OUTCOME_WORDS: Record<NonNullable<Alert['action']>['outcome'], string> = {
  executed: 'done',
  failed: 'failed',
  refused: 'refused',
  undone: 'undone',
  'undo-failed': 'undo failed',
};

/** "slow SIM 4401… to s1.minimum: done": what the action notice reports. */
function actionOutcomeWords(alert: Alert): string {
  const action = alert.action;
  return action ? `${oneLine(action.description)}: ${OUTCOME_WORDS[action.outcome]}` : 'guardrail action';
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** Whether the alert is about spend or usage moving (vs. the monitoring itself). */
export function isSpendEvent(alert: Alert): boolean {
  return (alert.event === 'crossed' || alert.event === 'back-under') && alert.basis !== 'gap';
}

/** "¥31,260 (104.2% of budget)": what was spent and how much of the budget that is. */
export function spentOfBudget(alert: Alert, money: AmountWriter): string {
  return `${money(alert.spent)} (${formatPercent(alert.percent)} of budget)`;
}

/** "Spent ¥31,260 of ¥30,000 (104.2%), forecast ¥40,512": the figures on one line. */
export function figuresLine(alert: Alert, money: AmountWriter): string {
  const forecast = alert.forecast ? `, forecast ${money(alert.forecast.amount)}` : '';
  return `${measureWords(alert).label} ${money(alert.spent)} of ${money(alert.budgetAmount)} (${formatPercent(alert.percent)})${forecast}`;
}

/** "the provider's figure was 30 min old when checked", from the age as the channel wrote it. */
export function figureAgeNote(age: string): string {
  return `the provider's figure was ${age} old when checked`;
}

export interface SinceLast {
  threshold: string;
  at: string;
  spentThen: string;
  /** "+¥7,160" or "-¥1,200 (figure revised down)". */
  change: string;
}

export function sinceLast(alert: Alert, display: CurrencyDisplay = 'symbol'): SinceLast | undefined {
  const last = alert.sinceLast;
  if (!last) return undefined;
  const delta = decimal(alert.spent).minus(decimal(last.spent));
  const amount = formatAmount(delta.abs().toFixed(), alert.unit, display);
  return {
    threshold: oneLine(last.threshold),
    at: last.at,
    spentThen: formatAmount(last.spent, alert.unit, display),
    change: delta.lt(0) ? `-${amount} (figure revised down)` : `+${amount}`,
  };
}

/** "+¥7,160 since the 80% alert of <when>", from the parts as the channel wrote them. */
export function sinceLastSentence(change: string, threshold: string, at: string): string {
  return `${change} since the ${threshold} alert of ${at}`;
}

/** "¥40,512" plus how it was made: method and inputs as the engine wrote them. */
export function forecastParts(
  alert: Alert,
  display: CurrencyDisplay = 'symbol',
): { amount: string; method: string; inputs: string } | undefined {
  if (!alert.forecast) return undefined;
  const { amount, method, inputs } = alert.forecast;
  const percent = percentOfBudget(alert, amount);
  return {
    amount: `${formatAmount(amount, alert.unit, display)}${percent ? ` (${percent} of budget)` : ''} at period end`,
    method: oneLine(method),
    inputs: oneLine(inputs),
  };
}

/** "Top contributors (of ¥31,260 spent)"; `strong` marks the heading words in a channel's markup. */
export function contributorsTitle(
  alert: Alert,
  money: AmountWriter,
  strong: (text: string) => string = (text) => text,
): string {
  return `${strong('Top contributors')} (of ${money(alert.spent)} ${measureWords(alert).past})`;
}

/** That more contributors exist than are listed: `full` for email, `brief` for chat. */
export function unlistedContributorsNote(omitted: number, style: 'full' | 'brief'): string {
  return style === 'full'
    ? `... and ${omitted} more (the JSON alert for Lambda/SQS subscribers lists them all)`
    : `… and ${omitted} more, listed in the JSON alert`;
}

/** The email's closing lines: what the dedupKey is for, and who sent it. */
export function provenanceLines(alert: Alert): string[] {
  return [
    `dedupKey: ${oneLine(alert.dedupKey)} (the same key on two messages means the same alert)`,
    `Sent by spendwatch; alert format version ${alert.version}.`,
  ];
}

/** "spendwatch: 3 alerts (1 critical, 1 warning, 1 info)": the title of a digest of one run. */
export function digestTitle(alerts: Alert[]): string {
  const counts = (['critical', 'warning', 'info'] as const)
    .map((severity) => [severity, alerts.filter((a) => a.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
  return `spendwatch: ${alerts.length} alerts (${counts})`;
}

/** That a digest leaves alerts out (Slack's block limit), naming them as the channel wrote them. */
export function digestOverflowNote(left: number, blockLimit: number, names: string): string {
  return `…and ${left} more alerts not shown (Slack allows ${blockLimit} blocks per message): ${names}`;
}

/** The alert's line linking the run's burn-up report: it says how long the link lasts, since it expires. */
export function reportLinkLine(link: { url: string; validForHours: number }): string {
  return `Burn-up report (link valid ${link.validForHours} h): ${link.url}`;
}

const ACTION_STATUS_WORDS: Record<AlertAction['status'], string> = {
  planned: 'planned',
  'awaiting-approval': 'awaiting approval',
  'proposed-only': 'proposed only',
  executed: 'done',
  failed: 'failed',
  refused: 'refused',
  'would-propose': 'would be proposed (dry run)',
  'would-act': 'would be carried out (dry run)',
};

/** One guardrail action of an alert, in words, with the link that approves or undoes it. */
export interface ActionLine {
  text: string;
  link?: { label: 'Approve' | 'Undo'; url: string; until?: string };
}

/** The guardrail actions an alert carries (a crossing's), or the one a notice reports. */
export function actionLines(alert: Alert): ActionLine[] {
  const notice = alert.action;
  if (notice) {
    return [
      {
        text: `${oneLine(notice.description)}: ${OUTCOME_WORDS[notice.outcome]}`,
        ...(notice.undoUrl && { link: { label: 'Undo', url: notice.undoUrl, until: notice.undoExpiresAt } }),
      },
    ];
  }
  return (alert.actions ?? []).map((action) => {
    const what = oneLine(action.description ?? kindWithParams(action));
    const note = action.note ?? action.hold;
    const url = action.approveUrl ?? action.undoUrl;
    const label = action.approveUrl ? 'Approve' : 'Undo';
    return {
      text: `${what}: ${ACTION_STATUS_WORDS[action.status]}${note ? ` (${oneLine(note)})` : ''}${action.id ? ` [${action.id}]` : ''}`,
      ...(url && { link: { label, url, until: action.linkExpiresAt } }),
    };
  });
}

/** "soracom.speedClass (to: s1.minimum)": an action not yet described by its adapter. */
function kindWithParams(action: AlertAction): string {
  const params = Object.entries(action.params).map(([key, value]) => `${key}: ${String(value)}`);
  return params.length > 0 ? `${action.kind} (${params.join(', ')})` : action.kind;
}
