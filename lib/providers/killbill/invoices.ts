/**
 * The priced upcoming invoice of each Kill Bill account a spendwatch account covers (its customers):
 * `POST /1.0/kb/invoices/dryRun` with `UPCOMING_INVOICE`, which Kill Bill computes from the catalog and
 * the usage recorded so far, and writes nothing. A dry run is real work for the server, so they run a
 * few at a time, and only when a cost budget reads the account.
 *
 * One customer that cannot be priced costs only its own charges: the reading is partial, and the
 * others are read. Only when none can be priced is the account unreadable.
 */
import { mapLimit } from '../../concurrency/map-limit.ts';
import { type Endpoint, ProviderError, type ProviderHttp } from '../../http/index.ts';
import type { Logger } from '../../log/index.ts';
import { type CurrencyCode, currencyCode, decimal, Money } from '../../money/index.ts';
import { CUSTOMER_RESOURCE, type MissingPart, type SpendLine } from '../../spend/index.ts';
import { reasonOf } from '../side-calls.ts';
import {
  CustomerAccount,
  CustomerAccounts,
  CustomFields,
  DryRunInvoice,
  type InvoiceItem,
} from './schemas.ts';

/** Dry runs (with their account and custom-field reads) in flight per spendwatch account. */
const CONCURRENT_DRY_RUNS = 4;
/** Accounts per page of GET /1.0/kb/accounts/pagination (Kill Bill's default). */
const ACCOUNTS_PAGE = 100;
/** Customers a partial-reading notice names before counting the rest. */
const NAMED_FAILURES = 5;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DRY_RUN: Omit<Endpoint, 'searchParams' | 'headers'> = {
  method: 'POST',
  path: '/1.0/kb/invoices/dryRun',
  label: 'POST /1.0/kb/invoices/dryRun',
  json: { dryRunType: 'UPCOMING_INVOICE' },
};

/** FOCUS ChargeCategory and ChargeFrequency of each kbswagger InvoiceItem.itemType that is a charge. */
const CHARGES: Record<string, Pick<SpendLine, 'ChargeCategory' | 'ChargeFrequency'>> = {
  USAGE: { ChargeCategory: 'Usage', ChargeFrequency: 'Usage-Based' },
  RECURRING: { ChargeCategory: 'Purchase', ChargeFrequency: 'Recurring' },
  FIXED: { ChargeCategory: 'Purchase', ChargeFrequency: 'One-Time' },
  EXTERNAL_CHARGE: { ChargeCategory: 'Purchase', ChargeFrequency: 'One-Time' },
  PARENT_SUMMARY: { ChargeCategory: 'Purchase' },
  TAX: { ChargeCategory: 'Tax' },
  ITEM_ADJ: { ChargeCategory: 'Adjustment' },
  REPAIR_ADJ: { ChargeCategory: 'Adjustment' },
};
/** Credits Kill Bill applies to the balance: not part of the invoice's amount, so not lines of it. */
const CREDITS = new Set(['CBA_ADJ', 'CREDIT_ADJ']);

export interface InvoicesRequest {
  /** `all` (every account of the tenant), or the UUIDs and external keys the config lists. */
  accounts: 'all' | readonly string[];
  /** Custom fields the budgets read (scope tags, amountTag): each customer's are fetched when any is. */
  tags: readonly string[];
  /** X-Killbill-CreatedBy, which the dry-run endpoint requires though it records nothing. */
  createdBy: string;
}

export interface UpcomingInvoices {
  /** One line per invoice item and customer, each named by the customer (ResourceId: its external key). */
  lines: SpendLine[];
  /** The invoices' sum, when every priced customer is billed in one currency. */
  total?: Money;
  /** Customers that could not be priced, as one notice. */
  missing?: MissingPart;
  sources: string[];
}

type Priced = { lines: SpendLine[]; currency?: CurrencyCode };

export async function readUpcomingInvoices(
  http: ProviderHttp,
  log: Logger,
  request: InvoicesRequest,
): Promise<UpcomingInvoices> {
  const sources = new Set<string>([DRY_RUN.label]);
  const named: readonly (string | CustomerAccount)[] =
    request.accounts === 'all' ? await allAccounts(http, sources) : request.accounts;
  const results = await mapLimit(named, CONCURRENT_DRY_RUNS, async (customer) => {
    const account = typeof customer === 'string' ? await accountNamed(http, customer, sources) : customer;
    return priced(http, log, account, request, sources);
  });
  const failed: { customer: string; error: ProviderError }[] = [];
  const read: Priced[] = [];
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') read.push(result.value);
    // Anything but a provider's answer is a fault of ours: never a partial reading.
    else if (!(result.reason instanceof ProviderError)) throw result.reason;
    else failed.push({ customer: customerName(named[i]!), error: result.reason });
  }
  if (read.length === 0 && failed.length > 0) throw failed[0]!.error;
  const currencies = new Set(read.flatMap((p) => (p.currency ? [p.currency] : [])));
  const lines = read.flatMap((p) => p.lines);
  const [currency] = currencies;
  return {
    lines,
    ...(currency &&
      currencies.size === 1 && {
        total: Money.sum(
          lines.flatMap((line) => (line.BilledCost ? [line.BilledCost] : [])),
          currency,
        ),
      }),
    ...(failed.length > 0 && { missing: failureNotice(failed, named.length) }),
    sources: [...sources],
  };
}

/** Every account of the tenant, page by page. */
async function allAccounts(http: ProviderHttp, sources: Set<string>): Promise<CustomerAccount[]> {
  const accounts: CustomerAccount[] = [];
  const seen = new Set<string>();
  for (let offset = 0; ; offset += ACCOUNTS_PAGE) {
    const endpoint: Endpoint = {
      method: 'GET',
      path: '/1.0/kb/accounts/pagination',
      label: 'GET /1.0/kb/accounts/pagination',
      searchParams: { offset: String(offset), limit: String(ACCOUNTS_PAGE) },
    };
    sources.add(endpoint.label);
    const page = await http.json(endpoint, CustomerAccounts);
    const fresh = page.filter((account) => !seen.has(account.accountId));
    // A server that ignores the offset would page for ever; a full page of nothing new is that.
    if (page.length > 0 && fresh.length === 0)
      throw http.error(
        endpoint,
        'invalid-response',
        `Kill Bill answered offset ${offset} with accounts it had already listed; it does not page`,
      );
    for (const account of fresh) seen.add(account.accountId);
    accounts.push(...fresh);
    if (page.length < ACCOUNTS_PAGE) return accounts;
  }
}

/** A listed account: by UUID, or by external key (a UUID-shaped key is taken as the UUID). */
export async function accountNamed(
  http: ProviderHttp,
  ref: string,
  sources?: Set<string>,
): Promise<CustomerAccount> {
  const byId = UUID.test(ref);
  const endpoint: Endpoint = byId
    ? {
        method: 'GET',
        path: `/1.0/kb/accounts/${encodeURIComponent(ref)}`,
        label: 'GET /1.0/kb/accounts/{accountId}',
      }
    : {
        method: 'GET',
        path: '/1.0/kb/accounts',
        label: 'GET /1.0/kb/accounts',
        searchParams: { externalKey: ref },
      };
  sources?.add(endpoint.label);
  const reply = await http.send(endpoint);
  if (reply.status === 404)
    throw http.error(
      endpoint,
      'not-found',
      `Kill Bill has no account ${byId ? '' : 'with external key '}${ref} in this tenant; check the account's accounts list and that apiKey names the right tenant`,
      reply.status,
    );
  return http.okBody(endpoint, reply, CustomerAccount);
}

/** One customer's upcoming invoice as lines (a zero line when Kill Bill has nothing to invoice). */
async function priced(
  http: ProviderHttp,
  log: Logger,
  account: CustomerAccount,
  request: InvoicesRequest,
  sources: Set<string>,
): Promise<Priced> {
  const customer: SpendLine = {
    ResourceId: account.externalKey ?? account.accountId,
    ...(account.name && { ResourceName: account.name }),
    ResourceType: CUSTOMER_RESOURCE,
  };
  if (request.tags.length > 0) {
    const tags = await customFields(http, account.accountId, request.tags, sources);
    if (Object.keys(tags).length > 0) customer.Tags = tags;
  }
  const endpoint: Endpoint = {
    ...DRY_RUN,
    searchParams: { accountId: account.accountId },
    headers: { 'X-Killbill-CreatedBy': request.createdBy },
  };
  const reply = await http.send(endpoint);
  if (reply.status === 204) {
    log.info('Kill Bill has nothing to invoice for this account (dry run 204): read as zero', {
      customer: customer.ResourceId,
    });
    const zero: SpendLine[] = account.currency
      ? [{ ...customer, ChargeDescription: 'nothing to invoice', BilledCost: Money.zero(account.currency) }]
      : [];
    return { lines: zero, currency: account.currency };
  }
  if (reply.status === 404)
    throw http.error(
      endpoint,
      'not-found',
      `Kill Bill has no account ${account.accountId} (${customer.ResourceId}) in this tenant any more`,
      reply.status,
    );
  const invoice = http.okBody(endpoint, reply, DryRunInvoice);
  const invoiceCurrency = currencyCode(invoice.currency);
  const lines = (invoice.items ?? []).flatMap((item) => itemLine(customer, item, invoiceCurrency));
  // The lines of a customer add up to its invoice's amount: what no item accounts for is a line too.
  const rest = decimal(invoice.amount).minus(
    lines.reduce((sum, line) => sum.plus(line.BilledCost!.amount), decimal(0)),
  );
  if (!rest.eq(0) || lines.length === 0)
    lines.push({
      ...customer,
      ChargeDescription: `not itemised: the invoice of ${invoice.targetDate ?? 'its target date'} less its items`,
      BilledCost: Money.of(rest, invoiceCurrency),
    });
  return { lines, currency: invoiceCurrency };
}

/** The fields of `wanted` (all of them when unsaid) the customer's account carries, by name. */
export async function customFields(
  http: ProviderHttp,
  accountId: string,
  wanted?: readonly string[],
  sources?: Set<string>,
): Promise<Record<string, string>> {
  const endpoint: Endpoint = {
    method: 'GET',
    path: `/1.0/kb/accounts/${encodeURIComponent(accountId)}/customFields`,
    label: 'GET /1.0/kb/accounts/{accountId}/customFields',
  };
  sources?.add(endpoint.label);
  const fields = await http.json(endpoint, CustomFields);
  const tags: Record<string, string> = {};
  for (const { name, value } of fields)
    if (name !== undefined && value !== undefined && (!wanted || wanted.includes(name))) tags[name] = value;
  return tags;
}

/** An invoice item as a line of its customer; credits and items without an amount are none. */
function itemLine(customer: SpendLine, item: InvoiceItem, currency: CurrencyCode): SpendLine[] {
  if (item.amount === undefined || (item.itemType && CREDITS.has(item.itemType))) return [];
  const names = [item.planName, item.phaseName, item.usageName].filter(
    (name): name is string => name !== undefined,
  );
  const about = [
    names.join(' / '),
    item.description && !names.includes(item.description) ? item.description : undefined,
    item.quantity !== undefined && item.rate !== undefined ? `${item.quantity} × ${item.rate}` : undefined,
    item.subscriptionId && `subscription ${item.subscriptionId}`,
    item.startDate && `from ${item.startDate}${item.endDate ? ` to ${item.endDate}` : ''}`,
  ].filter(Boolean);
  return [
    {
      ...customer,
      ...(item.productName && { ServiceName: item.productName }),
      ChargeDescription: `${item.itemType ?? 'item'}${about.length > 0 ? ` ${about.join(', ')}` : ''}`,
      ...(item.itemType && CHARGES[item.itemType]),
      BilledCost: Money.of(item.amount, currency),
    },
  ];
}

function customerName(customer: string | CustomerAccount): string {
  return typeof customer === 'string' ? customer : (customer.externalKey ?? customer.accountId);
}

/** One notice for every customer that could not be priced, naming the first few and why. */
function failureNotice(failed: { customer: string; error: ProviderError }[], of: number): MissingPart {
  const reasons = failed
    .slice(0, NAMED_FAILURES)
    .map(({ customer, error }) => `${customer} (${reasonOf(error)})`);
  const more = failed.length > NAMED_FAILURES ? ` and ${failed.length - NAMED_FAILURES} more` : '';
  return {
    part: 'resources',
    endpoint: failed[0]!.error.endpoint,
    reason: `${failed.length} of ${of} customers could not be priced: ${reasons.join(', ')}${more}`,
  };
}
