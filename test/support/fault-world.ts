/**
 * The reliability suites' world: one loopback simulator per account with a steady daily spend, the
 * account's config (credentials as env: references to planted secrets), and fault injectors for what
 * sits around the engine (an ObjectStore that fails on demand, a publisher that stops a run after its
 * claim). Injectors wrap the real adapters; nothing of the code under test is replaced.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { CloudflareSimulator, dailyUsage } from '../../dev/simulators/cloudflare.ts';
import { FastlySimulator } from '../../dev/simulators/fastly.ts';
import { KillBillSimulator } from '../../dev/simulators/killbill.ts';
import { Simulator } from '../../dev/simulators/kit.ts';
import { SoracomSimulator } from '../../dev/simulators/soracom.ts';
import type { ObjectStore, StoredObject } from '../../lib/state/store.ts';
import { daysInMonth, pad } from '../../lib/time/zoned.ts';

export const PROVIDER_NAMES = ['soracom', 'fastly', 'cloudflare', 'killbill'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What one account spends (or uses) each day, in its budget's unit. */
const DAILY: Record<ProviderName, number> = {
  soracom: 1000,
  fastly: 100,
  cloudflare: 100,
  killbill: 1000,
};
/** Budgets are 28 days of spend: 50 % falls on day 14, 80 % on day 23, the forecast passes 100 % early. */
const BUDGET_DAYS = 28;

export interface AccountRig {
  provider: ProviderName;
  id: string;
  sim: Simulator;
  /** The account's entry under `accounts:` (YAML flow mapping). */
  account: string;
  /** A budget on this account (28 days of the default spend unless `amount` says otherwise). */
  budget(name: string, thresholds: string, amount?: number): string;
  /** Environment the account's env: references resolve from. */
  env: Record<string, string>;
  /** Every credential value planted for this account: none may ever appear in output. */
  secrets: string[];
  /** The time zone whose calendar days the provider bills by. */
  timeZone: string;
  /** Changes what the provider reports for one day (yyyy-mm-dd) from now on: a late correction. */
  setSpend(day: string, amount: number): void;
  /** The endpoint the figure comes from, and one more the read needs (a partial read must not count). */
  primary: string | RegExp;
  secondary: string | RegExp;
  stop(): Promise<void>;
}

type Spend = (day: string) => number;

export interface AccountOptions {
  /** Spend per day (yyyy-mm-dd); DAILY[provider] every day by default. */
  spend?: Spend;
  /** The months ("2026-11") scripted; Fastly also gets a closed October, its currency's source. */
  months?: string[];
  /** More fields of the account's config entry, e.g. "timeZone: America/New_York". */
  fields?: string;
}

/** Starts a simulator of `provider` for account `id`, with the account's config and credentials. */
export async function startAccount(
  provider: ProviderName,
  id: string,
  now: () => Date,
  { spend = () => DAILY[provider], months = ['2026-11'], fields = '' }: AccountOptions = {},
): Promise<AccountRig> {
  const tag = id.replace(/[^a-z0-9]/gi, '').toUpperCase();
  const planted = (what: string) => `planted-${what}-${id}-Zq7x9`;
  const env: Record<string, string> = {};
  const secret = (name: string, value: string) => {
    env[`${tag}_${name}`] = value;
    return `env:${tag}_${name}`;
  };
  const daysOf = (month: string) => {
    const [year, mon] = month.split('-').map(Number) as [number, number];
    return Array.from({ length: daysInMonth(year, mon) }, (_, i) => `${month}-${pad(i + 1)}`);
  };
  const scripted = months.flatMap(daysOf);
  const budgetOf =
    (unit: string) =>
    (name: string, thresholds: string, amount = DAILY[provider] * BUDGET_DAYS) =>
      `{ name: ${name}, account: ${id}, amount: ${amount}, ${unit}, thresholds: ${thresholds} }`;

  switch (provider) {
    case 'soracom': {
      const keyId = planted('authkeyid');
      const key = planted('authkey');
      const sim = new SoracomSimulator({
        authKeys: { [keyId]: key },
        now,
        daily: Object.fromEntries(scripted.map((day) => [day.replaceAll('-', ''), spend(day)])),
      });
      await sim.start();
      const refs = `{ authKeyId: ${secret('KEY_ID', keyId)}, authKey: ${secret('KEY', key)} }`;
      return rig(sim, {
        account: `{ id: ${id}, provider: soracom, coverage: jp, baseUrl: "${sim.baseUrl}", credentials: ${refs} }`,
        budget: budgetOf('currency: JPY'),
        secrets: [keyId, key],
        timeZone: 'Asia/Tokyo',
        setSpend: (day, amount) => sim.setDay(day.replaceAll('-', ''), amount),
        primary: '/v1/bills/latest',
        secondary: '/v1/bills/202611/daily',
      });
    }
    case 'fastly': {
      const token = planted('fastly-token');
      const charges = (amount: number) => [{ description: 'North America Bandwidth', amount, units: 1000 }];
      const sim = new FastlySimulator({
        apiTokens: [token],
        now,
        daily: Object.fromEntries(
          [...daysOf('2026-10'), ...scripted].map((day) => [day, charges(spend(day))]),
        ),
      });
      await sim.start();
      return rig(sim, {
        account: `{ id: ${id}, provider: fastly, baseUrl: "${sim.url}", credentials: { apiToken: ${secret('TOKEN', token)} } }`,
        budget: budgetOf('currency: USD'),
        secrets: [token],
        timeZone: 'UTC',
        setSpend: (day, amount) => {
          sim.options.daily[day] = charges(amount);
        },
        primary: '/billing/v3/invoices/month-to-date',
        // A side call (the currency): its failure gives a partial reading, not an unreadable account.
        secondary: '/billing/v3/invoices',
      });
    }
    case 'cloudflare': {
      const token = planted('cloudflare-token');
      const accountId = '023e105f4ecef8ad9ca31a8372d0c353';
      const sim = new CloudflareSimulator({
        accountId,
        tokens: [token],
        now,
        usage: dailyUsage(scripted[0]!, scripted.at(-1)!, (day) => ({ 'Workers Standard': spend(day) })),
      });
      await sim.start();
      return rig(sim, {
        account: `{ id: ${id}, provider: cloudflare, accountId: "${accountId}", baseUrl: "${sim.baseUrl}", credentials: { apiToken: ${secret('TOKEN', token)} } }`,
        budget: budgetOf('currency: USD'),
        secrets: [token],
        timeZone: 'UTC',
        setSpend: (day, amount) => {
          sim.options.usage[day] = { 'Workers Standard': amount };
        },
        primary: sim.path('/billable-usage'),
        secondary: sim.path('/billable-usage/info'),
      });
    }
    case 'killbill': {
      const subscriptions = ['365987b2-5443-47e4-a467-c8962fc6995c', '9b1f4c52-6d0e-4f7a-8c3b-2e5d7a9f1c04'];
      const credentials = {
        username: `admin-${id}`,
        password: planted('kb-password'),
        apiKey: `tenant-${id}`,
        apiSecret: planted('kb-apisecret'),
      };
      // Half the calls on each subscription: an account missing one would read as half the usage.
      const perSubscription = () => Object.fromEntries(scripted.map((day) => [day, spend(day) / 2]));
      const sim = new KillBillSimulator({
        ...credentials,
        subscriptions,
        now,
        usage: Object.fromEntries(subscriptions.map((s) => [s, { 'api-calls': perSubscription() }])),
      });
      await sim.start();
      const refs = Object.entries(credentials)
        .map(([key, value]) => `${key}: ${secret(key.toUpperCase(), value)}`)
        .join(', ');
      return rig(sim, {
        account: `{ id: ${id}, provider: killbill, baseUrl: "${sim.url}", subscriptions: [${subscriptions.join(', ')}], credentials: { ${refs} } }`,
        budget: budgetOf('unit: api-calls'),
        secrets: [
          credentials.password,
          credentials.apiSecret,
          Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'),
        ],
        timeZone: 'UTC',
        setSpend: (day, amount) => {
          for (const s of subscriptions) sim.options.usage[s]!['api-calls']![day] = amount / 2;
        },
        primary: `/1.0/kb/usages/${subscriptions[0]}`,
        secondary: `/1.0/kb/usages/${subscriptions[1]}`,
      });
    }
  }

  function rig(
    sim: Simulator,
    parts: Pick<
      AccountRig,
      'account' | 'budget' | 'secrets' | 'timeZone' | 'setSpend' | 'primary' | 'secondary'
    >,
  ): AccountRig {
    const account = fields ? parts.account.replace(/ }$/, `, ${fields} }`) : parts.account;
    return { provider, id, sim, env, ...parts, account, stop: () => sim.stop() };
  }
}

/** A config of `accounts` with one budget each, named `<account id>-budget`. */
export function configFor(accounts: AccountRig[], thresholds: string, extra = ''): string {
  return [
    'accounts:',
    ...accounts.map((a) => `  - ${a.account}`),
    'budgets:',
    ...accounts.map((a) => `  - ${a.budget(`${a.id}-budget`, thresholds)}`),
    extra,
  ].join('\n');
}

/** An error shaped as the S3 SDK throws it (a 5xx the SDK gave up retrying). */
function s3Failure(operation: string): S3ServiceException {
  return new S3ServiceException({
    name: 'InternalError',
    $fault: 'server',
    $metadata: { httpStatusCode: 500, attempts: 3 },
    message: `We encountered an internal error (${operation}). Please try again.`,
  });
}

export type StoreOperation = 'get' | 'createIfAbsent' | 'replaceIfVersion' | 'put' | 'list' | 'delete';

/**
 * An ObjectStore that fails the operations a test names (on keys it selects) while a fault is on,
 * and can let another writer act just before a conditional write: S3 outages and races on demand.
 */
export class FaultyStore implements ObjectStore {
  private failing: { operations: Set<StoreOperation>; keys: (key: string) => boolean } | undefined;
  /** Runs once before the next conditional write whose key it selects (a second writer). */
  private interloper:
    | { keys: (key: string) => boolean; act: (key: string, body: string) => Promise<void> }
    | undefined;
  readonly failures: { operation: StoreOperation; key: string }[] = [];

  constructor(readonly inner: ObjectStore) {}

  fail(operations: StoreOperation[], keys: (key: string) => boolean = () => true): void {
    this.failing = { operations: new Set(operations), keys };
  }

  heal(): void {
    this.failing = undefined;
  }

  beforeNextWrite(keys: (key: string) => boolean, act: (key: string, body: string) => Promise<void>): void {
    this.interloper = { keys, act };
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.guard('get', key, () => this.inner.get(key));
  }

  createIfAbsent(key: string, body: string): Promise<boolean> {
    return this.guard('createIfAbsent', key, () => this.inner.createIfAbsent(key, body), body);
  }

  replaceIfVersion(key: string, body: string, version: string): Promise<boolean> {
    return this.guard('replaceIfVersion', key, () => this.inner.replaceIfVersion(key, body, version), body);
  }

  put(key: string, body: string): Promise<void> {
    return this.guard('put', key, () => this.inner.put(key, body));
  }

  delete(key: string): Promise<void> {
    return this.guard('delete', key, () => this.inner.delete(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.guard('list', prefix, () => this.inner.list(prefix));
  }

  private async guard<T>(
    operation: StoreOperation,
    key: string,
    run: () => Promise<T>,
    body = '',
  ): Promise<T> {
    if (this.failing?.operations.has(operation) && this.failing.keys(key)) {
      this.failures.push({ operation, key });
      throw s3Failure(
        operation === 'get' || operation === 'list'
          ? 'GetObject'
          : operation === 'delete'
            ? 'DeleteObject'
            : 'PutObject',
      );
    }
    const interloper = this.interloper;
    if (
      interloper &&
      (operation === 'createIfAbsent' || operation === 'replaceIfVersion') &&
      interloper.keys(key)
    ) {
      this.interloper = undefined;
      await interloper.act(key, body);
    }
    return run();
  }
}

/** Waits nothing but records what was asked: "waited at least the Retry-After" without the wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    sleep: async (ms) => {
      asked.push(ms);
    },
  };
}

/** Every planted value in the forms it could leak in: as is and URL-encoded. */
export function leakForms(secrets: string[]): string[] {
  return [...new Set(secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]))];
}

/** The planted values found in `texts` (empty when nothing leaked). */
export function leaksIn(texts: Iterable<string>, forms: string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) for (const form of forms) if (text.includes(form)) found.add(form);
  return [...found];
}

/**
 * A loopback hop in front of a real service (fauxqs): forwards every request as it came, so faults
 * queued with `inject` (throttling answers, resets) reach the real SDK client from the network.
 */
export class ForwardingSimulator extends Simulator {
  constructor(target: string) {
    super('forward', async (request) => {
      const headers = Object.entries(request.headers).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0]),
      );
      const query = request.query.toString();
      const reply = await fetch(`${target}${request.path}${query ? `?${query}` : ''}`, {
        method: request.method,
        headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.rawBody,
      });
      return {
        status: reply.status,
        raw: await reply.text(),
        headers: { 'content-type': reply.headers.get('content-type') ?? 'text/xml' },
      };
    });
  }
}

/** SNS's answer to a throttled Publish (AWS query protocol). */
export const SNS_THROTTLED = {
  kind: 'raw',
  status: 400,
  contentType: 'text/xml',
  text: '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>5f6c1d7e-0000-4000-8000-000000000000</RequestId></ErrorResponse>',
} as const;
