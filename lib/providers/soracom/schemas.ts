/** Response schemas written from the Soracom API spec (soracom-cli generators/assets/soracom-api.en.yaml). */
import { z } from 'zod';

export const SORACOM_CURRENCY = z.enum(['JPY', 'USD', 'EUR']);

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

export const DailyBill = z.object({
  amount: z.number(),
  currency: SORACOM_CURRENCY,
  date: z.string().regex(/^\d{8}$/, 'expected yyyyMMdd'),
});

export const DailyBills = z.object({ billList: z.array(DailyBill) });
