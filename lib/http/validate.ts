import type { z } from 'zod';
import { redactor } from '../log/index.ts';
import { ProviderError } from './errors.ts';

export interface ResponseContext {
  provider: string;
  accountId: string;
  endpoint: string;
  /** Bodies that carry credentials (auth responses) are validated without echoing values. */
  sensitive?: boolean;
}

/**
 * Checks a provider response against the schema written from its published contract. The error
 * names each offending field by its JSON path with the value received and what was expected.
 */
export function decodeResponse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  context: ResponseContext,
): z.output<S> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(body)';
    const got = context.sensitive || !('input' in issue) ? '' : `, got ${preview(issue.input)}`;
    return `field "${path}": ${issue.message}${got}`;
  });
  const more = result.error.issues.length > 5 ? ` (+${result.error.issues.length - 5} more)` : '';
  throw new ProviderError({
    provider: context.provider,
    accountId: context.accountId,
    endpoint: context.endpoint,
    kind: 'invalid-response',
    detail: `response does not match the provider's contract: ${problems.join('; ')}${more}. The API may have changed; check the provider's changelog or report it`,
  });
}

/** A received value as an error may show it: masked (it may echo a credential), at most 60 characters. */
function preview(value: unknown): string {
  const text = value === undefined ? 'nothing' : redactor.redact(JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
