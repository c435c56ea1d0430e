import { redactor } from '../log/redact.ts';

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

/**
 * Resolves references through the configured backends and caches values for the life of the
 * process (one Lambda container), registering each value with the redactor as it arrives.
 */
export class SecretResolver {
  private readonly cache = new Map<string, Promise<string>>();
  private readonly backends: Map<string, SecretBackend>;

  constructor(backends: SecretBackend[] = [envBackend()]) {
    this.backends = new Map(backends.map((backend) => [backend.scheme, backend]));
  }

  resolve(ref: string): Promise<string> {
    let pending = this.cache.get(ref);
    if (!pending) {
      pending = this.load(ref);
      this.cache.set(ref, pending);
      // A failure is not cached: the next run tries again.
      pending.catch(() => this.cache.delete(ref));
    }
    return pending;
  }

  async resolveAll<K extends string>(refs: Record<K, string>): Promise<Record<K, string>> {
    const entries = await Promise.all(
      Object.entries<string>(refs).map(async ([key, ref]) => [key, await this.resolve(ref)] as const),
    );
    return Object.fromEntries(entries) as Record<K, string>;
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
