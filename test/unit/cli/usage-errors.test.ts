/** Usage errors exit 2 before anything is read or sent, and say what would be right. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';

const DEMO = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('usage errors', () => {
  it('an --account the config does not have exits 2, naming the accounts it has', async () => {
    const result = await run('check', '--config', DEMO, '--account', 'soracom-jpp', '--dry-run');
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(
      /--account "soracom-jpp": no such account in demo\.yaml; its accounts are soracom-jp, soracom-global, /,
    );
  });

  it('a config file that does not exist exits 2, for validate too', async () => {
    for (const command of ['validate', 'check', 'status']) {
      const result = await run(command, '--config', 'no-such-spendwatch.yaml');
      expect(result.code, command).toBe(2);
      expect(result.err).toContain('file not found; pass --config with the path of your spendwatch.yaml');
    }
  });

  it.each(['2031-02-29T00:00:00Z', '2026-11-31', '2026-11-23T24:30:00Z', '2026-11-23T12:00:00'])(
    '--now %s, which is no instant, exits 2 instead of rolling over',
    async (now) => {
      const result = await run('status', '--config', DEMO, '--now', now);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`--now "${now}" is not an ISO 8601 date-time with a zone that exists`);
    },
  );
});
