/**
 * `npm run demo`: the whole path on the embedded default with no cloud account. Simulators stand in
 * for the providers and a local SNS for AWS; everything else (clients, evaluation, alert building,
 * SNS publishing, email and Slack rendering) is the code that runs in Lambda.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderSlackMessage } from '../../lib/notify/render/index.ts';
import { CUSTOMER_RESOURCE } from '../../lib/spend/index.ts';
import type { CommandIo, CommandRun } from '../command-run.ts';
import { exitCodeOf } from '../command-run.ts';
import { describeReport } from '../output.ts';

const OUTPUT = resolve('artifacts/demo');

export async function runDemo(run: CommandRun, io: CommandIo): Promise<number> {
  const inbox = run.inbox;
  if (!inbox) throw new Error('the demo runs in the simulated world (--simulate)');
  const report = await run.check({}, { publisher: inbox.publisher });
  io.out(describeReport(report));
  const deliveries = await inbox.deliveries();
  const rule = (title: string) => `\n${'─'.repeat(4)} ${title} ${'─'.repeat(Math.max(4, 92 - title.length))}`;
  io.out(rule(`${deliveries.length} alerts published to SNS (local emulator), as subscribers receive them`));
  await mkdir(OUTPUT, { recursive: true });
  // Shown in full: the first critical alert with a guardrail action (else the first critical one),
  // the first in another currency (JPY and USD read differently), and the first about one customer
  // (a Kill Bill account over the cap agreed with it).
  const first =
    deliveries.find((d) => d.alert.severity === 'critical' && d.alert.actions?.length) ??
    deliveries.find((d) => d.alert.severity === 'critical') ??
    deliveries[0];
  const shown = new Set([
    first,
    deliveries.find((d) => d.alert.currency !== first?.alert.currency),
    deliveries.find((d) => d.alert.resource?.type === CUSTOMER_RESOURCE),
  ]);
  for (const [i, delivery] of deliveries.entries()) {
    const slack = JSON.stringify(renderSlackMessage(delivery.alert), null, 2);
    const name = `${String(i + 1).padStart(2, '0')}-${delivery.alert.budget}-${delivery.alert.thresholdId}`;
    await writeFile(join(OUTPUT, `${name}.email.txt`), `Subject: ${delivery.subject}\n\n${delivery.email}\n`);
    await writeFile(join(OUTPUT, `${name}.slack.json`), `${slack}\n`);
    if (!shown.has(delivery)) {
      io.out(`  ${delivery.subject}`);
      continue;
    }
    io.out(rule(`email ${i + 1}/${deliveries.length}`));
    io.out(`Subject: ${delivery.subject}\n\n${delivery.email}`);
    io.out(rule(`Slack ${i + 1}/${deliveries.length} (Block Kit posted by functions/slack-notifier)`));
    io.out(slack);
    io.out(rule('and'));
  }
  for (const { account, killbill, days, counts } of run.chargeback ?? []) {
    io.out(rule(`chargeback: ${account} re-billed through Kill Bill account ${killbill} (simulator)`));
    // A first run starts at the month's first day; each later export records a few more days.
    const span = days.length > 0 ? `${days[0]} to ${days.at(-1)}` : 'no settled day yet';
    io.out(
      `  days ${span} (the first settled ones; each export records a few more): ${counts.recorded} usage records recorded, ${counts.duplicate} already there, ` +
        `${counts.skipped} zero or negative amounts skipped, ${counts.unmapped} records of SIMs without the subscription tag, ${counts.failed} refused`,
    );
  }
  io.out(`\nEvery email and Slack message is in ${OUTPUT}/.`);
  if (deliveries.some((d) => d.alert.actions?.some((a) => a.approveUrl)))
    io.out(
      'The Approve links open (and act, in the simulated world) with: npm run spendwatch -- actions serve --config examples/demo.yaml --simulate --state artifacts/demo/state',
    );
  io.out('Next: npm run spendwatch -- status --config examples/demo.yaml --simulate');
  io.out('      npm run spendwatch -- report --config examples/demo.yaml --simulate --out artifacts/report');
  return exitCodeOf(report);
}
