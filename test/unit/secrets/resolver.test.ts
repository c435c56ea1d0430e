import { describe, expect, it } from 'vitest';
import { type SecretBackend, SecretResolver } from '../../../lib/secrets/index.ts';

/** An env-like store whose values a test rotates, counting how often it is asked. */
function store(values: Record<string, string>): SecretBackend & { asked: number } {
  const backend = {
    scheme: 'env' as const,
    asked: 0,
    async fetch(name: string) {
      backend.asked++;
      return values[name]!;
    },
  };
  return backend;
}

describe('secret resolution', () => {
  it('reuses a value for its time to live, then asks the store again and sees a rotation', async () => {
    const values = { TOKEN: 'first-value-1' };
    const backend = store(values);
    let now = Date.parse('2026-11-23T03:00:00Z');
    const secrets = new SecretResolver([backend], { clock: { now: () => new Date(now) }, ttlMs: 300_000 });
    expect(await secrets.resolve('env:TOKEN')).toBe('first-value-1');
    values.TOKEN = 'second-value-2';
    now += 299_000;
    expect(await secrets.resolve('env:TOKEN')).toBe('first-value-1');
    now += 1_000;
    expect(await secrets.resolve('env:TOKEN')).toBe('second-value-2');
    expect(backend.asked).toBe(2);
  });

  it('asks again at once for a value it was told to forget', async () => {
    const values = { TOKEN: 'first-value-1' };
    const secrets = new SecretResolver([store(values)]);
    await secrets.resolve('env:TOKEN');
    values.TOKEN = 'second-value-2';
    secrets.forget(['env:TOKEN']);
    expect(await secrets.resolve('env:TOKEN')).toBe('second-value-2');
  });
});
