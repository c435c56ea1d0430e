/**
 * What a budget's spend is made of, by the names its breakdown lines carry: accounts (group budgets),
 * services, bill items and resources. Each kind is a view of the same spend (a Soracom bill's items and
 * its SIMs both add up to the bill), so shares are of the kind's own total, never across kinds.
 */
import { type Decimal, decimal } from '../money/index.ts';
import type { AccountSpend, Contributor, ContributorGroup, LineValue } from './status.ts';

const TOP_CONTRIBUTORS = 5;
/** The order kinds are listed in: the broadest first. */
const KINDS: Contributor['kind'][] = ['account', 'service', 'item', 'resource'];

interface Named {
  kind: Contributor['kind'];
  name: string;
  value: Decimal;
  tags?: Record<string, string>;
}

export interface ContributorInput {
  perAccount: { account: AccountSpend; total: Decimal; lines: LineValue[] }[];
  /** Several accounts: each is a contributor too. */
  group: boolean;
  /** A per-resource budget: only resources contribute (it holds each resource to the amount). */
  resourcesOnly: boolean;
}

/** Every contributor of the spend, largest first. */
export function namedContributors({ perAccount, group, resourcesOnly }: ContributorInput): Named[] {
  const totals = new Map<string, Named>();
  const add = (kind: Contributor['kind'], name: string, value: Decimal, tags?: Record<string, string>) => {
    const key = `${kind}\u0000${name}`;
    const entry = totals.get(key);
    if (entry) entry.value = entry.value.plus(value);
    else totals.set(key, { kind, name, value, tags });
  };
  for (const { account, total, lines } of perAccount) {
    if (group && !resourcesOnly) add('account', account.accountId, total);
    for (const { line, value } of lines) {
      // The most specific name a line has: the resource, else its bill item, else its service.
      if (line.ResourceId)
        add(
          'resource',
          line.ResourceName ? `${line.ResourceName} (${line.ResourceId})` : line.ResourceId,
          value,
          line.Tags,
        );
      else if (resourcesOnly) continue;
      else if (line.ChargeDescription) add('item', line.ChargeDescription, value);
      else if (line.ServiceName) add('service', line.ServiceName, value);
    }
  }
  return [...totals.values()].sort((a, b) => b.value.cmp(a.value));
}

/** The largest contributors of any kind, each with its share of `spent` (what an alert lists). */
export function topContributors(named: Named[], spent: Decimal): Contributor[] {
  return named
    .slice(0, TOP_CONTRIBUTORS)
    .map((c) => contributor(c, spent.eq(0) ? '0.0' : c.value.div(spent).times(100).toFixed(1)));
}

/**
 * Contributors grouped by kind: the largest of each, then the rest together, with shares of the kind's
 * total that add up to exactly 100.0 within the kind.
 */
export function contributorsByKind(named: Named[]): ContributorGroup[] {
  return KINDS.flatMap((kind) => {
    const all = named.filter((c) => c.kind === kind);
    if (all.length === 0) return [];
    const listed = all.slice(0, TOP_CONTRIBUTORS);
    const unlisted = all.slice(TOP_CONTRIBUTORS);
    const restValue = unlisted.reduce((sum, c) => sum.plus(c.value), decimal(0));
    const shares = percentShares([
      ...listed.map((c) => c.value),
      ...(unlisted.length > 0 ? [restValue] : []),
    ]);
    return [
      {
        kind,
        total: all.reduce((sum, c) => sum.plus(c.value), decimal(0)).toFixed(),
        listed: listed.map((c, i) => contributor(c, shares[i]!)),
        ...(unlisted.length > 0 && {
          rest: { count: unlisted.length, cost: restValue.toFixed(), share: shares.at(-1)! },
        }),
      },
    ];
  });
}

/**
 * Each value's percent of their sum to one decimal, adding up to exactly 100.0: every share is cut
 * down to its tenth, and the tenths left over go to the largest remainders. "0.0" for all when the
 * values add up to nothing or less (credits), where a share means nothing.
 */
export function percentShares(values: Decimal[]): string[] {
  const total = values.reduce((sum, v) => sum.plus(v), decimal(0));
  if (total.lte(0)) return values.map(() => '0.0');
  const exact = values.map((v) => v.times(100).div(total));
  const floors = exact.map((x) => {
    const cut = x.round(1, 0); // toward zero
    return cut.gt(x) ? cut.minus('0.1') : cut;
  });
  // Big.DP keeps 20 decimals: the exact shares add up to 100 within far less than a tenth.
  const left = decimal(100)
    .minus(floors.reduce((sum, f) => sum.plus(f), decimal(0)))
    .times(10)
    .round(0)
    .toNumber();
  const byRemainder = exact
    .map((x, i) => ({ i, remainder: x.minus(floors[i]!) }))
    .sort((a, b) => b.remainder.cmp(a.remainder) || a.i - b.i);
  for (const { i } of byRemainder.slice(0, left)) floors[i] = floors[i]!.plus('0.1');
  return floors.map((f) => f.toFixed(1));
}

function contributor({ kind, name, value, tags }: Named, share: string): Contributor {
  return {
    kind,
    name,
    cost: value.toFixed(),
    share,
    ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
  };
}
