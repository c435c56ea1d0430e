import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
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

export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found; pass --config with the path of your spendwatch.yaml'
        : (error as Error).message;
    throw new ConfigError([{ file: path, path: '(file)', message: reason }]);
  }
  return parseConfig(text, basename(path));
}

/** Parses and checks a config; every problem found is reported at once, each with its location. */
export function parseConfig(text: string, file = 'spendwatch.yaml'): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) =>
    offset === undefined
      ? {}
      : { line: lineCounter.linePos(offset).line, column: lineCounter.linePos(offset).col };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        file,
        ...at(error.pos[0]),
        path: '(yaml)',
        message: `${error.message.split('\n')[0]}; fix the YAML syntax here`,
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // The yaml library refuses documents whose aliases expand exponentially ("billion laughs").
    throw new ConfigError([
      {
        file,
        path: '(yaml)',
        message: `${(error as Error).message}; write the values out instead of aliasing`,
      },
    ]);
  }
  const result = ConfigSchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => schemaProblem(issue, doc, file, at)));
  }
  const problems = semanticProblems(result.data).map(({ path, message }) => {
    const node = doc.getIn(path, true) as Node | undefined;
    return { file, ...at(node?.range?.[0]), path: pathToString(path), value: valueText(node), message };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(result.data, file);
}

type Locate = (offset: number | undefined) => { line?: number; column?: number };

function schemaProblem(
  issue: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  file: string,
  at: Locate,
): ConfigProblem {
  const path = issue.path as (string | number)[];
  let node = doc.getIn(path, true) as Node | undefined;
  let fieldPath = path;
  if (issue.code === 'unrecognized_keys') {
    // Point at the unknown key itself, not at the object holding it.
    const holder = doc.getIn(path, true) ?? doc.contents;
    const key = String(issue.keys[0]);
    const pair = isMap(holder)
      ? holder.items.find((item) => isScalar(item.key) && String(item.key.value) === key)
      : undefined;
    node = pair?.key as Node | undefined;
    fieldPath = [...path, key];
    return { file, ...at(node?.range?.[0]), path: pathToString(fieldPath), message: issue.message };
  }
  if (!node) {
    // A missing field: point at its parent object.
    const parent = doc.getIn(path.slice(0, -1), true) as Node | undefined;
    const field = String(path.at(-1) ?? '');
    const generic = /^Invalid input(: expected \w+, received undefined)?$/.test(issue.message);
    return {
      file,
      ...at(parent?.range?.[0]),
      path: pathToString(path),
      message: `required field "${field}" is missing${generic ? '' : `: ${issue.message}`}`,
    };
  }
  return {
    file,
    ...at(node.range?.[0]),
    path: pathToString(fieldPath),
    value: valueText(node),
    message: issue.message,
  };
}

/** The value as written, for scalars; a whole object or list is located by its line instead. */
function valueText(node: Node | undefined): string | undefined {
  return node && isScalar(node) ? JSON.stringify(node.value) : undefined;
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
      unit: b.unit ?? b.currency!,
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
