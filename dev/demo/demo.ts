/**
 * `npm run demo`: the whole path on the embedded default, with no cloud account. Simulators stand
 * in for the providers; everything else (clients, evaluation, alert building) is the real code.
 */
import { fileURLToPath } from 'node:url';
import { runCheck } from '../../lib/check/run-check.ts';
import type { Io } from '../../lib/cli/main.ts';
import { describeReport } from '../../lib/cli/output.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { jsonLogger } from '../../lib/log/index.ts';
import { MemoryPublisher } from '../../lib/notify/publisher.ts';
import { envBackend, SecretResolver } from '../../lib/secrets/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';
import { DEMO_NOW, startDemoWorld } from './scenario.ts';

export const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

export async function runDemo({ now = DEMO_NOW, io }: { now?: string; io: Io }): Promise<number> {
  const clock = fixedClock(now);
  const world = await startDemoWorld(clock.now());
  try {
    const config = await loadConfig(DEMO_CONFIG);
    for (const account of config.accounts) account.baseUrl = world.baseUrls[account.id] ?? account.baseUrl;
    const publisher = new MemoryPublisher();
    io.out(
      `Replaying ${clock.now().toISOString()} against local provider simulators (pass --now to replay another moment).\n`,
    );
    const report = await runCheck(config, {
      clock,
      logger: jsonLogger({ level: 'warn', write: (line) => io.err(line) }),
      secrets: new SecretResolver([envBackend(world.env)]),
      publisher,
    });
    io.out(describeReport(report));
    return report.accounts.some((a) => a.status === 'error') ? 1 : 0;
  } finally {
    await world.stop();
  }
}
