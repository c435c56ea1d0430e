/**
 * Fan-out for large configs: one tick of the scheduled check cannot read thousands of accounts within
 * its timeout, so above SPENDWATCH_FANOUT_THRESHOLD accounts it enqueues the accounts in batches to the
 * work queue and the checkWorker function reads them (lib/runtime/check-worker.ts).
 *
 * A budget over several accounts (`accounts: [a, b]`) is evaluated only by a run that reads all of
 * them, so the accounts joined by budgets (the connected components of the account-budget graph) are
 * never split: each component goes whole into one batch, even when that makes the batch larger.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config/config.ts';
import type { WorkMessage } from './work-message.ts';

/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH_LIMIT = 10;

/** The accounts a full check reads: those some budget watches (as runCheck does without accountIds). */
export function watchedAccounts(config: Config): string[] {
  const watched = new Set(config.budgets.flatMap((budget) => budget.accountIds));
  return config.accounts.map((account) => account.id).filter((id) => watched.has(id));
}

/**
 * The watched accounts in batches of at most `batchSize`, in config order, where the accounts of a
 * budget always share a batch (a group larger than `batchSize` becomes one batch of its own).
 */
export function planBatches(config: Config, batchSize: number): string[][] {
  const accounts = watchedAccounts(config);
  const parent = new Map(accounts.map((id) => [id, id]));
  const root = (id: string): string => {
    let at = id;
    while (parent.get(at) !== at) at = parent.get(at)!;
    parent.set(id, at);
    return at;
  };
  for (const budget of config.budgets) {
    const [first, ...rest] = budget.accountIds;
    for (const other of rest) parent.set(root(other), root(first!));
  }
  const groups = new Map<string, string[]>();
  for (const id of accounts) {
    const group = groups.get(root(id));
    if (group) group.push(id);
    else groups.set(root(id), [id]);
  }
  const batches: string[][] = [];
  let current: string[] = [];
  for (const group of groups.values()) {
    if (current.length > 0 && current.length + group.length > batchSize) {
      batches.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Sends one message per batch, ten per SendMessageBatch call. SQS answers a batch with per-entry
 * failures rather than an error: any refused entry fails the tick (the check's error alarm), and the
 * next tick enqueues every batch again.
 */
export async function enqueueBatches(sqs: SQSClient, queueUrl: string, batches: string[][]): Promise<void> {
  for (let start = 0; start < batches.length; start += SQS_BATCH_LIMIT) {
    const entries = batches.slice(start, start + SQS_BATCH_LIMIT).map((accountIds, i) => ({
      Id: `batch-${start + i}`,
      MessageBody: JSON.stringify({ accountIds } satisfies WorkMessage),
    }));
    const reply = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const failed = reply.Failed ?? [];
    if (failed.length > 0) {
      const reasons = failed.map((entry) => `${entry.Id}: ${entry.Code} ${entry.Message ?? ''}`.trim());
      throw new Error(`work queue refused ${failed.length} batch message(s): ${reasons.join('; ')}`);
    }
  }
}
