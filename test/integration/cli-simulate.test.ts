/** --simulate replays a config of one's own against the demo world, whatever its credentials are named. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';

const DEMO = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

describe('--simulate with a config of its own', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spendwatch-simulate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('resolves env:, ssm: and secretsmanager: references the demo does not use', async () => {
    const demo = await readFile(DEMO, 'utf8');
    const renamed = demo
      .replace('env:FASTLY_API_TOKEN', 'env:OUR_FASTLY_TOKEN')
      .replace('env:SORACOM_JP_AUTH_KEY', 'ssm:/prod/soracom/auth-key')
      .replace('env:CLOUDFLARE_API_TOKEN', 'secretsmanager:prod/cloudflare#token');
    expect(renamed).not.toBe(demo);
    const config = join(dir, 'ours.yaml');
    await writeFile(config, renamed);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['status', '--config', config, '--simulate'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    expect(err.join('\n')).not.toMatch(/secret .*:|could not be read/);
    expect(code, err.join('\n')).toBe(0);
    expect(out.join('\n')).toContain('cdn-fastly');
  });
});
