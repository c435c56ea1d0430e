import type { ActionSpec } from '../actions/spec.ts';
import { type BudgetStatus, type Crossing, measuredSpend } from '../budgets/status.ts';
import type { Alert, AlertAction } from './alert.ts';
import { crossingDetails, crossingHeadline } from './wording.ts';

/** Turns one crossing of an evaluated budget into the alert people receive. */
export function buildAlert(
  status: BudgetStatus,
  crossing: Crossing,
  detectedAt: Date,
  event: 'crossed' | 'back-under' = 'crossed',
): Alert {
  const { budget } = status;
  const providers = [...new Set(status.accounts.map((a) => a.provider))];
  const thresholdId = event === 'back-under' ? `${crossing.id}.back-under` : crossing.id;
  const resource = crossing.resource;
  // A per-resource crossing is about that resource: its spend against its own amount.
  const spent = resource ? resource.value : measuredSpend(status);
  const amount = resource ? resource.amount : budget.amount;
  const percent = resource ? resource.value.div(resource.amount).times(100) : status.percent;
  // Contributors are shares of what the alert says was spent: for a resource, the resource itself.
  const contributors = resource
    ? [
        {
          kind: 'resource' as const,
          name: resource.name ? `${resource.name} (${resource.id})` : resource.id,
          cost: resource.value.toFixed(),
          share: '100.0',
          ...(resource.tags && { tags: resource.tags }),
        },
      ]
    : status.contributors;
  return {
    version: 1,
    dedupKey: `${budget.name}/${status.periodKey}/${thresholdId}`,
    event,
    budget: budget.name,
    account: budget.accountIds.join(','),
    accounts: budget.accountIds,
    provider: providers.join(','),
    threshold: crossing.written,
    thresholdId,
    basis: crossing.basis,
    severity: event === 'back-under' ? 'info' : crossing.severity,
    measure: budget.measure,
    ...(budget.measure === 'cost' && { currency: budget.measureUnit }),
    unit: budget.measureUnit,
    spent: spent.toFixed(),
    budgetAmount: amount.toFixed(),
    percent: percent.toFixed(1),
    observed: crossing.observed.toFixed(),
    ...(status.forecast && {
      forecast: {
        amount: status.forecast.amount.round(2).toFixed(),
        method: status.forecast.method,
        inputs: status.forecast.inputs,
      },
    }),
    periodKey: status.periodKey,
    periodStart: status.periodStart.toISOString(),
    periodEnd: status.periodEnd.toISOString(),
    asOf: status.asOf.toISOString(),
    detectedAt: detectedAt.toISOString(),
    contributors,
    ...(resource && {
      resource: {
        id: resource.id,
        ...(resource.name && { name: resource.name }),
        ...(resource.type && { type: resource.type }),
      },
    }),
    ...(event === 'crossed' &&
      crossing.threshold?.actions?.length && {
        actions: crossing.threshold.actions.map((spec) => plannedAction(spec, status)),
      }),
    headline: crossingHeadline(status, crossing, event),
    details: crossingDetails(status, crossing),
  };
}

/**
 * An action of the crossed threshold, as planned: nothing acts from a reading that is stale or lacks a
 * part (`hold` says which), since the crossing may not be what it seems.
 */
function plannedAction(spec: ActionSpec, status: BudgetStatus): AlertAction {
  const partial = status.accounts.find((a) => (a.spend.missing ?? []).length > 0);
  const hold = status.stale
    ? `not carried out: the reading is stale (as of ${status.asOf.toISOString()})`
    : partial
      ? `not carried out: the reading of ${partial.accountId} is partial (${partial.spend.missing!.map((m) => m.endpoint).join(', ')} failed)`
      : undefined;
  return {
    kind: spec.kind,
    approval: spec.approval,
    params: spec.params,
    ...(spec.allow && { allow: spec.allow }),
    status: 'planned',
    ...(hold && { hold }),
  };
}
