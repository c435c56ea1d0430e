/**
 * The demo's simulated month: spend curves for each simulated account in the month of `now`,
 * shaped so a person sees each kind of alert (a threshold, a forecast, a runaway-day anomaly).
 */
import { localDateKey, toLocal } from '../../lib/time/zoned.ts';
import { monthOfDays, SoracomSimulator } from '../simulators/soracom.ts';

export const DEMO_NOW = '2026-11-23T12:00:00+09:00';

export interface DemoWorld {
  /** Account id → base URL of its simulator. */
  baseUrls: Record<string, string>;
  /** Environment the config's env: references resolve from. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoWorld(now: Date): Promise<DemoWorld> {
  const clock = () => now;
  const jpLocal = toLocal(now, 'Asia/Tokyo');
  const jpMonth = `${jpLocal.year}${String(jpLocal.month).padStart(2, '0')}`;
  const today = localDateKey(now, 'Asia/Tokyo').replaceAll('-', '');
  const runawayDay = Math.max(1, jpLocal.day - 3);

  // ~¥800 a day of data and basic fees; one SIM stuck in a loop three days ago; today is half over.
  const jp = new SoracomSimulator({
    authKeys: { 'keyId-demo-jp': 'secret-demo-jp-authkey' },
    currency: 'JPY',
    timeZone: 'Asia/Tokyo',
    now: clock,
    daily: monthOfDays(jpMonth, (day) => (day === runawayDay ? 4800 : 780 + ((day * 37) % 60))),
  });
  jp.setDay(today, 400);

  const gLocal = toLocal(now, 'UTC');
  const gMonth = `${gLocal.year}${String(gLocal.month).padStart(2, '0')}`;
  const global = new SoracomSimulator({
    authKeys: { 'keyId-demo-global': 'secret-demo-global-authkey' },
    currency: 'USD',
    timeZone: 'UTC',
    now: clock,
    daily: monthOfDays(gMonth, (day) => 5.4 + (day % 3) * 0.35),
  });

  const sims = [jp, global];
  await Promise.all(sims.map((s) => s.start()));
  return {
    baseUrls: { 'soracom-jp': jp.baseUrl, 'soracom-global': global.baseUrl },
    env: {
      SORACOM_JP_AUTH_KEY_ID: 'keyId-demo-jp',
      SORACOM_JP_AUTH_KEY: 'secret-demo-jp-authkey',
      SORACOM_GLOBAL_AUTH_KEY_ID: 'keyId-demo-global',
      SORACOM_GLOBAL_AUTH_KEY: 'secret-demo-global-authkey',
    },
    stop: async () => {
      await Promise.all(sims.map((s) => s.stop()));
    },
  };
}
