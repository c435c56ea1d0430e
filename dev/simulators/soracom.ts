/**
 * Loopback Soracom API following Soracom's own definition (../shared/specs/official/soracom/
 * soracom-api.en.yaml): POST /auth, GET /bills/latest, /bills, /bills/{yyyyMM}, /bills/{yyyyMM}/daily,
 * /bills/summaries/{bill_items,sims}, POST /bills/{latest,yyyyMM}/export, GET /files/exported/{id},
 * with key+token checks, SAM permissions, and the presigned download of the exported CSV. Spend is
 * scripted as amounts per local day; what the API reports depends on the simulator's clock.
 *
 * SIMs (the guardrail actions' API): GET /sims/{sim_id}, GET /subscribers/{imsi}, and POST
 * /sims/{sim_id}/{update_speed_class,set_to_standby,activate,deactivate,suspend}, which change the
 * seeded SIMs and keep the change, so a test sees a SIM slowed and restored.
 *
 * Nothing in the definition's bill, Sim and Subscriber schemas is required, so the bodies can be sent
 * in any shape it allows (`omit`, `nulls`, `extraFields`, any `currency`), switchable per test through
 * `options`.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { decimal } from '../../lib/money/index.ts';
import { SPEED_CLASSES as DOCUMENTED_SPEED_CLASSES } from '../../lib/providers/soracom/actuators.ts';
import { SORACOM_CSV_DEVICE_COLUMNS } from '../../lib/providers/soracom/billing-csv/parser/index.ts';
import { daysInMonth, pad, toLocal } from '../../lib/time/zoned.ts';
import { type Fault, json, type SimReply, type SimRequest, Simulator } from './kit.ts';

export interface SoracomSimOptions {
  authKeys: Record<string, string>;
  /** The bills' currency: JPY, USD or EUR as the definition lists, or any other text to test readers. */
  currency?: string;
  /**
   * Fields left out of every billing body and the sign-in's wherever they occur, e.g. ["currency"],
   * ["lastEvaluatedTime"], ["operatorId"].
   */
  omit?: string[];
  /** Fields sent as null in every billing body and the sign-in's wherever they occur. */
  nulls?: string[];
  /** Every object of every billing body gains fields the definition does not know (a newer API). */
  extraFields?: boolean;
  /**
   * The SAM user's allowed APIs ("Billing:getLatestBilling", "Billing:*"), as in a permission
   * statement; any other API answers 403. Default ["*"]: the root user.
   */
  allowedApis?: string[];
  /** /bills/latest serves the figure evaluated this long ago (Soracom re-evaluates periodically). */
  evaluationLagMinutes?: number;
  /** The coverage's billing time zone: Asia/Tokyo for Japan, UTC for Global. */
  timeZone?: string;
  now: () => Date;
  /** Amount charged per local day, keyed "yyyyMMdd". */
  daily?: Record<string, number>;
  /** Monthly fees (not in the daily series), keyed "yyyyMM". */
  monthly?: Record<string, number>;
  /** "COSTS BY SERVICE" per month, keyed "yyyyMM" (served for the last 4 months). */
  billItems?: Record<string, BillItemCost[]>;
  /** "COSTS PER SIM" per month, keyed "yyyyMM" (served for the last 4 months, top 100). */
  simCosts?: Record<string, SimCost[]>;
  /** What a Detailed Billing CSV download serves; see `billingCsv` to build one. */
  exportCsv?: ExportCsv;
  /** How the next asynchronous exports go. */
  exportJob?: ExportJobScript;
  /** The operator's SIMs, as the Sim API serves and changes them. */
  sims?: SimulatedSim[];
}

/** A SIM of the operator: its primary subscription's IMSI, and what the Sim API reads and writes. */
export interface SimulatedSim {
  simId: string;
  imsi: string;
  speedClass: string;
  /** Sim.status: ready, active, inactive, standby, suspended or terminated. */
  status: string;
  groupId?: string;
  /** TagSet: Soracom always sends "name" ("" when the SIM has none). */
  tags?: Record<string, string>;
}

interface BillItemCost {
  billItemCategory: string;
  billItemName: string;
  amount: number;
}

interface SimCost {
  simId: string;
  amount: number;
}

type CsvChunks = Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
/** Fixed content, or content made per download for the exported month (yyyyMM), possibly in chunks. */
type ExportCsv = string | Uint8Array | ((month: string) => string | Uint8Array | CsvChunks);

interface ExportJobScript {
  /** GET /files/exported/{id} answers "processing" this many times first. */
  processingPolls: number;
  outcome: 'exported' | 'failed';
}

interface ExportJob extends ExportJobScript {
  month: string;
}

const BILL_NOT_FOUND = { code: 'BIL0001', message: 'Bill not found' };
/** UpdateSpeedClassRequest's documented values (the list the definition's description gives): anything else is a 400. */
const SPEED_CLASSES: ReadonlySet<string> = new Set(DOCUMENTED_SPEED_CLASSES);
/** The status each status write sets. */
const STATUS_WRITES: Record<string, string> = {
  set_to_standby: 'standby',
  activate: 'active',
  deactivate: 'inactive',
  suspend: 'suspended',
};
const SIM_WRITE_PATH = /^\/sims\/([^/]+)\/(update_speed_class|set_to_standby|activate|deactivate|suspend)$/;

export class SoracomSimulator extends Simulator {
  readonly options: Required<SoracomSimOptions>;
  private readonly tokens = new Map<string, string>(); // apiKey -> token
  private readonly jobs = new Map<string, ExportJob>(); // exportedFileId -> job
  private readonly downloads = new Map<string, { month: string; signature: string }>();

  constructor(options: SoracomSimOptions) {
    super('soracom', (request) => this.answer(request));
    this.options = {
      currency: 'JPY',
      omit: [],
      nulls: [],
      extraFields: false,
      allowedApis: ['*'],
      evaluationLagMinutes: 0,
      timeZone: 'Asia/Tokyo',
      daily: {},
      monthly: {},
      billItems: {},
      simCosts: {},
      exportCsv: billingCsv([]),
      exportJob: { processingPolls: 1, outcome: 'exported' },
      sims: [],
      ...options,
    };
  }

  /** A SIM as it is now, after the writes it took; undefined for one not seeded. */
  sim(simId: string): SimulatedSim | undefined {
    const sim = this.options.sims.find((s) => s.simId === simId);
    return sim && structuredClone(sim);
  }

  /** Every SIM write received, in order, whatever it was answered (faults included). */
  get simWrites(): SimRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/sims/'));
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
    // Presigned download links live outside the API and carry their own signature, no API key.
    const download = /^\/_downloads\/([\w-]+)$/.exec(request.path);
    if (download && request.method === 'GET') return this.download(download[1]!, request.query);
    const path = request.path.replace(/^\/v1/, '');
    if (request.method === 'POST' && path === '/auth') return this.auth(request);
    const apiKey = String(request.headers['x-soracom-api-key'] ?? '');
    if (!apiKey || this.tokens.get(apiKey) !== request.headers['x-soracom-token']) {
      return json(401, { code: 'AUM0002', message: 'Invalid API key or token' });
    }
    const api = apiName(request.method, path);
    if (api && !this.options.allowedApis.some((allowed) => permits(allowed, api))) {
      // The status is Soracom's for a SAM user without the permission; the body's wording is ours.
      return json(403, { message: `You are not allowed to call ${api}` });
    }
    const reply =
      path.startsWith('/sims/') || path.startsWith('/subscribers/')
        ? this.sims(request, path)
        : this.billingOrFiles(request.method, path, request.query);
    return reply.status === 200 && reply.body !== undefined && api && !api.startsWith('Files:')
      ? { ...reply, body: this.shaped(reply.body) }
      : reply;
  }

  /** The Sim API: a seeded SIM read by SIM ID or IMSI, and the writes that change it. */
  private sims(request: SimRequest, path: string): SimReply {
    const subscriber = /^\/subscribers\/([^/]+)$/.exec(path);
    if (subscriber && request.method === 'GET') {
      const sim = this.options.sims.find((s) => s.imsi === subscriber[1]);
      return sim
        ? json(200, subscriberJson(sim))
        : json(404, { code: 'SEM0001', message: 'No such subscriber' });
    }
    const read = /^\/sims\/([^/]+)$/.exec(path);
    const write = SIM_WRITE_PATH.exec(path);
    const sim = this.options.sims.find((s) => s.simId === (read ?? write)?.[1]);
    if (read && request.method === 'GET')
      return sim ? json(200, simJson(sim)) : json(404, { code: 'SEM0001', message: 'No such SIM' });
    if (!write || request.method !== 'POST')
      return json(404, { code: 'COM0002', message: `No route for ${path}` });
    if (!sim) return json(404, { code: 'SEM0001', message: 'No such SIM' });
    // The statuses are Soracom's; the bodies' wording is ours.
    if (sim.status === 'terminated') return json(400, { message: 'The SIM is terminated' });
    if (write[2] === 'update_speed_class') {
      const speedClass = (request.body as { speedClass?: unknown } | undefined)?.speedClass;
      if (typeof speedClass !== 'string' || !SPEED_CLASSES.has(speedClass))
        return json(400, { message: `Invalid speed class: ${JSON.stringify(speedClass)}` });
      sim.speedClass = speedClass;
    } else {
      sim.status = STATUS_WRITES[write[2]!]!;
    }
    return json(200, simJson(sim));
  }

  /** A billing, SIM or sign-in body in the shape the test asked for: fields left out, nulled, or added. */
  private shaped(body: unknown): unknown {
    if (Array.isArray(body)) return body.map((item) => this.shaped(item));
    if (body === null || typeof body !== 'object') return body;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      if (this.options.omit.includes(key)) continue;
      out[key] = this.options.nulls.includes(key) ? null : this.shaped(value);
    }
    if (this.options.extraFields)
      out.introducedLater = { note: 'a field the definition does not list', n: 1 };
    return out;
  }

  private billingOrFiles(method: string, path: string, query: URLSearchParams): SimReply {
    if (method === 'POST') {
      const exported = /^\/bills\/(latest|\d{6})\/export$/.exec(path);
      if (exported) return this.startExport(exported[1]!, query.get('export_mode') ?? 'sync');
    }
    if (method !== 'GET') return json(405, { code: 'COM0001', message: 'Method not allowed' });
    if (path === '/bills/latest') return this.latest();
    if (path === '/bills') return json(200, { billList: this.closedMonths().map((m) => this.listedBill(m)) });
    if (path === '/bills/summaries/bill_items') return this.summaries(this.options.billItems);
    if (path === '/bills/summaries/sims') return this.summaries(this.options.simCosts, 100);
    const job = /^\/files\/exported\/([\w-]+)$/.exec(path);
    if (job) return this.exportedFile(job[1]!);
    const daily = /^\/bills\/(\d{6})\/daily$/.exec(path);
    if (daily) return this.dailyBills(daily[1]!);
    const month = /^\/bills\/(\d{6})$/.exec(path);
    if (month) {
      return this.monthTotal(month[1]!) === undefined
        ? json(404, BILL_NOT_FOUND)
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
    return json(200, this.shaped({ apiKey, operatorId: 'OP0012345678', token }));
  }

  private latest(): SimReply {
    const evaluatedAt = new Date(this.options.now().getTime() - this.options.evaluationLagMinutes * 60_000);
    const local = toLocal(evaluatedAt, this.options.timeZone);
    const month = `${local.year}${pad(local.month)}`;
    // Soracom re-evaluates the preliminary bill periodically; the figure is as of the last full hour.
    const evaluated = `${month}${pad(local.day)}${pad(local.hour)}0000`;
    return json(200, {
      amount: this.monthTotal(month) ?? 0,
      currency: this.options.currency,
      lastEvaluatedTime: evaluated,
    });
  }

  /** The 4 months from this one back, newest first, that have scripted entries; amounts descending. */
  private summaries(
    byMonth: Record<string, { amount: number }[]>,
    maxItems = Number.POSITIVE_INFINITY,
  ): SimReply {
    const current = this.currentMonth();
    const updatedTime = Math.floor(this.options.now().getTime() / 1000);
    const months = [0, 1, 2, 3].map((back) => shiftMonth(current, -back)).filter((m) => byMonth[m]);
    return json(
      200,
      months.map((yearMonth) => ({
        costBreakdownList: [...byMonth[yearMonth]!].sort((a, b) => b.amount - a.amount).slice(0, maxItems),
        currency: this.options.currency,
        updatedTime,
        yearMonth,
      })),
    );
  }

  private startExport(month: string, mode: string): SimReply {
    if (mode !== 'sync' && mode !== 'async') {
      return json(400, { code: 'COM0004', message: 'export_mode must be async or sync' });
    }
    const exported = month === 'latest' ? this.currentMonth() : month;
    if (this.monthTotal(exported) === undefined) return json(404, BILL_NOT_FOUND);
    if (mode === 'sync') return json(200, { url: this.presign(exported) });
    const exportedFileId = `fe_${randomUUID()}`;
    this.jobs.set(exportedFileId, { month: exported, ...this.options.exportJob });
    return json(200, { exportedFileId, exportedFilePath: `//files/exported/${exportedFileId}` });
  }

  private exportedFile(id: string): SimReply {
    const job = this.jobs.get(id);
    if (!job) return json(404, { code: 'FIL0001', message: 'Exported file not found' });
    if (job.processingPolls > 0) {
      job.processingPolls -= 1;
      return json(200, { status: 'processing' });
    }
    if (job.outcome === 'failed') return json(200, { status: 'failed' });
    return json(200, { status: 'exported', url: this.presign(job.month) });
  }

  /** A link to the simulator's own download path, signed like an S3 presigned URL. */
  private presign(month: string): string {
    const id = randomUUID();
    const signature = randomBytes(32).toString('hex');
    this.downloads.set(id, { month, signature });
    const query = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Expires': '3600',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': signature,
    });
    return `${this.url}/_downloads/${id}?${query}`;
  }

  private download(id: string, query: URLSearchParams): SimReply {
    const link = this.downloads.get(id);
    if (!link || query.get('X-Amz-Signature') !== link.signature) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        raw: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match</Message></Error>',
      };
    }
    const csv = this.options.exportCsv;
    const content = typeof csv === 'function' ? csv(link.month) : csv;
    return {
      status: 200,
      headers: { 'content-type': 'text/csv' },
      stream: typeof content === 'string' || content instanceof Uint8Array ? [content] : content,
    };
  }

  private dailyBills(month: string): SimReply {
    const days = this.daysOf(month);
    if (days.length === 0 && month > this.currentMonth()) return json(404, BILL_NOT_FOUND);
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

  /** Undefined where Soracom has no bill: a future month, or a past one without any charge. */
  private monthTotal(month: string): number | undefined {
    const current = this.currentMonth();
    if (month > current) return undefined;
    const days = this.daysOf(month);
    if (month < current && days.length === 0 && this.options.monthly[month] === undefined) return undefined;
    const fixed = this.options.monthly[month] ?? 0;
    // Sum in integer hundredths: the simulator stands in for Soracom's own exact ledger.
    const cents = days.reduce(
      (sum, d) => sum + Math.round(this.options.daily[d]! * 100),
      Math.round(fixed * 100),
    );
    return cents / 100;
  }

  /** GET /bills/{yyyyMM}: the month's bill with its currency. */
  private monthlyBill(month: string) {
    return { ...this.listedBill(month), currency: this.options.currency };
  }

  /** An item of GET /bills, which (as in the spec's example) carries no currency. */
  private listedBill(month: string) {
    const amount = this.monthTotal(month) ?? 0;
    if (month >= this.currentMonth()) {
      return { amount, paymentStatus: 'lessThanMinimumCharge', state: 'temporary', yearMonth: month };
    }
    return {
      amount,
      paymentStatus: 'paid',
      paymentTransactionId: `${month}00000000000_00000000-0000-4000-8000-${month.padStart(12, '0')}`,
      state: 'closed',
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

/** The SAM API name of a billing or files call, as permission statements name it. */
function apiName(method: string, path: string): string | undefined {
  if (method === 'GET' && path === '/bills/latest') return 'Billing:getLatestBilling';
  if (method === 'GET' && path === '/bills') return 'Billing:getBillingHistory';
  if (method === 'GET' && path === '/bills/summaries/bill_items')
    return 'Billing:getBillingSummaryOfBillItems';
  if (method === 'GET' && path === '/bills/summaries/sims') return 'Billing:getBillingSummaryOfSims';
  if (method === 'GET' && /^\/bills\/\d{6}\/daily$/.test(path)) return 'Billing:getBillingPerDay';
  if (method === 'GET' && /^\/bills\/\d{6}$/.test(path)) return 'Billing:getBilling';
  if (method === 'POST' && path === '/bills/latest/export') return 'Billing:exportLatestBilling';
  if (method === 'POST' && /^\/bills\/\d{6}\/export$/.test(path)) return 'Billing:exportBilling';
  if (method === 'GET' && path.startsWith('/files/exported/')) return 'Files:getExportedFile';
  if (method === 'GET' && path.startsWith('/subscribers/')) return 'Subscriber:getSubscriber';
  if (method === 'GET' && /^\/sims\/[^/]+$/.test(path)) return 'Sim:getSim';
  const write = SIM_WRITE_PATH.exec(path);
  if (method === 'POST' && write) return `Sim:${SIM_OPERATIONS[write[2]!]}`;
  return undefined;
}

/** soracom-api.en.yaml's operationId of each SIM write. */
const SIM_OPERATIONS: Record<string, string> = {
  update_speed_class: 'updateSimSpeedClass',
  set_to_standby: 'setSimToStandby',
  activate: 'activateSim',
  deactivate: 'deactivateSim',
  suspend: 'suspendSim',
};

/** What a Sim and the Subscriber of its primary IMSI both say of it. */
function simFields(sim: SimulatedSim) {
  return {
    operatorId: 'OP0012345678',
    status: sim.status,
    speedClass: sim.speedClass,
    ...(sim.groupId !== undefined && { groupId: sim.groupId }),
    tags: { name: '', ...sim.tags },
    moduleType: 'nano',
    createdTime: 1_767_225_600_000,
  };
}

/** The Sim a SIM's API calls answer with: a nano card with its one (primary) subscription. */
function simJson(sim: SimulatedSim) {
  return {
    simId: sim.simId,
    ...simFields(sim),
    type: 'uicc',
    terminationEnabled: false,
    profiles: {
      [`89811${sim.simId.slice(-14)}`]: {
        iccid: `89811${sim.simId.slice(-14)}`,
        primaryImsi: sim.imsi,
        // A subscriber's status takes other values (shipped, delivered...) than the SIM's: left out.
        subscribers: { [sim.imsi]: { imsi: sim.imsi, subscription: 'plan01s' } },
      },
    },
  };
}

/** The Subscriber of a SIM's primary IMSI. */
function subscriberJson(sim: SimulatedSim) {
  return { imsi: sim.imsi, simId: sim.simId, ...simFields(sim), subscription: 'plan01s' };
}

/** Whether a permission statement's API entry ("Billing:*", "*", or a full name) allows `api`. */
function permits(allowed: string, api: string): boolean {
  return allowed.endsWith('*') ? api.startsWith(allowed.slice(0, -1)) : allowed === api;
}

/** Fills `daily` with `amountFor(day)` for each day of a month (yyyyMM), for spend curves. */
export function monthOfDays(month: string, amountFor: (day: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  const days = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(4, 6)));
  for (let day = 1; day <= days; day++) out[`${month}${pad(day)}`] = amountFor(day);
  return out;
}

/** "202611" moved by `months` (negative goes back). */
function shiftMonth(month: string, months: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(4, 6)) - 1 + months;
  return `${Math.floor(index / 12)}${pad((index % 12) + 1)}`;
}

/** The amount columns of the Detailed Billing CSV, in Soracom's order (users.soracom.io billing CSV reference). */
const BILLING_CSV_COLUMNS = [
  ...SORACOM_CSV_DEVICE_COLUMNS,
  'date',
  'billItemName',
  'unitPrice',
  'quantity',
  'amount',
] as const;

/** One CSV record: amount columns by name; any other key is a SIM tag/group column. */
export type BillingCsvRow = Record<string, string | number | undefined>;

export interface BillingCsvOptions {
  /** The amount columns (Soracom omits some, e.g. vpgId without Canal/Direct). */
  columns?: readonly string[];
  lineEnding?: '\r\n' | '\n';
}

/**
 * A Detailed Billing CSV as Soracom writes it: UTF-8 with a BOM, the amount columns, then one column
 * per SIM tag/group name in the order first seen. Fields with commas, quotes or line breaks are quoted.
 */
export function billingCsv(rows: readonly BillingCsvRow[], options: BillingCsvOptions = {}): string {
  const columns = options.columns ?? BILLING_CSV_COLUMNS;
  const tagColumns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter(
    (key) => !columns.includes(key),
  );
  const header = [...columns, ...tagColumns];
  const eol = options.lineEnding ?? '\r\n';
  const lines = [header, ...rows.map((row) => header.map((column) => csvText(row[column])))];
  return `\uFEFF${lines.map((fields) => fields.map(csvField).join(',')).join(eol)}${eol}`;
}

/** Numbers in plain decimal notation, as in the file (String(2e-7) would give "2e-7"). */
function csvText(value: string | number | undefined): string {
  return typeof value === 'number' ? decimal(value).toFixed() : (value ?? '');
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
