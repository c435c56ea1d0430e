/**
 * The guardrail action on Kill Bill subscriptions (kbswagger's addSubscriptionBlockingState): `block`
 * blocks changes and entitlement (and billing, when asked) of a customer's subscriptions, or of one
 * subscription, under service `spendwatch`. Kill Bill keeps one current blocking state per blocked ID
 * and service, so spendwatch's never touches another service's block, and undoing posts spendwatch's
 * state from before. Blocks are sent once each (a timed-out POST may have happened); reads retry.
 */
import * as z from 'zod';
import type { ActionTarget, Actuator, TargetFacts, TargetState } from '../../actions/actuator.ts';
import { strictObject } from '../../config/strict.ts';
import { type Endpoint, ProviderError, type ProviderHttp } from '../../http/index.ts';
import { CUSTOMER_RESOURCE } from '../../spend/index.ts';
import type { ConnectContext } from '../types.ts';
import { type KillBillAccount, killbillHttp, unknownSubscription } from './client.ts';
import { accountNamed, customFields, UUID } from './invoices.ts';
import { AccountBundles, type BlockingState, BlockingStates, SubscriptionAccount } from './schemas.ts';

const SERVICE = 'spendwatch';
const BLOCKED = 'SPENDWATCH_BLOCKED';
const CLEARED = 'SPENDWATCH_CLEARED';
/** Subscriptions there is nothing left to block on. */
const ENDED = new Set(['CANCELLED', 'EXPIRED']);
const REASON = 'spendwatch guardrail';

const blockParams = strictObject({
  billing: z.boolean().optional().describe('Block billing too (default: changes and entitlement only)'),
});

/** What spendwatch's blocking state of a subscription says; the rest of a BlockingState is Kill Bill's. */
type SpendwatchState = Pick<
  BlockingState,
  'stateName' | 'isBlockChange' | 'isBlockEntitlement' | 'isBlockBilling'
>;

interface SubscriptionState {
  subscriptionId: string;
  productName?: string;
  state?: string;
  spendwatchState?: SpendwatchState;
}

/** The account and subscriptions a target names: a customer's, or one subscription's. */
interface Scope {
  accountId: string;
  /** The one subscription a usage budget's target names; unset for a customer (all of its subscriptions). */
  subscriptionId?: string;
}

/** A customer is named by external key or account UUID; a bare UUID without a type is a subscription. */
function isCustomer(target: ActionTarget): boolean {
  return target.resourceType === CUSTOMER_RESOURCE || !UUID.test(target.resourceId);
}

class BlockCalls {
  // One session per step: an action's steps may be days apart (restore), beyond one run's time budget.
  private readonly http: ProviderHttp;

  constructor(
    private readonly account: KillBillAccount,
    context: ConnectContext,
  ) {
    this.http = killbillHttp(account, context);
  }

  async scope(target: ActionTarget): Promise<Scope> {
    if (isCustomer(target))
      return { accountId: (await accountNamed(this.http, target.resourceId)).accountId };
    const endpoint: Endpoint = {
      method: 'GET',
      path: `/1.0/kb/subscriptions/${encodeURIComponent(target.resourceId)}`,
      label: 'GET /1.0/kb/subscriptions/{subscriptionId}',
    };
    const reply = await this.http.send(endpoint);
    if (reply.status === 404) throw unknownSubscription(this.http, endpoint, target.resourceId, reply.status);
    const { accountId } = this.http.okBody(endpoint, reply, SubscriptionAccount);
    return { accountId, subscriptionId: target.resourceId };
  }

  /** The scope's subscriptions as they are now, each with spendwatch's current blocking state. */
  async state({ accountId, subscriptionId }: Scope): Promise<TargetState> {
    const account = encodeURIComponent(accountId);
    const bundles: Endpoint = {
      method: 'GET',
      path: `/1.0/kb/accounts/${account}/bundles`,
      label: 'GET /1.0/kb/accounts/{accountId}/bundles',
      noMemo: true,
    };
    const blocks: Endpoint = {
      method: 'GET',
      path: `/1.0/kb/accounts/${account}/block`,
      label: 'GET /1.0/kb/accounts/{accountId}/block',
      searchParams: { blockingStateTypes: 'SUBSCRIPTION', blockingStateSvcs: SERVICE },
      noMemo: true,
    };
    const [listed, states] = await Promise.all([
      this.http.json(bundles, AccountBundles),
      this.http.json(blocks, BlockingStates),
    ]);
    const current = currentStates(states);
    const subscriptions: SubscriptionState[] = listed
      .flatMap((bundle) => bundle.subscriptions ?? [])
      .filter((s) => subscriptionId === undefined || s.subscriptionId === subscriptionId)
      .map(({ subscriptionId: id, productName, state }) => {
        const spendwatch = current.get(id);
        return {
          subscriptionId: id,
          ...(productName && { productName }),
          ...(state && { state }),
          ...(spendwatch && {
            spendwatchState: {
              stateName: spendwatch.stateName,
              isBlockChange: spendwatch.isBlockChange,
              isBlockEntitlement: spendwatch.isBlockEntitlement,
              isBlockBilling: spendwatch.isBlockBilling,
            },
          }),
        };
      });
    if (subscriptionId !== undefined && subscriptions.length === 0)
      throw this.http.error(
        bundles,
        'invalid-response',
        `Kill Bill lists no subscription ${subscriptionId} in the bundles of its account ${accountId}`,
      );
    return { summary: summary(subscriptions), data: { accountId, subscriptions } };
  }

  tags(accountId: string): Promise<Record<string, string>> {
    return customFields(this.http, accountId);
  }

  /**
   * Posts each subscription's blocking state, one after the other, each once. A refusal part way
   * says which subscriptions were already changed, so nobody takes the account as untouched.
   */
  async post(subscriptions: SubscriptionState[], stateOf: (s: SubscriptionState) => SpendwatchState) {
    const done: string[] = [];
    for (const subscription of subscriptions) {
      const endpoint: Endpoint = {
        method: 'POST',
        path: `/1.0/kb/subscriptions/${encodeURIComponent(subscription.subscriptionId)}/block`,
        label: 'POST /1.0/kb/subscriptions/{subscriptionId}/block',
        json: {
          ...stateOf(subscription),
          service: SERVICE,
          type: 'SUBSCRIPTION',
          blockedId: subscription.subscriptionId,
        },
        headers: { 'X-Killbill-CreatedBy': this.account.createdBy, 'X-Killbill-Reason': REASON },
        sendOnce: true,
      };
      try {
        this.http.expectOk(endpoint, await this.http.send(endpoint));
      } catch (error) {
        if (done.length === 0 || !(error instanceof ProviderError)) throw error;
        throw new Error(
          `${error.message}; the blocking state of ${done.length} of ${subscriptions.length} subscriptions was already changed (${done.join(', ')}): inspect the target before trying again`,
          { cause: error },
        );
      }
      done.push(subscription.subscriptionId);
    }
  }
}

/** Spendwatch's current state per subscription: the latest effective one (Kill Bill lists history too). */
function currentStates(states: BlockingState[]): Map<string, BlockingState> {
  const current = new Map<string, BlockingState>();
  for (const state of states) {
    if (state.service !== SERVICE) continue;
    const known = current.get(state.blockedId);
    // Equal or unstated dates: the later in Kill Bill's list (ordered by effective date) is the newer.
    if (!known || (state.effectiveDate ?? '') >= (known.effectiveDate ?? ''))
      current.set(state.blockedId, state);
  }
  return current;
}

const blocksAnything = (state: SpendwatchState | undefined) =>
  !!state && (state.isBlockChange || state.isBlockEntitlement || state.isBlockBilling);

/** "2 subscriptions active, none blocked by spendwatch". */
function summary(subscriptions: SubscriptionState[]): string {
  const live = subscriptions.filter(notEnded);
  const blocked = live.filter((s) => blocksAnything(s.spendwatchState)).length;
  return `${live.length} subscription${live.length === 1 ? '' : 's'} active, ${blocked === 0 ? 'none' : blocked} blocked by spendwatch`;
}

const notEnded = (s: SubscriptionState) => !(s.state && ENDED.has(s.state));

/** The subscriptions inspect recorded, that an action acts on (those not cancelled or expired). */
function recordedSubscriptions(before: TargetState): SubscriptionState[] {
  const { subscriptions } = before.data;
  if (!Array.isArray(subscriptions))
    throw new Error(
      `the recorded state (${before.summary}) lists no subscriptions: it was not read by this Kill Bill action; inspect the target again`,
    );
  return (subscriptions as SubscriptionState[]).filter(notEnded);
}

function recordedScope(target: ActionTarget, before: TargetState): Scope {
  const { accountId } = before.data;
  if (typeof accountId !== 'string')
    throw new Error(
      `the recorded state (${before.summary}) names no Kill Bill account; inspect the target again`,
    );
  return isCustomer(target) ? { accountId } : { accountId, subscriptionId: target.resourceId };
}

function block(account: KillBillAccount, context: ConnectContext): Actuator {
  const calls = () => new BlockCalls(account, context);
  return {
    describe(target, params) {
      const billing = blockParams.parse(params).billing ? ', billing included' : '';
      const name = `${target.resourceId}${target.resourceName ? ` (${target.resourceName})` : ''}`;
      return isCustomer(target)
        ? `block the subscriptions of customer ${name}${billing}`
        : `block subscription ${name}${billing}`;
    },
    async inspect(target): Promise<TargetFacts> {
      const step = calls();
      const scope = await step.scope(target);
      const [state, tags] = await Promise.all([step.state(scope), step.tags(scope.accountId)]);
      return { state, groups: [], tags };
    },
    async apply(target, params, before) {
      const billing = blockParams.parse(params).billing ?? false;
      const step = calls();
      await step.post(recordedSubscriptions(before), () => ({
        stateName: BLOCKED,
        isBlockChange: true,
        isBlockEntitlement: true,
        isBlockBilling: billing,
      }));
      return step.state(recordedScope(target, before));
    },
    async restore(target, before) {
      const step = calls();
      await step.post(
        recordedSubscriptions(before),
        (s) =>
          s.spendwatchState ?? {
            stateName: CLEARED,
            isBlockChange: false,
            isBlockEntitlement: false,
            isBlockBilling: false,
          },
      );
      return step.state(recordedScope(target, before));
    },
  };
}

export const killbillActuators = {
  block: {
    params: blockParams,
    acts: 'customers of per-customer invoice budgets (all their subscriptions), subscriptions of usage budgets',
    connect: block,
  },
};
