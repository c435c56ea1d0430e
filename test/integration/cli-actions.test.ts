/**
 * `spendwatch actions` as an operator runs it against a local check's state, in the demo world: the check
 * proposes the demo's SIM action, `actions list` shows it, `approve` carries it out once (a second
 * approve does nothing and says why), `undo` puts it back; a dry run only says what would be proposed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';

const DEMO = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

async function spendwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('spendwatch actions', () => {
  let state: string;
  const inDemo = (...args: string[]) => [...args, '--config', DEMO, '--simulate', '--state', state];

  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'spendwatch-actions-'));
  });
  afterAll(() => rm(state, { recursive: true, force: true }));

  it('shows on a dry run what would be proposed, recording nothing', async () => {
    const dry = await spendwatch(inDemo('check', '--dry-run'));
    expect(dry.stdout).toContain(
      'action: slow SIM 440103125380001 to s1.minimum: would be proposed (dry run)',
    );
    expect((await spendwatch(inDemo('actions', 'list'))).stdout).toBe('No guardrail actions yet.');
  });

  it('approves once and undoes a proposed action by id', async () => {
    const checked = await spendwatch(inDemo('check'));
    const id = /awaiting approval \[(\w{16})\]/.exec(checked.stdout)?.[1];
    expect(id, checked.stdout).toBeDefined();
    expect(checked.stdout).toMatch(/Approve: http:\/\/127\.0\.0\.1:8787\/\?op=approve&t=/);
    expect((await spendwatch(inDemo('actions', 'list'))).stdout).toMatch(
      new RegExp(`^${id}  proposed .*sim-daily: slow SIM 440103125380001 to s1.minimum$`),
    );

    const approved = await spendwatch(inDemo('actions', 'approve', id!));
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(
      'executed: slow SIM 440103125380001 to s1.minimum (now speed class s1.minimum)',
    );
    expect(approved.stdout).toMatch(/Undo: http:\/\/127\.0\.0\.1:8787\/\?op=undo&t=/);
    const again = await spendwatch(inDemo('actions', 'approve', id!));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('unchanged: it was carried out already');

    const undone = await spendwatch(inDemo('actions', 'undo', id!));
    expect(undone.code).toBe(0);
    expect(undone.stdout).toContain(
      'undone: slow SIM 440103125380001 to s1.minimum (now speed class s1.standard)',
    );
    expect((await spendwatch(inDemo('actions', 'list'))).stdout).toMatch(new RegExp(`^${id}  undone`));
  });

  it('says what is missing', async () => {
    const bare = await spendwatch(['actions', 'list', '--config', DEMO]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--state DIR (a local check) or --bucket NAME (a deployment)');
    const noId = await spendwatch(inDemo('actions', 'approve'));
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("needs the action's id");
    expect((await spendwatch(inDemo('actions', 'frobnicate'))).stderr).toContain(
      'expected list, approve ID, undo ID or serve',
    );
  });
});
