/**
 * Loopback Soracom API following soracom-api.en.yaml (../shared/specs/soracom): POST /auth, GET
 * /bills/latest, /bills, /bills/{yyyyMM}, /bills/{yyyyMM}/daily, with key+token checks. Spend is
 * scripted as amounts per local day; what the API reports depends on the simulator's clock.
 */
import { randomUUID } from 'node:crypto';
import { daysInMonth, pad, toLocal } from '../../lib/time/zoned.ts';
import { type Fault, json, type SimReply, type SimRequest, Simulator } from './kit.ts';

export interface SoracomSimOptions {
  authKeys: Record<string, string>;
  currency?: 'JPY' | 'USD' | 'EUR';
  /** The coverage's billing time zone: Asia/Tokyo for Japan, UTC for Global. */
  timeZone?: string;
  now: () => Date;
  /** Amount charged per local day, keyed "yyyyMMdd". */
  daily?: Record<string, number>;
  /** Monthly fees (not in the daily series), keyed "yyyyMM". */
  monthly?: Record<string, number>;
}

export class SoracomSimulator extends Simulator {
  readonly options: Required<SoracomSimOptions>;
  private readonly tokens = new Map<string, string>(); // apiKey -> token

  constructor(options: SoracomSimOptions) {
    super('soracom', (request) => this.answer(request));
    this.options = { currency: 'JPY', timeZone: 'Asia/Tokyo', daily: {}, monthly: {}, ...options };
  }

  /** Base URL as the client expects it (the API is served under /v1). */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** Invalidates every issued token, as their 24 h expiry would. */
  expireTokens(): void {
    this.tokens.clear();
  }

  setDay(yyyymmdd: string, amount: number): void {
    this.options.daily[yyyymmdd] = amount;
  }

  /** 429 as Soracom sends it, with its rate-limit headers. */
  static rateLimited(secondsBeforeRefresh: number): Fault {
    return {
      kind: 'status',
      status: 429,
      headers: {
        'X-Soracom-Ratelimit-Limit': '100',
        'X-Soracom-Ratelimit-Remaining': '0',
        'X-Soracom-Ratelimit-Seconds-Before-Refresh': String(secondsBeforeRefresh),
      },
      body: { code: 'COM0013', message: 'Too many requests' },
    };
  }

  private answer(request: SimRequest): SimReply {
    const path = request.path.replace(/^\/v1/, '');
    if (request.method === 'POST' && path === '/auth') return this.auth(request);
    const apiKey = String(request.headers['x-soracom-api-key'] ?? '');
    if (!apiKey || this.tokens.get(apiKey) !== request.headers['x-soracom-token']) {
      return json(401, { code: 'AUM0002', message: 'Invalid API key or token' });
    }
    if (request.method !== 'GET') return json(405, { code: 'COM0001', message: 'Method not allowed' });
    if (path === '/bills/latest') return this.latest();
    if (path === '/bills')
      return json(200, { billList: this.closedMonths().map((m) => this.monthlyBill(m)) });
    const daily = /^\/bills\/(\d{6})\/daily$/.exec(path);
    if (daily) return this.dailyBills(daily[1]!);
    const month = /^\/bills\/(\d{6})$/.exec(path);
    if (month) {
      const total = this.monthTotal(month[1]!);
      return total === undefined
        ? json(404, { code: 'BIL0001', message: 'Bill not found' })
        : json(200, this.monthlyBill(month[1]!));
    }
    return json(404, { code: 'COM0002', message: `No route for ${path}` });
  }

  private auth(request: SimRequest): SimReply {
    const body = request.body as { authKeyId?: string; authKey?: string } | undefined;
    if (!body?.authKeyId || this.options.authKeys[body.authKeyId] !== body.authKey) {
      return json(401, { code: 'AUM0001', message: 'Authentication failed' });
    }
    const apiKey = `api-${randomUUID()}`;
    const token = `${randomUUID()}${randomUUID()}`.replaceAll('-', '');
    this.tokens.set(apiKey, token);
    return json(200, { apiKey, operatorId: 'OP0012345678', token });
  }

  private latest(): SimReply {
    const now = this.options.now();
    const local = toLocal(now, this.options.timeZone);
    const month = `${local.year}${pad(local.month)}`;
    // Soracom re-evaluates the preliminary bill periodically; the figure is as of the last full hour.
    const evaluated = `${month}${pad(local.day)}${pad(local.hour)}0000`;
    return json(200, {
      amount: this.monthTotal(month) ?? 0,
      currency: this.options.currency,
      lastEvaluatedTime: evaluated,
    });
  }

  private dailyBills(month: string): SimReply {
    const days = this.daysOf(month);
    if (days.length === 0 && month > this.currentMonth())
      return json(404, { code: 'BIL0001', message: 'Bill not found' });
    const billList = days
      .sort((a, b) => b.localeCompare(a)) // newest first, as in the spec's example
      .map((date) => ({ amount: this.options.daily[date]!, currency: this.options.currency, date }));
    return json(200, { billList });
  }

  /** Days of `month` with a charge, up to and including today (the future has not happened). */
  private daysOf(month: string): string[] {
    const today = this.today();
    return Object.keys(this.options.daily).filter((date) => date.startsWith(month) && date <= today);
  }

  private monthTotal(month: string): number | undefined {
    if (month > this.currentMonth()) return undefined;
    const days = this.daysOf(month);
    const fixed = this.options.monthly[month] ?? 0;
    // Sum in integer hundredths: the simulator stands in for Soracom's own exact ledger.
    const cents = days.reduce(
      (sum, d) => sum + Math.round(this.options.daily[d]! * 100),
      Math.round(fixed * 100),
    );
    return cents / 100;
  }

  private monthlyBill(month: string) {
    const closed = month < this.currentMonth();
    return {
      amount: this.monthTotal(month) ?? 0,
      currency: this.options.currency,
      paymentStatus: closed ? 'paid' : 'lessThanMinimumCharge',
      state: closed ? 'closed' : 'temporary',
      yearMonth: month,
    };
  }

  private closedMonths(): string[] {
    const current = this.currentMonth();
    const months = new Set(Object.keys(this.options.daily).map((d) => d.slice(0, 6)));
    for (const m of Object.keys(this.options.monthly)) months.add(m);
    return [...months]
      .filter((m) => m < current)
      .sort((a, b) => b.localeCompare(a))
      .slice(0, 18);
  }

  private currentMonth(): string {
    return this.today().slice(0, 6);
  }

  private today(): string {
    const local = toLocal(this.options.now(), this.options.timeZone);
    return `${local.year}${pad(local.month)}${pad(local.day)}`;
  }
}

/** Fills `daily` with `amountFor(day)` for each day of a month (yyyyMM), for spend curves. */
export function monthOfDays(month: string, amountFor: (day: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  const days = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(4, 6)));
  for (let day = 1; day <= days; day++) out[`${month}${pad(day)}`] = amountFor(day);
  return out;
}
