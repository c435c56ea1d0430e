import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load.ts';
import { planBatches, watchedAccounts } from '../../../lib/runtime/fan-out.ts';

/** A config of Soracom accounts `ids`, with one budget per entry of `budgets` (its account ids). */
function configOf(ids: string[], budgets: string[][]) {
  const accounts = ids
    .map((id) => `  - { id: ${id}, provider: soracom, credentials: { authKeyId: env:K, authKey: env:S } }`)
    .join('\n');
  const budgetLines = budgets
    .map(
      (members, i) =>
        `  - { name: b${i}, accounts: [${members.join(', ')}], amount: 100, currency: JPY, thresholds: [{ at: 80% }] }`,
    )
    .join('\n');
  return parseConfig(`accounts:\n${accounts}\nbudgets:\n${budgetLines}\n`);
}

describe('fan-out batches', () => {
  it('packs accounts in config order, at most batchSize per batch', () => {
    const config = configOf(['a', 'b', 'c', 'd', 'e'], [['a'], ['b'], ['c'], ['d'], ['e']]);
    expect(planBatches(config, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('keeps the accounts of a group budget in one batch, also across budgets that chain them', () => {
    // b0 joins a+d, b1 joins d+e: a, d and e must be read by the same run.
    const config = configOf(['a', 'b', 'c', 'd', 'e'], [['a', 'd'], ['d', 'e'], ['b'], ['c']]);
    // The group is larger than a batch: it becomes one batch of its own rather than being split.
    expect(planBatches(config, 2)).toEqual([
      ['a', 'd', 'e'],
      ['b', 'c'],
    ]);
  });

  it('leaves out accounts no budget watches, as a full check does', () => {
    const config = configOf(['a', 'idle', 'b'], [['a'], ['b']]);
    expect(watchedAccounts(config)).toEqual(['a', 'b']);
    expect(planBatches(config, 10)).toEqual([['a', 'b']]);
  });
});
