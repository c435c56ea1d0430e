/** Response schemas written from the Soracom API spec (soracom-cli generators/assets/soracom-api.en.yaml). */
import * as z from 'zod';

const SORACOM_CURRENCY = z.enum(['JPY', 'USD', 'EUR']);

export const AuthResponse = z.object({
  apiKey: z.string().min(1),
  operatorId: z.string().min(1),
  token: z.string().min(1),
  userName: z.string().optional(),
});

/** GET /bills/latest: the preliminary amount for the month not yet finalised. */
export const LatestBill = z.object({
  amount: z.number(),
  currency: SORACOM_CURRENCY,
  /** yyyyMMddHHmmss */
  lastEvaluatedTime: z.string().regex(/^\d{14}$/, 'expected yyyyMMddHHmmss'),
});

export const MonthlyBill = z.object({
  amount: z.number(),
  appliedCouponAmount: z.number().optional(),
  currency: SORACOM_CURRENCY.optional(),
  paymentStatus: z.string().optional(),
  paymentTransactionId: z.string().optional(),
  state: z.enum(['temporary', 'closed']).optional(),
  yearMonth: z.string().regex(/^\d{6}$/, 'expected yyyyMM'),
});

export const BillingHistory = z.object({ billList: z.array(MonthlyBill) });

const DailyBill = z.object({
  amount: z.number(),
  currency: SORACOM_CURRENCY,
  date: z.string().regex(/^\d{8}$/, 'expected yyyyMMdd'),
});

export const DailyBills = z.object({ billList: z.array(DailyBill) });

// The summaries document yearMonth only as "Year and month." Every other yearMonth in the spec is
// yyyyMM; accept a "yyyy-MM" spelling too and normalise, so an undocumented separator cannot break reads.
const summaryMonth = z
  .string()
  .regex(/^\d{4}-?\d{2}$/, 'expected yyyyMM')
  .transform((text) => text.replace('-', ''));

/** One month of GET /bills/summaries/bill_items ("COSTS BY SERVICE"), newest month first. */
const BillItemSummary = z.object({
  costBreakdownList: z
    .array(
      z.object({
        amount: z.number(),
        billItemCategory: z.string().optional(),
        billItemName: z.string().optional(),
      }),
    )
    .default([]),
  currency: SORACOM_CURRENCY.optional(),
  updatedTime: z.number().int().optional(),
  yearMonth: summaryMonth,
});

export const BillItemSummaries = z.array(BillItemSummary);

/** One month of GET /bills/summaries/sims ("COSTS PER SIM (TOP 100)"), newest month first. */
const SimSummary = z.object({
  costBreakdownList: z.array(z.object({ amount: z.number(), simId: z.string().min(1) })).default([]),
  currency: SORACOM_CURRENCY.optional(),
  updatedTime: z.number().int().optional(),
  yearMonth: summaryMonth,
});

export const SimSummaries = z.array(SimSummary);

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
