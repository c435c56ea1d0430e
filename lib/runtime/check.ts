/**
 * Composition root of the scheduled check Lambda: every tick reads the config and runs the check
 * (check-runtime.ts), or, above SPENDWATCH_FANOUT_THRESHOLD accounts, enqueues them in batches for
 * the checkWorker function (fan-out.ts). Each invocation re-reads the config (cheap, and a config
 * change in S3 applies without a deploy).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { sqsClientFromEnv } from '../aws/clients.ts';
import type { CheckReport } from '../check/types.ts';
import { type CheckRuntime, checkRunner, runtimeDependencies } from './check-runtime.ts';
import { loadRuntimeConfig } from './config-source.ts';
import { enqueueBatches, planBatches, watchedAccounts } from './fan-out.ts';

/** EventBridge's scheduled event, or a manual/fan-out invocation naming accounts. */
const CheckEvent = z.union([
  z.object({ 'detail-type': z.literal('Scheduled Event'), time: z.string().optional() }).loose(),
  z.object({ accountIds: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({}).strict(),
]);

export interface CheckSummary {
  at: string;
  accounts: number;
  accountErrors: string[];
  accountsPending: string[];
  budgets: number;
  delivered: string[];
  suppressed: number;
  publishFailures: string[];
  /** Where this run's burn-up report was written (alerts link it). */
  reportKey: string;
}

export interface ScheduledCheckDependencies extends CheckRuntime {
  /** The work queue's client; without it the check never fans out. */
  sqs?: SQSClient;
}

/** What a fanned-out tick did: it read nothing itself, the workers report per batch. */
export interface FanOutSummary {
  at: string;
  accounts: number;
  batchesEnqueued: number;
}

/** The check's adapters: the shared ones and, when a work queue is set, its SQS client. */
export function scheduledCheckDependencies(env: NodeJS.ProcessEnv): ScheduledCheckDependencies {
  const deps = runtimeDependencies(env, 'check');
  return { ...deps, sqs: deps.env.SPENDWATCH_WORK_QUEUE_URL ? sqsClientFromEnv(deps.env) : undefined };
}

export function scheduledCheckFromEnvironment(
  env: NodeJS.ProcessEnv,
): (event: unknown) => Promise<CheckSummary | FanOutSummary> {
  return scheduledCheck(scheduledCheckDependencies(env));
}

export function scheduledCheck(
  deps: ScheduledCheckDependencies,
): (event: unknown) => Promise<CheckSummary | FanOutSummary> {
  const check = checkRunner(deps);
  const threshold = deps.env.SPENDWATCH_FANOUT_THRESHOLD;
  return async (event) => {
    const parsed = CheckEvent.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `unexpected event: expected an EventBridge "Scheduled Event" or {"accountIds": [...]}; got ${JSON.stringify(event).slice(0, 200)}`,
      );
    }
    const accountIds = 'accountIds' in parsed.data ? (parsed.data.accountIds as string[]) : undefined;
    const config = await loadRuntimeConfig(deps.env.SPENDWATCH_CONFIG, deps.s3);
    const watched = watchedAccounts(config).length;
    if (!accountIds && watched > threshold) {
      const queueUrl = deps.env.SPENDWATCH_WORK_QUEUE_URL;
      if (deps.sqs && queueUrl) {
        const batches = planBatches(config, deps.env.SPENDWATCH_FANOUT_BATCH_SIZE);
        await enqueueBatches(deps.sqs, queueUrl, batches);
        deps.logger.info('accounts fanned out to the work queue', {
          accounts: watched,
          batches: batches.length,
        });
        return { at: deps.clock.now().toISOString(), accounts: watched, batchesEnqueued: batches.length };
      }
      deps.logger.warn('more accounts than the fan-out threshold but no work queue; reading them all here', {
        accounts: watched,
        threshold,
      });
    }
    return summarise(await check(config, accountIds));
  };
}

function summarise(report: CheckReport & { reportKey: string }): CheckSummary {
  return {
    at: report.at.toISOString(),
    accounts: report.accounts.length,
    accountErrors: report.accounts.filter((a) => a.status === 'error').map((a) => a.account.id),
    accountsPending: report.accounts.filter((a) => a.status === 'pending').map((a) => a.account.id),
    budgets: report.budgets.length,
    delivered: report.delivered.map((a) => a.dedupKey),
    suppressed: report.suppressed.length,
    publishFailures: report.failed.map((f) => f.alert.dedupKey),
    reportKey: report.reportKey,
  };
}
