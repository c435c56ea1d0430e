/**
 * Usage quantities: /billing/v3/usage-metrics (one figure per usage type and month) and, split by
 * service, /billing/v3/service-usage-metrics (one usage type per call).
 */
import { forEachLimit } from '../../concurrency/map-limit.ts';
import { fixedEndpoint } from '../../http/index.ts';
import { type Decimal, decimal } from '../../money/index.ts';
import type { SpendLine } from '../../spend/index.ts';
import type { SideCalls } from '../side-calls.ts';
import type { FastlyClient } from './client.ts';
import { usageLine } from './lines.ts';
import { splitMonthRange } from './months.ts';
import { ServiceUsageMetrics, type UsageMetric, UsageMetrics } from './schemas.ts';

export const USAGE = fixedEndpoint('GET', '/billing/v3/usage-metrics');
export const SERVICE_USAGE = fixedEndpoint('GET', '/billing/v3/service-usage-metrics');

const SERVICE_USAGE_PAGE_SIZE = '10000'; // the documented maximum: fewest pages per usage type
/**
 * Usage types split by service per read, and how many calls at once: each is a call of its own (more
 * with paging), so a read stays a few dozen requests however many products an account uses.
 */
const MAX_SPLIT_USAGE_TYPES = 40;
const CONCURRENT_SPLITS = 3;

/**
 * The usage metrics of `startMonth`..`endMonth` ("YYYY-MM", inclusive), in ≤3-month calls. A metric
 * without a quantity fails the call: its usage type would read as none, and a usage budget on its
 * unit as lower usage, so the usage part is missing instead.
 */
export async function usageMetrics(
  client: FastlyClient,
  startMonth: string,
  endMonth: string,
): Promise<UsageMetric[]> {
  const replies = await Promise.all(
    splitMonthRange(startMonth, endMonth).map(async (range) => {
      const endpoint = { ...USAGE, searchParams: range };
      const { data } = await client.http.json(endpoint, UsageMetrics);
      const unmeasured = data.filter((metric) => metric.quantity === undefined);
      if (unmeasured.length > 0) {
        const names = unmeasured.map((metric) => JSON.stringify(metric.usage_type ?? metric.name ?? null));
        throw client.http.error(
          endpoint,
          'invalid-response',
          `${unmeasured.length} of the ${data.length} usage metrics carry no quantity (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}); usage is not read as zero`,
        );
      }
      // A metric without its month, asked for one month, is that month's.
      const asked = range.start_month === range.end_month ? range.start_month : undefined;
      return data.map((metric) => ({ ...metric, month: metric.month ?? asked }));
    }),
  );
  return replies.flat();
}

/**
 * The month's usage lines, each usage type split into its services' lines plus the rest no service
 * accounts for, so the lines still add up to the usage type's quantity (an unscoped usage budget
 * counts it once) while a budget scoped to services sees theirs.
 *
 * Which usage types: the ones the month's usage metrics name with a quantity, the only source that
 * names both the product_id and the usage type the endpoint wants (invoice line items carry no
 * product_id, and the official SDK documents no endpoint listing usage types). Asked without them the
 * endpoint answers a single usage type, so a breakdown would silently hold only that one. A failed
 * call leaves every usage type whole and the breakdown missing.
 */
export async function usageByService(
  client: FastlyClient,
  {
    month,
    metrics,
    sideCalls,
    served,
  }: { month: string; metrics: UsageMetric[]; sideCalls: SideCalls; served: Set<string> },
): Promise<SpendLine[]> {
  const used = metrics.filter((metric) => metric.quantity?.gt(0));
  const askable = used.filter((metric) => metric.product_id && metric.usage_type);
  const asked = askable.slice(0, MAX_SPLIT_USAGE_TYPES);
  const services = await sideCalls.attempt('breakdown', undefined, () => servicesOf(client, month, asked));
  if (!services) return metrics.map((metric) => usageLine(metric));
  if (asked.length > 0) served.add(SERVICE_USAGE.label);
  const unasked = used.length - asked.length;
  if (unasked > 0) {
    sideCalls.note({
      part: 'breakdown',
      endpoint: SERVICE_USAGE.label,
      reason: `${unasked} of ${used.length} usage types were not split by service (${used.length - askable.length} without product_id or usage_type, ${askable.length - asked.length} over the ${MAX_SPLIT_USAGE_TYPES} split per read)`,
    });
  }
  return metrics.flatMap((metric) => {
    const split = services.get(metric);
    return split ? splitByService(metric, split) : [usageLine(metric)];
  });
}

/** Each usage type's services, a few calls at once; the first failure stops the asking and is thrown. */
async function servicesOf(
  client: FastlyClient,
  month: string,
  metrics: UsageMetric[],
): Promise<Map<UsageMetric, ServiceUsage[]>> {
  const services = new Map<UsageMetric, ServiceUsage[]>();
  let failure: unknown;
  await forEachLimit(
    metrics,
    CONCURRENT_SPLITS,
    async (metric) => {
      try {
        services.set(metric, await serviceUsage(client, month, metric));
      } catch (error) {
        failure ??= error;
      }
    },
    () => failure !== undefined,
  );
  if (failure !== undefined) throw failure;
  return services;
}

interface ServiceUsage {
  serviceId?: string;
  serviceName?: string;
  units: Decimal;
}

/** One usage type's usage per service in `month`, following cursors. */
async function serviceUsage(
  client: FastlyClient,
  month: string,
  metric: UsageMetric,
): Promise<ServiceUsage[]> {
  const endpoint = {
    ...SERVICE_USAGE,
    searchParams: {
      product_id: metric.product_id ?? '',
      usage_type_name: metric.usage_type ?? '',
      start_month: month,
      end_month: month,
      limit: SERVICE_USAGE_PAGE_SIZE,
    },
  };
  const pages = await client.pages(endpoint, ServiceUsageMetrics, (page) => page.data?.meta?.next_cursor);
  return pages.flatMap(({ data }) => {
    // Figures of another usage type would be counted as this one's.
    if (data?.usage_type !== undefined && data.usage_type !== metric.usage_type) {
      throw client.http.error(
        endpoint,
        'invalid-response',
        `asked for usage type "${metric.usage_type}", Fastly answered "${data.usage_type}"`,
      );
    }
    return (data?.details ?? []).flatMap((service) =>
      service.usage_units === undefined
        ? []
        : [{ serviceId: service.service_id, serviceName: service.service_name, units: service.usage_units }],
    );
  });
}

/** The usage type's lines per service (in the usage type's unit, as the endpoint reports), then the rest. */
function splitByService(metric: UsageMetric, services: ServiceUsage[]): SpendLine[] {
  const lines: SpendLine[] = services.map((service) => ({
    ...usageLine(metric, service.units),
    ResourceId: service.serviceId,
    ResourceName: service.serviceName,
  }));
  const attributed = services.reduce((total, service) => total.plus(service.units), decimal(0));
  // Services may report a little more than the usage type's figure (updated at other times): no rest then.
  const rest = metric.quantity?.minus(attributed);
  if (rest?.gt(0)) lines.push(usageLine(metric, rest));
  return lines;
}
