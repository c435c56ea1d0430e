import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { TerminalLog } from '../../../cli/terminal-log.ts';
import { redactor } from '../../../lib/log/index.ts';

describe('the CLI log on a terminal', () => {
  it('prints a warning as one readable line, and an error once: not when the output shows it', () => {
    const err: string[] = [];
    const log = new TerminalLog((text) => err.push(text));
    const logger = log.logger({ provider: 'fastly' }).child({ account: 'cdn' });
    logger.info('account read');
    logger.warn('provider call failed, retrying', { attempt: 1, kind: 'network' });
    expect(err).toEqual([
      'warning: provider call failed, retrying (provider fastly, account cdn, attempt 1, kind network)',
    ]);

    logger.error('account could not be read', { error: 'GET /x: HTTP 500' });
    logger.error('account health could not be recorded', { error: new Error('S3 is away') });
    expect(err).toHaveLength(1); // errors wait for the output
    log.printed('  cdn (fastly): ERROR GET /x: HTTP 500');
    log.flush();
    expect(err.slice(1)).toEqual([
      'error: account health could not be recorded (provider fastly, account cdn, error S3 is away)',
    ]);
    log.flush();
    expect(err).toHaveLength(2);
  });

  it('masks secrets as the JSON log does', () => {
    redactor.add('tok-terminal-secret-0123456789');
    const err: string[] = [];
    new TerminalLog((text) => err.push(text))
      .logger()
      .warn('refused', { header: 'tok-terminal-secret-0123456789' });
    expect(err.join('\n')).not.toContain('tok-terminal-secret-0123456789');
  });

  it('shows the unreadable account of a check once, in the summary, not again on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spendwatch-terminal-'));
    try {
      const config = join(dir, 'spendwatch.yaml');
      await writeFile(
        config,
        [
          'version: 1',
          'accounts:',
          '  - { id: cdn, provider: fastly, credentials: { apiToken: env:SPENDWATCH_TEST_UNSET_TOKEN } }',
          'budgets:',
          '  - { name: cdn, account: cdn, amount: 100, currency: USD, thresholds: [{ at: 80% }] }',
        ].join('\n'),
      );
      const out: string[] = [];
      const err: string[] = [];
      const terminal = new TerminalLog((text) => err.push(text));
      const code = await main(['check', '--config', config, '--now', '2026-11-23T00:00:00Z'], {
        out: (text) => {
          terminal.printed(text);
          out.push(text);
        },
        err: (text) => err.push(text),
        terminal,
      });
      expect(code).toBe(1);
      const everything = [...out, ...err].join('\n');
      expect(everything.match(/SPENDWATCH_TEST_UNSET_TOKEN is not set/g)).toHaveLength(1);
      expect(err.join('\n')).not.toContain('{"level"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
