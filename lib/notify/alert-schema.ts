/**
 * The Alert JSON as subscribers receive it (the `lambda`/`sqs`/`https` bodies), checked before a
 * channel renders it. Typed against the Alert model so the two cannot drift apart.
 */
import * as z from 'zod';
import type { Alert } from '../alerts/alert.ts';
import { isDecimalText } from '../money/index.ts';

const amount = z.string().refine(isDecimalText, 'expected a decimal amount such as "1234.56"');
const instant = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 date-time');
// Approve and Undo links become Slack buttons and email lines: https only (http for a local check).
const link = z.url({ protocol: /^https?$/ });
const severity = z.enum(['info', 'warning', 'critical']);
// Monitoring alerts (a gap, a recovery, a broken budget) measured nothing: their figures are blank.
const figure = amount.or(z.literal(''));
const FIGURES = ['spent', 'budgetAmount', 'percent', 'observed', 'unit'] as const;

export const alertSchema: z.ZodType<Alert> = z
  .object({
    version: z.literal(1),
    dedupKey: z.string().min(1),
    event: z.enum(['crossed', 'back-under', 'gap', 'recovered', 'broken', 'action']),
    budget: z.string().min(1),
    account: z.string(),
    accounts: z.array(z.string()),
    provider: z.string(),
    threshold: z.string(),
    thresholdId: z.string(),
    basis: z.enum(['actual', 'forecast', 'pace', 'anomaly', 'gap']),
    severity,
    measure: z.enum(['cost', 'usage']),
    currency: z.string().min(1).optional(),
    unit: z.string(),
    spent: figure,
    budgetAmount: figure,
    percent: figure,
    observed: figure,
    forecast: z.object({ amount, method: z.string(), inputs: z.string() }).optional(),
    periodKey: z.string(),
    periodStart: instant,
    periodEnd: instant,
    asOf: instant,
    detectedAt: instant,
    contributors: z.array(
      z.object({
        kind: z.enum(['service', 'item', 'resource', 'account']),
        name: z.string(),
        cost: amount,
        share: amount,
        tags: z.record(z.string(), z.string()).optional(),
      }),
    ),
    resource: z
      .object({ id: z.string(), name: z.string().optional(), type: z.string().optional() })
      .optional(),
    sinceLast: z.object({ threshold: z.string(), spent: amount, at: instant }).optional(),
    actions: z
      .array(
        z.object({
          id: z.string().optional(),
          kind: z.string(),
          approval: z.enum(['manual', 'auto']),
          params: z.record(z.string(), z.unknown()),
          allow: z
            .object({
              groups: z.array(z.string()).optional(),
              tags: z.record(z.string(), z.string()).optional(),
            })
            .optional(),
          status: z.enum([
            'planned',
            'awaiting-approval',
            'proposed-only',
            'executed',
            'failed',
            'refused',
            'would-propose',
            'would-act',
          ]),
          hold: z.string().optional(),
          description: z.string().optional(),
          note: z.string().optional(),
          approveUrl: link.optional(),
          undoUrl: link.optional(),
          linkExpiresAt: instant.optional(),
        }),
      )
      .optional(),
    action: z
      .object({
        id: z.string(),
        kind: z.string(),
        description: z.string(),
        outcome: z.enum(['executed', 'failed', 'refused', 'undone', 'undo-failed']),
        before: z.string().optional(),
        after: z.string().optional(),
        by: z.string(),
        reason: z.string().optional(),
        undoUrl: link.optional(),
        undoExpiresAt: instant.optional(),
      })
      .optional(),
    headline: z.string(),
    details: z.array(z.string()),
  })
  .superRefine((alert, context) => {
    if (alert.event !== 'crossed' && alert.event !== 'back-under') return;
    for (const field of FIGURES)
      if (alert[field] === '')
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `a ${alert.event} alert states its ${field}`,
        });
  });

/** "field \"spent\": expected a decimal amount; ..." (the first few problems of a failed parse). */
export function describeSchemaProblems(error: z.ZodError): string {
  const problems = error.issues.slice(0, 4).map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(message)';
    return `field "${path}": ${issue.message}`;
  });
  const more = error.issues.length > 4 ? ` (+${error.issues.length - 4} more)` : '';
  return `${problems.join('; ')}${more}`;
}
