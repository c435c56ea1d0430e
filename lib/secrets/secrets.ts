import { groupBy } from '../collections/group-by.ts';
import { redactor } from '../log/redact.ts';
import { type Clock, systemClock } from '../time/clock.ts';

/**
 * A credential is written in config as a reference, never as the value:
 *   env:NAME                 an environment variable (local runs, CI)
 *   ssm:/path/to/param       SSM Parameter Store (SecureString), resolved in Lambda
 *   secretsmanager:name      Secrets Manager secret (optionally name#jsonKey)
 */
type SecretScheme = 'env' | 'ssm' | 'secretsmanager';
export const SECRET_REF =
  /^(env:[A-Za-z_][A-Za-z0-9_]*|ssm:\/[A-Za-z0-9_.\-/]+|secretsmanager:[A-Za-z0-9/_+=.@\-#]+)$/;

export interface SecretBackend {
  scheme: SecretScheme;
  fetch(name: string): Promise<string>;
  /**
   * Many names in few requests (SSM's GetParameters): the values found. A name left out is fetched
   * alone later, so its own error is the one reported.
   */
  fetchMany?(names: string[]): Promise<Map<string, string>>;
}

export class SecretError extends Error {
  constructor(
    readonly ref: string,
    reason: string,
  ) {
    super(`secret ${ref}: ${reason}`);
    this.name = 'SecretError';
  }
}

export const envBackend = (env: NodeJS.ProcessEnv = process.env): SecretBackend => ({
  scheme: 'env',
  async fetch(name) {
    const value = env[name];
    if (value === undefined || value === '')
      throw new Error(`environment variable ${name} is not set; export it before running`);
    return value;
  },
});

/** How long a resolved value is used before it is fetched again: a rotated credential is picked up by then. */
const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

interface SecretResolverOptions {
  clock?: Clock;
  ttlMs?: number;
}

/**
 * Resolves references through the configured backends and caches each value for `ttlMs` (one Lambda
 * container lives for hours; a rotated credential must not wait for it to die), registering each value
 * with the redactor as it arrives. `forget` drops values a provider has just refused.
 */
export class SecretResolver {
  private readonly cache = new Map<string, { value: Promise<string>; loadedAt: number }>();
  private readonly backends: Map<string, SecretBackend>;
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(backends: SecretBackend[] = [envBackend()], options: SecretResolverOptions = {}) {
    this.backends = new Map(backends.map((backend) => [backend.scheme, backend]));
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  }

  resolve(ref: string): Promise<string> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(ref);
    if (cached && now - cached.loadedAt < this.ttlMs) return cached.value;
    const value = this.load(ref);
    this.cache.set(ref, { value, loadedAt: now });
    // A failure is not cached: the next run tries again.
    value.catch(() => this.cache.delete(ref));
    return value;
  }

  async resolveAll<K extends string>(refs: Record<K, string>): Promise<Record<K, string>> {
    const entries = await Promise.all(
      Object.entries<string>(refs).map(async ([key, ref]) => [key, await this.resolve(ref)] as const),
    );
    return Object.fromEntries(entries) as Record<K, string>;
  }

  /**
   * Resolves `refs` ahead, in batches where a backend can: a check's thousand accounts then cost SSM a
   * hundred requests, not two thousand (its default throughput is 40 a second). Never throws: a ref
   * that fails here is resolved, and fails, on its own when asked.
   */
  async prefetch(refs: Iterable<string>): Promise<void> {
    const now = this.clock.now().getTime();
    const due = [...new Set(refs)].filter((ref) => {
      const cached = this.cache.get(ref);
      return !(cached && now - cached.loadedAt < this.ttlMs);
    });
    const wanted = groupBy(due, (ref) => {
      const backend = this.backends.get(ref.slice(0, ref.indexOf(':')));
      return ref.includes(':') && backend?.fetchMany ? [backend] : [];
    });
    await Promise.all(
      [...wanted].map(async ([backend, batch]) => {
        const names = batch.map((ref) => ref.slice(ref.indexOf(':') + 1));
        const found = await backend.fetchMany!(names).catch(() => new Map<string, string>());
        for (const [name, value] of found) {
          redactor.add(value);
          this.cache.set(`${backend.scheme}:${name}`, { value: Promise.resolve(value), loadedAt: now });
        }
      }),
    );
  }

  /** Drops cached values, so the next `resolve` asks the store again (after a provider refused them). */
  forget(refs: Iterable<string>): void {
    for (const ref of refs) this.cache.delete(ref);
  }

  private async load(ref: string): Promise<string> {
    const colon = ref.indexOf(':');
    const scheme = ref.slice(0, colon);
    const backend = this.backends.get(scheme);
    if (colon < 0 || !backend) {
      throw new SecretError(
        ref,
        `no resolver for "${scheme}:" here; use one of ${[...this.backends.keys()].map((s) => `${s}:`).join(', ')}`,
      );
    }
    try {
      const value = await backend.fetch(ref.slice(colon + 1));
      redactor.add(value);
      return value;
    } catch (error) {
      throw new SecretError(ref, (error as Error).message);
    }
  }
}
