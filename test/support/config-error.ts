import { expect } from 'vitest';
import { ConfigError } from '../../lib/config/errors.ts';

/** The ConfigError `parse` throws; the test fails if it throws nothing or anything else. */
export function configErrorOf(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be rejected');
}
