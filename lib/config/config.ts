/**
 * A config as data, whatever its text format: checked against the schema, then across fields
 * (references, duplicates, combinations), and turned into the Config the check runs on. Every problem
 * is reported at once, located by the format's ConfigLocator: the YAML reader (load.ts, the CLI) knows
 * lines and columns, the JSON reader (json.ts, the Lambda functions) the values only.
 */
import type { z } from 'zod';
import { type Budget, MONITORING_BUDGET, parseThreshold } from '../budgets/budget.ts';
import { currencyCode, decimal, ExchangeRates } from '../money/index.ts';
import { providerModule } from '../providers/registry.ts';
import type { AccountBase } from '../providers/types.ts';
import { ConfigError, type ConfigProblem, pathToString } from './errors.ts';
import { type AccountConfig, ConfigSchema, type ParsedConfig } from './schema.ts';

export interface Account extends AccountBase {
  /** Day of the month the account's billing period starts (1 = calendar month). */
  periodStartDay: number;
  /** Read at most this often; runs in between evaluate the last reading. Unset: every run. */
  readEveryMinutes?: number;
  /** Provider-specific fields as parsed, including credential references (never values). */
  settings: AccountConfig;
  credentials: Record<string, string>;
}

export interface Config {
  file: string;
  timeZone: string;
  rates: ExchangeRates;
  accounts: Account[];
  budgets: Budget[];
  /** An account unreadable for this long raises a monitoring-gap alert. */
  gapAfterHours: number;
}

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
  const problems = semanticProblems(result.data).map(({ path, message }) => ({
    file,
    ...locate.field(path),
    path: pathToString(path),
    message,
  }));
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(result.data, file);
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
  return { file, ...field, path: pathToString(path), message: issue.message };
}

function semanticProblems(config: ParsedConfig): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const accountIds = new Set<string>();
  (config.accounts as unknown as AccountConfig[]).forEach((account, i) => {
    if (accountIds.has(account.id))
      problems.push({
        path: ['accounts', i, 'id'],
        message: 'duplicate account id; give each account its own id',
      });
    accountIds.add(account.id);
  });
  problems.push(...chargebackProblems(config.accounts as unknown as AccountConfig[]));
  problems.push(...unreadKillbillProblems(config));
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
    } else if (budget.window === 'day') {
      problems.push({
        path: ['budgets', i, 'window'],
        message: 'window: day needs each: resource (a daily limit per resource)',
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
  });
  return problems;
}

/** A chargeback names the Kill Bill account it records in: it must be one, under accounts. */
function chargebackProblems(accounts: AccountConfig[]): { path: (string | number)[]; message: string }[] {
  const killbillIds = accounts.filter((a) => a.provider === 'killbill').map((a) => a.id);
  const known =
    killbillIds.length > 0 ? `killbill accounts: ${killbillIds.join(', ')}` : 'add one under accounts';
  return accounts.flatMap((account, i) => {
    const target = (account.chargeback as { killbill?: string } | undefined)?.killbill;
    if (target === undefined || killbillIds.includes(target)) return [];
    const named = accounts.find((a) => a.id === target);
    return [
      {
        path: ['accounts', i, 'chargeback', 'killbill'],
        message: named
          ? `account "${target}" is a ${named.provider} account; chargeback records usage in a killbill account (${known})`
          : `no killbill account with id "${target}" (${known})`,
      },
    ];
  });
}

/** A budget reads a Kill Bill account's listed subscriptions: an account it watches must list some. */
function unreadKillbillProblems(config: ParsedConfig): { path: (string | number)[]; message: string }[] {
  const accounts = config.accounts as unknown as AccountConfig[];
  return accounts.flatMap((account, i) => {
    if (account.provider !== 'killbill' || (account.subscriptions as unknown[] | undefined)?.length)
      return [];
    const watching = config.budgets.find((b) => (b.accounts ?? [b.account]).includes(account.id));
    if (!watching) return [];
    return [
      {
        // The field is missing, so the problem points at the account.
        path: ['accounts', i],
        message: `budget "${watching.name}" watches this Kill Bill account, which lists no subscription to read usage for; add subscriptions: [<subscription UUID>, ...]`,
      },
    ];
  });
}

function toConfig(parsed: ParsedConfig, file: string): Config {
  const accounts: Account[] = parsed.accounts.map((raw) => {
    const settings = raw as unknown as AccountConfig;
    const module = providerModule(settings.provider);
    return {
      id: settings.id,
      provider: settings.provider,
      baseUrl: settings.baseUrl,
      timeZone: settings.timeZone ?? module.defaultTimeZone?.(settings) ?? parsed.timeZone,
      periodStartDay: settings.periodStartDay ?? 1,
      readEveryMinutes: settings.readEveryMinutes,
      settings,
      credentials: settings.credentials,
    };
  });
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
      perResource: b.each ? { window: b.window } : undefined,
      thresholds: b.thresholds.map((t) => parseThreshold(t.at, t.basis, t.severity, total)),
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
  };
}
