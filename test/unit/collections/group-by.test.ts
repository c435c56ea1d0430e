import { describe, expect, it } from 'vitest';
import { groupBy } from '../../../lib/collections/group-by.ts';

describe('groupBy', () => {
  it('puts each item under each of its distinct keys, in input order', () => {
    const budgets = [
      { name: 'a', accounts: ['x'] },
      { name: 'b', accounts: ['x', 'y', 'x'] },
      { name: 'c', accounts: [] },
    ];
    const byAccount = groupBy(budgets, (b) => b.accounts);
    expect([...byAccount.keys()]).toEqual(['x', 'y']);
    expect(byAccount.get('x')!.map((b) => b.name)).toEqual(['a', 'b']);
    expect(byAccount.get('y')!.map((b) => b.name)).toEqual(['b']);
  });
});
