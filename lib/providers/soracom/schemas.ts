/**
 * Response schemas written from Soracom's own API definition (../shared/specs/official/soracom/
 * soracom-api.en.yaml). Nothing in its bill schemas is `required`: we require only the figure a call is
 * made for (a bill's `amount`, a listed bill's month), so a body without it fails loudly instead of
 * reading as zero. Every other field may be absent, null, oddly typed or an unknown value: it is then
 * read as not stated, and each caller says what stands in. Fields we do not read are not declared.
 */
import * as z from 'zod';
import { stated } from '../../http/tolerant.ts';
import { type CurrencyCode, isCurrencyCode, isDecimalText } from '../../money/index.ts';
import { daysInMonth } from '../../time/zoned.ts';

/**
 * POST /auth: the session every request is signed with (`apiKey`, `token`) is required; the operator
 * is needed only by the billing-CSV export, which fails on its own without it.
 */
export const AuthResponse = z.object({
  apiKey: z.string().min(1),
  operatorId: stated(z.string().min(1)),
  token: z.string().min(1),
});

/**
 * An amount: a JSON number (`format: double`), or a decimal sent as a string ("1234.5"), which is
 * exact too. Money.of reads either without going through a float sum.
 */
const AMOUNT = 'expected number, or a decimal in a string such as "1234.5"';
const amount = z.union([z.number(), z.string().refine(isDecimalText, { error: AMOUNT })], { error: AMOUNT });

/**
 * The bill's currency when it states one. The definition lists JPY, USD and EUR; any other ISO 4217
 * code is read too (a new billing currency is still a currency), anything else counts as not stated.
 */
const currency = stated(z.custom<CurrencyCode>((code) => typeof code === 'string' && isCurrencyCode(code)));

/** A month as Soracom writes it, "202611". */
const yearMonth = z.string().regex(/^\d{4}(0[1-9]|1[0-2])$/, 'expected a month yyyyMM');

/** A day as Soracom writes it, "20261123", that is on the calendar. */
const date = z
  .string()
  .regex(/^\d{4}(0[1-9]|1[0-2])\d{2}$/, 'expected a date yyyyMMdd')
  .refine((text) => {
    const day = Number(text.slice(6, 8));
    return day >= 1 && day <= daysInMonth(Number(text.slice(0, 4)), Number(text.slice(4, 6)));
  }, 'expected a date yyyyMMdd');

/**
 * A list whose entries are kept when they fit `entry` and set aside (with the problem) when not, so
 * one odd entry costs only itself. An absent or null list is an empty one.
 */
function tolerantList<S extends z.ZodType>(entry: S) {
  return z
    .array(z.unknown())
    .nullish()
    .transform((items) => {
      const entries: z.output<S>[] = [];
      const skipped: SkippedEntry[] = [];
      (items ?? []).forEach((item, index) => {
        const parsed = entry.safeParse(item);
        if (parsed.success) entries.push(parsed.data);
        else skipped.push({ index, problem: firstProblem(parsed.error) });
      });
      return { entries, skipped };
    });
}

/** An entry a tolerant list set aside: its position and why. */
export interface SkippedEntry {
  index: number;
  problem: string;
}

function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'does not fit';
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(entry)';
  return `field "${path}": ${issue.message}`;
}

/**
 * GET /bills/latest (GetLatestBill): the preliminary amount of the month not yet finalised. The
 * evaluation time is kept as sent: the source decides what an absent or odd one means.
 */
export const LatestBill = z.object({
  amount,
  currency,
  /** "Date and time when calculated", yyyyMMddHHmmss with no zone. */
  lastEvaluatedTime: stated(z.string()),
});

/** GET /bills/latest read only for its currency (history and month bills): nothing else is needed. */
export const LatestBillCurrency = z.object({ currency });

/** GET /bills/{yyyyMM} (MonthlyBill): the month is the one asked for, so only the amount is needed. */
export const MonthlyBill = z.object({
  amount,
  currency,
  /** temporary (aggregating) or closed (confirmed); anything else is read as not closed. */
  state: stated(z.enum(['temporary', 'closed'])),
});

/** A bill of GET /bills: a month's figure needs the month too. */
const ListedBill = MonthlyBill.extend({ yearMonth });

/** GET /bills (GetBillingHistoryResponse): a bill without a usable month or amount is set aside. */
export const BillingHistory = z.object({ billList: tolerantList(ListedBill) });

/** GET /bills/{yyyyMM}/daily (DailyBillResponse): a day without a usable date or amount is set aside. */
export const DailyBills = z.object({
  billList: tolerantList(z.object({ amount, currency, date })),
});

// The summaries document yearMonth only as "Year and month." Every other yearMonth in the spec is
// yyyyMM; accept a "yyyy-MM" spelling too and normalise, so an undocumented separator cannot break reads.
const summaryMonth = z
  .string()
  .regex(/^\d{4}-?\d{2}$/, 'expected yyyyMM')
  .transform((text) => text.replace('-', ''));

/** One month of a summary: a month without a usable yearMonth matches none, so it is set aside. */
function monthSummary<S extends z.ZodType>(cost: S) {
  return z.object({ costBreakdownList: tolerantList(cost), currency, yearMonth: summaryMonth });
}

/** GET /bills/summaries/bill_items ("COSTS BY SERVICE"), newest month first. */
export const BillItemSummaries = tolerantList(
  monthSummary(
    z.object({
      amount,
      billItemCategory: stated(z.string()),
      billItemName: stated(z.string()),
    }),
  ),
);

/** GET /bills/summaries/sims ("COSTS PER SIM (TOP 100)"), newest month first; a line needs its SIM. */
export const SimSummaries = tolerantList(monthSummary(z.object({ amount, simId: z.string().min(1) })));

/** POST /bills/{yyyyMM}/export and /bills/latest/export with export_mode=sync. */
export const SyncExport = z.object({ url: z.url() });

/** The same endpoints with export_mode=async: the job to poll. */
export const AsyncExport = z.object({
  exportedFileId: z.string().min(1),
  exportedFilePath: z.string().min(1),
});

/** GET /files/exported/{exported_file_id}: `url` is present once the status is "exported". */
export const ExportedFile = z.object({
  status: z.enum(['processing', 'exported', 'failed']),
  url: z.url().optional(),
});

/** GET /subscribers/{imsi} (Subscriber), read only for the SIM the IMSI belongs to. */
export const SubscriberSim = z.object({ simId: z.string().min(1) });

/** A TagSet is a string map; a value of another type is no tag, and a missing set is no tags. */
const tagSet = stated(z.record(z.string(), z.unknown())).transform((tags) => {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(tags ?? {}))
    if (typeof value === 'string') strings[name] = value;
  return strings;
});

/**
 * A Sim (GET /sims/{sim_id}, and the 200 body of every SIM write) as a guardrail reads it: its ID,
 * and the group and tags allow-lists look at, which may be absent. Each action kind adds the one field
 * it changes and restores, required.
 */
const SimFacts = z.object({ simId: z.string().min(1), groupId: stated(z.string().min(1)), tags: tagSet });
export type SimFacts = z.output<typeof SimFacts>;

export const SimSpeedClass = SimFacts.extend({ speedClass: z.string().min(1) });

/** The status as sent: one the definition does not list yet is still read, and only refused by a restore. */
export const SimStatus = SimFacts.extend({ status: z.string().min(1) });
