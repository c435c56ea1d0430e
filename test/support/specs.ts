import { readFileSync } from 'node:fs';

/**
 * The providers' published contracts live in ../shared/specs beside the repository (as in CI).
 * Simulator drift tests read them there, never from copies that could drift themselves.
 */
const SPECS = new URL('../../../shared/specs/', import.meta.url);

export function specText(provider: string, file: string): string {
  return readFileSync(new URL(`${provider}/${file}`, SPECS), 'utf8');
}

export function specJson<T = unknown>(provider: string, file: string): T {
  return JSON.parse(specText(provider, file)) as T;
}
