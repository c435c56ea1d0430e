/**
 * The fan-out worker: SQS delivers batches of account ids that the scheduled check enqueued
 * (lib/runtime/fan-out.ts); one runCheck reads all accounts of the delivered messages with the bounded
 * concurrency, and each message whose accounts failed in a way worth retrying is reported back
 * (`ReportBatchItemFailures`), so SQS redelivers only those after the visibility timeout and moves
 * a message that keeps failing to the work queue's dead-letter queue.
 */
import * as z from 'zod';
import type { AccountOutcome } from '../check/types.ts';
import { ProviderError, type ProviderErrorKind } from '../http/index.ts';
import { type CheckRuntime, checkRunner, runtimeDependencies } from './check-runtime.ts';
import { loadRuntimeConfig } from './config-source.ts';
import { WorkMessage } from './work-message.ts';

/** The parts of Lambda's SQS event (aws-lambda SQSEvent) the worker reads. */
const sqsEventSchema = z.object({
  Records: z
    .array(z.object({ messageId: z.string().min(1), body: z.string(), eventSource: z.literal('aws:sqs') }))
    .min(1),
});

/** Lambda's partial batch response (aws-lambda SQSBatchResponse). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Failures a redelivery minutes later will not fix: wrong credentials, a missing resource, a body off
 * the contract. They are left to the health tracker's monitoring-gap alert instead of filling the DLQ.
 */
const PERMANENT: ReadonlySet<ProviderErrorKind> = new Set([
  'auth',
  'not-found',
  'http',
  'invalid-response',
  'job-failed',
]);

function isRetryable(outcome: AccountOutcome): boolean {
  if (outcome.status !== 'error') return false;
  return !(outcome.error instanceof ProviderError && PERMANENT.has(outcome.error.kind));
}

export function checkWorkerFromEnvironment(
  env: NodeJS.ProcessEnv,
): (event: unknown) => Promise<SqsBatchResponse> {
  return checkWorker(runtimeDependencies(env, 'check-worker'));
}

export function checkWorker(deps: CheckRuntime): (event: unknown) => Promise<SqsBatchResponse> {
  const check = checkRunner(deps);
  return async (event) => {
    const parsed = sqsEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        'unexpected event: expected an SQS event from the work queue (subscribe this function to it, nothing else)',
      );
    }
    const failed = new Set<string>();
    const jobs: { messageId: string; accountIds: string[] }[] = [];
    for (const { messageId, body } of parsed.data.Records) {
      const message = parseWorkMessage(body);
      if (message) jobs.push({ messageId, accountIds: message.accountIds });
      else {
        // Not ours: a redelivery cannot fix it, and after maxReceiveCount it lands in the DLQ to look at.
        deps.logger.error('work message is not {"accountIds": [...]}', { messageId });
        failed.add(messageId);
      }
    }
    if (jobs.length > 0) {
      const config = await loadRuntimeConfig(deps.env.SPENDWATCH_CONFIG, deps.s3);
      const report = await check(config, [...new Set(jobs.flatMap((job) => job.accountIds))]);
      const retryAccounts = new Set(report.accounts.filter(isRetryable).map((outcome) => outcome.account.id));
      // A failed publish stays pending in the ledger; redelivering its batch publishes it again.
      for (const { alert } of report.failed) for (const id of alert.accounts) retryAccounts.add(id);
      for (const job of jobs) {
        if (job.accountIds.some((id) => retryAccounts.has(id))) failed.add(job.messageId);
      }
    }
    if (failed.size > 0) {
      deps.logger.warn('work messages returned to the queue for a retry', { messageIds: [...failed] });
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

function parseWorkMessage(body: string): WorkMessage | undefined {
  try {
    const parsed = WorkMessage.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
