/**
 * Composition root of the scheduled Soracom export Lambda: for every Soracom account of the config,
 * export the month in progress (and, in the first days of a month, the month just closed) into S3,
 * where csv-ingest.ts summarises each new export.
 */
import { mapLimit } from '../concurrency/map-limit.ts';
import type { AccountOf, Config } from '../config/config.ts';
import { providerAccount } from '../providers/registry.ts';
import { exportBillingCsvToS3 } from '../providers/soracom/billing-csv/export.ts';
import { SoracomExports, SoracomSource } from '../providers/soracom/index.ts';
import type { ConnectContext } from '../providers/types.ts';
import { monthlyPeriod, yyyymm } from '../time/period.ts';
import { toLocal } from '../time/zoned.ts';
import { loadRuntimeConfig } from './config-source.ts';
import { type SharedDependencies, sharedDependencies } from './shared-dependencies.ts';

/** Soracom finalises a month by its second business day: look back this many days for it. */
const CLOSED_MONTH_LOOKBACK_DAYS = 5;

export interface JobDependencies extends SharedDependencies {
  /** Provider HTTP settings (tests shorten waits through `sleep`). */
  http?: ConnectContext['http'];
  /** The config; by default read from SPENDWATCH_CONFIG (the bundle or S3). */
  config?: () => Promise<Config>;
}

export function soracomExportFromEnvironment(
  env: NodeJS.ProcessEnv,
): () => Promise<{ exported: string[]; failed: string[] }> {
  return soracomExportJob(sharedDependencies(env, 'soracom-export'));
}

export function soracomExportJob(
  deps: JobDependencies,
): () => Promise<{ exported: string[]; failed: string[] }> {
  return async () => {
    const config = await (deps.config?.() ?? loadRuntimeConfig(deps.env.SPENDWATCH_CONFIG, deps.s3));
    const accounts = config.accounts.filter((a) => a.provider === 'soracom');
    const results = await mapLimit(accounts, 2, (account) => exportAccount(account, deps));
    const exported: string[] = [];
    const failed: string[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') exported.push(...result.value);
      else {
        failed.push(accounts[i]!.id);
        deps.logger.error('soracom export failed', {
          account: accounts[i]!.id,
          error: (result.reason as Error).message,
        });
      }
    });
    // One broken account never stops the others, but the run reports failure so Lambda's alarms see it.
    if (failed.length > 0 && exported.length === 0)
      throw new Error(`soracom export failed for ${failed.join(', ')}`);
    return { exported, failed };
  };
}

async function exportAccount(account: AccountOf<'soracom'>, deps: JobDependencies): Promise<string[]> {
  const credentials = await deps.secrets.resolveAll(account.credentials);
  const context = {
    clock: deps.clock,
    logger: deps.logger.child({ account: account.id }),
    credentials,
    http: deps.http ?? {},
  };
  const soracom = providerAccount(account);
  const source = new SoracomSource(soracom, context);
  const exports = new SoracomExports(soracom, context);
  const now = deps.clock.now();
  const reading = await source.read({ period: monthlyPeriod(now, account.timeZone), needs: {} });
  const currency = reading.status === 'ok' ? reading.spend.BillingCurrency : undefined;
  if (!currency) throw new Error(`account ${account.id}: no bill currency from GET /bills/latest`);
  const months: ('latest' | string)[] = ['latest'];
  if (toLocal(now, account.timeZone).day <= CLOSED_MONTH_LOOKBACK_DAYS) {
    const previous = yyyymm(
      monthlyPeriod(new Date(monthlyPeriod(now, account.timeZone).start.getTime() - 1), account.timeZone),
    );
    if ((await source.monthBill(previous))?.closed) months.push(previous);
  }
  const keys: string[] = [];
  for (const month of months) {
    const stored = await exportBillingCsvToS3({
      account: soracom,
      exports,
      s3: deps.s3,
      bucket: deps.env.SPENDWATCH_BUCKET,
      prefix: deps.env.SPENDWATCH_STATE_PREFIX,
      clock: deps.clock,
      logger: deps.logger,
      currency,
      month,
    });
    keys.push(stored.key);
  }
  return keys;
}
