/**
 * `spendwatch actions`: the guardrail actions of a deployment (or of a local --state folder), for
 * operators without the links: list them, approve or undo one by id, or serve the links' pages locally.
 */
import { createServer } from 'node:http';
import { userInfo } from 'node:os';
import type { Guardrails } from '../lib/actions/guardrails.ts';
import { answerLink } from '../lib/actions/link-request.ts';
import { ActionBook, type ActionRecord } from '../lib/actions/records.ts';
import { LinkSigner } from '../lib/actions/token.ts';
import { actionLines } from '../lib/alerts/wording.ts';
import type { AlertPublisher } from '../lib/notify/publisher.ts';
import type { ObjectStore } from '../lib/state/store.ts';
import type { CommandIo, CommandRun } from './command-run.ts';
import { LOCAL_ACTIONS_PORT } from './local-links.ts';
import { UsageError } from './usage-error.ts';

export interface ActionsFlags {
  subcommand: string;
  id?: string;
  port?: number;
}

/** The records of `store`, newest first, one line each. */
export async function listActions(store: ObjectStore, io: CommandIo): Promise<number> {
  const records = await new ActionBook(store).all();
  if (records.length === 0) {
    io.out('No guardrail actions yet.');
    return 0;
  }
  for (const record of records) io.out(actionLine(record));
  return 0;
}

/** Approves or undoes the action `id` as this operator; 0 when done, 1 when it failed or nothing was done. */
export async function actOn(
  guardrails: Guardrails,
  operation: 'approve' | 'undo',
  id: string,
  io: CommandIo,
): Promise<number> {
  const actor = { via: 'cli' as const, user: operatorName() };
  const outcome =
    operation === 'approve' ? await guardrails.approve(id, actor) : await guardrails.undo(id, actor);
  switch (outcome.result) {
    case 'executed':
    case 'undone': {
      const { record } = outcome;
      io.out(
        `${outcome.result}: ${record.description}${record.after ? ` (now ${record.after.summary})` : ''}`,
      );
      return 0;
    }
    default:
      io.err(`spendwatch actions ${operation} ${id}: ${outcome.result}: ${outcome.reason}`);
      return 1;
  }
}

/**
 * Serves the Approve and Undo pages on 127.0.0.1, as the actionLink function does behind its Function
 * URL: links made with SPENDWATCH_ACTIONS_URL=http://127.0.0.1:PORT/ open here. Until interrupted.
 */
export async function serveActions(
  run: CommandRun,
  guardrails: Guardrails,
  port: number | undefined,
  io: CommandIo,
): Promise<number> {
  const signer = new LinkSigner(
    await run.secrets.resolve(process.env.SPENDWATCH_ACTION_KEY_REF ?? 'env:SPENDWATCH_ACTION_KEY'),
  );
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    let body = '';
    for await (const chunk of request) body += chunk;
    const fields =
      request.method === 'POST'
        ? Object.fromEntries(new URLSearchParams(body))
        : Object.fromEntries(url.searchParams);
    const answer = await answerLink(
      { method: request.method ?? 'GET', fields, sourceIp: request.socket.remoteAddress ?? undefined },
      { guardrails, signer, now: run.clock.now() },
    );
    response.writeHead(answer.status, answer.headers).end(answer.html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? LOCAL_ACTIONS_PORT, '127.0.0.1', resolve);
  });
  const address = server.address();
  io.out(
    `Serving action links on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/ (Ctrl-C to stop)`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
  return 0;
}

/** Prints each notice of an action taken (with its Undo link), and passes it on to `next` (the topic, if any). */
export function noticePrinter(io: CommandIo, next: AlertPublisher): AlertPublisher {
  return {
    async publish(alert) {
      io.out(`notice: ${alert.headline}`);
      for (const line of actionLines(alert)) if (line.link) io.out(`  ${line.link.label}: ${line.link.url}`);
      return next.publish(alert);
    },
  };
}

export function requireId(flags: ActionsFlags): string {
  if (!flags.id)
    throw new UsageError(`actions ${flags.subcommand} needs the action's id (see: spendwatch actions list)`);
  return flags.id;
}

function actionLine(record: ActionRecord): string {
  const when = record.executedAt ?? record.proposedAt;
  const problem = record.problem ? `  (${record.problem})` : '';
  return `${record.id}  ${record.status.padEnd(9)}  ${when}  ${record.alert.budget}: ${record.description}${problem}`;
}

function operatorName(): string {
  try {
    return process.env.SPENDWATCH_OPERATOR ?? userInfo().username;
  } catch {
    return 'unknown operator';
  }
}
