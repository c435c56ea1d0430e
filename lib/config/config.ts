/**
 * A config as data, whatever its text format: checked against the schema, then across fields
 * (references, duplicates, combinations), and turned into the Config the check runs on. Every problem
 * is reported at once, located by the format's ConfigLocator: the YAML reader (load.ts, the CLI) knows
 * lines and columns, the JSON reader (json.ts, the Lambda functions) the values only.
 */
import * as z from 'zod';
import { type ActionSpec, EVENT_KIND, type GuardrailSettings, kindParts } from '../actions/spec.ts';
import { type Budget, MONITORING_BUDGET, parseThreshold } from '../budgets/budget.ts';
import { groupBy } from '../collections/group-by.ts';
import { currencyCode, decimal, ExchangeRates } from '../money/index.ts';
import {
  accountProblems,
  actuatorKind,
  defaultReadEveryMinutes,
  defaultTimeZone,
  impossibleScope,
  knownCurrency,
  type ProviderAccount,
  type ProviderName,
  providerActionKinds,
  settingsOf,
} from '../providers/registry.ts';
import { ConfigError, type ConfigProblem, pathToString } from './errors.ts';
import { type AccountFields, ConfigSchema, type ParsedConfig } from './schema.ts';
import { strictObject } from './strict.ts';

/** What the config says of every account besides its provider's settings. */
interface AccountOptions {
  /** Day of the month the account's billing period starts (1 = calendar month). */
  periodStartDay: number;
  /** Read at most this often; runs in between evaluate the last reading. Unset: every run. */
  readEveryMinutes?: number;
  /** Credential references (never values), as in the provider's settings. */
  credentials: Record<string, string>;
}

/** An account of provider `N`; its `settings` are that provider's fields as parsed. */
export type AccountOf<N extends ProviderName> = ProviderAccount<N> & AccountOptions;

/** An account of any provider, told apart by `provider` (which narrows `settings`). */
export type Account = AccountOf<ProviderName>;

export interface Config {
  file: string;
  timeZone: string;
  rates: ExchangeRates;
  accounts: Account[];
  budgets: Budget[];
  /** An account unreadable for this long raises a monitoring-gap alert. */
  gapAfterHours: number;
  guardrails: GuardrailSettings;
}

type ParsedAction = ParsedConfig['budgets'][number]['thresholds'][number]['actions'][number];

type Path = (string | number)[];

/** Where a field is in the config's text: its position if the format knows it, and a scalar's value. */
export interface FieldLocation {
  line?: number;
  column?: number;
  /** The value as written (JSON text), for scalars; a whole object or list is located by line instead. */
  value?: string;
}

export interface ConfigLocator {
  /** The field at `path`, or undefined when the document has nothing there. */
  field(path: Path): FieldLocation | undefined;
  /** The position of the key `key` in the object at `path` (an unknown key is pointed at itself). */
  key(path: Path, key: string): Omit<FieldLocation, 'value'>;
}

/** Checks parsed config data (from YAML or JSON) and builds the Config; throws ConfigError listing every problem. */
export function checkConfig(data: unknown, file: string, locate: ConfigLocator): Config {
  const result = ConfigSchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => schemaProblem(issue, file, locate)));
  }
  const parsed = result.data;
  const accounts = parsed.accounts.map((fields) => toAccount(fields, parsed.timeZone));
  const problems = semanticProblems(parsed, accounts).map(({ path, message }) => ({
    file,
    ...locate.field(path),
    path: pathToString(path),
    message,
  }));
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed, accounts, file);
}

function schemaProblem(issue: z.core.$ZodIssue, file: string, locate: ConfigLocator): ConfigProblem {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    const key = String(issue.keys[0]);
    return { file, ...locate.key(path, key), path: pathToString([...path, key]), message: issue.message };
  }
  const field = locate.field(path);
  if (!field) {
    // A missing field: point at its parent object.
    const parent = locate.field(path.slice(0, -1));
    const name = String(path.at(-1) ?? '');
    const generic = /^Invalid input(: expected \w+, received undefined)?$/.test(issue.message);
    return {
      file,
      line: parent?.line,
      column: parent?.column,
      path: pathToString(path),
      message: `required field "${name}" is missing${generic ? '' : `: ${issue.message}`}`,
    };
  }
  return {
    file,
    ...field,
    ...maskedCredential(path, field.value),
    path: pathToString(path),
    message: issue.message,
  };
}

/**
 * What an error may show of a value under `credentials`: those fields hold references, so a value
 * that is not one may be the secret itself, pasted inline. Its first 2 characters and its length tell
 * the author which value is meant; the rest never reaches a terminal or a CI log.
 */
function maskedCredential(path: Path, value: string | undefined): { value?: string } {
  if (value === undefined || !path.includes('credentials')) return {};
  const written: unknown = JSON.parse(value);
  if (typeof written !== 'string') return {};
  const shown = [...written].slice(0, 2).join('');
  return { value: `"${shown}…" (${[...written].length} characters, not shown)` };
}

/** Highest level a threshold may name without `allowUnusual`: ten times the budget. */
const MAX_USUAL_PERCENT = 1000;

/**
 * Why a threshold is probably a typo: at or below zero it is crossed by any spend (or by none), far
 * above the budget it warns too late to matter. Amount thresholds are held to the same bounds.
 */
function unusualThreshold(at: string, amount: string): string | undefined {
  const percent = at.endsWith('%')
    ? decimal(at.slice(0, -1))
    : decimal(amount).gt(0)
      ? decimal(at).div(amount).times(100)
      : undefined;
  if (percent === undefined) return undefined;
  if (percent.lte(0)) return `a threshold at ${at} is crossed by any spend at all`;
  if (percent.gt(MAX_USUAL_PERCENT))
    return `a threshold at ${at} is ${percent.round(0).toFixed()}% of the budget, more than ${MAX_USUAL_PERCENT}%`;
  return undefined;
}

function semanticProblems(config: ParsedConfig, accounts: Account[]): { path: Path; message: string }[] {
  const problems: { path: Path; message: string }[] = [];
  const accountIds = new Set<string>();
  accounts.forEach((account, i) => {
    if (accountIds.has(account.id))
      problems.push({
        path: ['accounts', i, 'id'],
        message: 'duplicate account id; give each account its own id',
      });
    accountIds.add(account.id);
  });
  const budgetsOf = groupBy(config.budgets, (b) => b.accounts ?? (b.account ? [b.account] : []));
  accounts.forEach((account, i) => {
    const budgets = budgetsOf.get(account.id) ?? [];
    for (const { path, message } of accountProblems(account, { accounts, budgets }))
      problems.push({ path: ['accounts', i, ...path], message });
  });
  const accountsById = groupBy(accounts, (account) => [account.id]);
  const names = new Set<string>();
  config.budgets.forEach((budget, i) => {
    if (budget.name === MONITORING_BUDGET) {
      problems.push({
        path: ['budgets', i, 'name'],
        message: `"${MONITORING_BUDGET}" is reserved for monitoring-gap alerts; choose another name`,
      });
    }
    if (names.has(budget.name))
      problems.push({
        path: ['budgets', i, 'name'],
        message: 'duplicate budget name; names key the alert state, so each must be unique',
      });
    names.add(budget.name);
    if (budget.account && budget.accounts) {
      problems.push({
        path: ['budgets', i, 'accounts'],
        message: 'use either "account" (one) or "accounts" (a group), not both',
      });
    } else if (!budget.account && !budget.accounts) {
      problems.push({
        path: ['budgets', i],
        message: `say which account this budget watches: account: ${[...accountIds][0] ?? '<account id>'}`,
      });
    }
    if (!budget.currency && !budget.unit) {
      problems.push({
        path: ['budgets', i],
        message:
          'say what the amount is in: currency: USD (a cost budget) or unit: api-calls (a usage budget)',
      });
    } else if (budget.currency && budget.unit) {
      problems.push({
        path: ['budgets', i, 'unit'],
        message: 'a budget is either cost (currency) or usage (unit), not both',
      });
    }
    budget.thresholds.forEach((t, j) => {
      const unusual = unusualThreshold(t.at, budget.amount);
      if (unusual && !t.allowUnusual)
        problems.push({
          path: ['budgets', i, 'thresholds', j, 'at'],
          message: `${unusual}; if you mean it, add allowUnusual: true to this threshold`,
        });
    });
    if (budget.each) {
      budget.thresholds.forEach((t, j) => {
        if (t.basis !== 'actual') {
          problems.push({
            path: ['budgets', i, 'thresholds', j, 'basis'],
            message:
              'a per-resource budget (each: resource) takes actual thresholds only; remove basis or use a budget without "each"',
          });
        }
      });
      if (budget.anomaly)
        problems.push({
          path: ['budgets', i, 'anomaly'],
          message:
            'anomaly rules apply to a whole budget, not to each resource; move it to a budget without "each"',
        });
    } else {
      if (budget.window === 'day')
        problems.push({
          path: ['budgets', i, 'window'],
          message: 'window: day needs each: resource (a daily limit per resource)',
        });
      for (const field of ['amountTag', 'amounts'] as const)
        if (budget[field] !== undefined)
          problems.push({
            path: ['budgets', i, field],
            message: `${field} gives resources their own amounts, which needs each: resource (every resource held to its amount on its own)`,
          });
    }
    const refs = budget.accounts ?? (budget.account ? [budget.account] : []);
    refs.forEach((ref, j) => {
      if (!accountIds.has(ref)) {
        const path = budget.accounts ? ['budgets', i, 'accounts', j] : ['budgets', i, 'account'];
        problems.push({
          path,
          message: `no account with id "${ref}"; defined: ${[...accountIds].join(', ')}`,
        });
      }
    });
    const watched = [...new Set(refs)].flatMap((ref) => accountsById.get(ref) ?? []);
    budget.thresholds.forEach((t, j) => {
      t.actions.forEach((written, k) => {
        for (const { path, message } of actionProblems(written, budget, watched))
          problems.push({ path: ['budgets', i, 'thresholds', j, 'actions', k, ...path], message });
      });
    });
    problems.push(
      ...budgetReadingProblems(budget, watched, config.rates).map((p) => ({
        ...p,
        path: ['budgets', i, ...p.path],
      })),
    );
  });
  return problems;
}

const eventParams = strictObject({
  bus: z.string().min(1).describe('EventBridge bus name or ARN'),
});

/**
 * What makes an action unable to act: a kind no provider has, a provider action on a budget that is
 * not per resource or watches other providers' accounts, or fields the kind does not take.
 */
function actionProblems(
  written: ParsedAction,
  budget: ParsedConfig['budgets'][number],
  watched: Account[],
): { path: Path; message: string }[] {
  const { do: kind, approval: _approval, allow, ...params } = written;
  const { provider, name } = kindParts(kind);
  const paramProblems = (schema: z.ZodObject) => {
    const result = schema.safeParse(params, { reportInput: true });
    if (result.success) return [];
    return result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return { path: [String(issue.keys[0])], message: issue.message };
      // A missing field is pointed at the action that lacks it, as the schema's own errors are.
      if (issue.input === undefined && issue.path.length > 0)
        return { path: [], message: `required field "${String(issue.path.at(-1))}" is missing for ${kind}` };
      return { path: issue.path as Path, message: issue.message };
    });
  };
  if (kind === EVENT_KIND) {
    return [
      ...paramProblems(eventParams),
      ...(allow
        ? [{ path: ['allow'], message: 'an event action has no target to allow-list; remove allow' }]
        : []),
    ];
  }
  const actuator = provider ? actuatorKind(provider, name) : undefined;
  if (!actuator)
    return [
      {
        path: ['do'],
        message: `no action kind "${kind}"; known: ${[...providerActionKinds(), EVENT_KIND].join(', ')}`,
      },
    ];
  const problems = paramProblems(actuator.params);
  const others = watched.filter((a) => a.provider !== provider);
  if (others.length > 0)
    problems.push({
      path: ['do'],
      message: `${kind} acts on ${provider} accounts, and this budget watches ${others.map((a) => `"${a.id}" (${a.provider})`).join(', ')}; put the action on a budget of ${provider} accounts only`,
    });
  if (!budget.each)
    problems.push({
      path: ['do'],
      message: `${kind} acts on ${actuator.acts}: it needs a budget with each: resource, so that the resource that crossed is known`,
    });
  return problems;
}

/**
 * What makes a budget unable to read its accounts, known before any of them is read: a scope field
 * their provider's readings never carry, or a currency other than the one an account certainly bills
 * in with no rate between them. Either would leave the budget silent for ever.
 */
function budgetReadingProblems(
  budget: ParsedConfig['budgets'][number],
  accounts: Account[],
  rates: ParsedConfig['rates'],
): { path: Path; message: string }[] {
  const problems: { path: Path; message: string }[] = [];
  const fields = Object.entries(budget.scope ?? {})
    .filter(([, value]) => (Array.isArray(value) ? value.length > 0 : Object.keys(value ?? {}).length > 0))
    .map(([field]) => field);
  for (const provider of new Set(accounts.map((a) => a.provider))) {
    for (const { field, message } of impossibleScope(provider, fields))
      problems.push({ path: ['scope', field], message });
    if (budget.amountTag && impossibleScope(provider, ['tags']).length > 0)
      problems.push({
        path: ['amountTag'],
        message: `${provider} readings carry no tags, so no resource would have an amount of its own from amountTag; give amounts by resource id under amounts, or remove amountTag`,
      });
  }
  const rated = (from: string, to: string) =>
    rates.some((r) => (r.from === from && r.to === to) || (r.from === to && r.to === from));
  for (const account of accounts) {
    const billed = knownCurrency(account);
    if (budget.currency && billed && billed !== budget.currency && !rated(billed, budget.currency))
      problems.push({
        path: ['currency'],
        message: `account "${account.id}" bills in ${billed} and this budget is in ${budget.currency}; add a rate under rates: - { from: ${billed}, to: ${budget.currency}, rate: ... }, or budget in ${billed}`,
      });
  }
  return problems;
}

/** An account as the config gives it: its fields checked by the schema, its provider's settings typed. */
function toAccount<N extends ProviderName>(
  fields: AccountFields & { provider: N },
  configTimeZone: string,
): AccountOf<N> {
  const settings = settingsOf(fields);
  return {
    id: fields.id,
    provider: fields.provider,
    baseUrl: fields.baseUrl,
    timeZone: fields.timeZone ?? defaultTimeZone(fields.provider, settings) ?? configTimeZone,
    periodStartDay: fields.periodStartDay,
    readEveryMinutes: fields.readEveryMinutes ?? defaultReadEveryMinutes(fields.provider, settings),
    settings,
    credentials: fields.credentials,
  };
}

function toConfig(parsed: ParsedConfig, accounts: Account[], file: string): Config {
  const budgets: Budget[] = parsed.budgets.map((b) => {
    const total = decimal(b.amount);
    return {
      name: b.name,
      description: b.description,
      accountIds: b.accounts ?? [b.account!],
      measure: b.unit ? 'usage' : 'cost',
      measureUnit: b.unit ?? b.currency!,
      amount: total,
      scope: b.scope ?? {},
      perResource: b.each
        ? {
            window: b.window,
            ...(b.amounts && {
              amounts: new Map(Object.entries(b.amounts).map(([id, value]) => [id, decimal(value)])),
            }),
            ...(b.amountTag && { amountTag: b.amountTag }),
          }
        : undefined,
      thresholds: b.thresholds.map((t) => ({
        ...parseThreshold(t.at, t.basis, t.severity, total),
        ...(t.actions.length > 0 && { actions: t.actions.map(actionSpec) }),
      })),
      anomaly: b.anomaly && { ...b.anomaly, minAmount: decimal(b.anomaly.minAmount) },
      forecastMinDays: b.forecastMinDays,
      staleAfterHours: b.staleAfterHours,
      notifyBackUnder: b.notifyBackUnder,
    };
  });
  const rates = new ExchangeRates(
    parsed.rates.map((r) => ({ from: currencyCode(r.from), to: currencyCode(r.to), rate: decimal(r.rate) })),
  );
  return {
    file,
    timeZone: parsed.timeZone,
    rates,
    accounts,
    budgets,
    gapAfterHours: parsed.monitoring.gapAfterHours,
    guardrails: parsed.guardrails,
  };
}

/** An action as written: `do`, `approval` and `allow`, and the kind's own fields as its params. */
function actionSpec(written: ParsedAction): ActionSpec {
  const { do: kind, approval, allow, ...params } = written;
  return { kind, approval, params, ...(allow && { allow }) };
}
