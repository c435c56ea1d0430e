import { describe, expect, it } from 'vitest';
import { errorBodySummary, providerSaid } from '../../../lib/http/error-text.ts';

describe("what an error may say of a provider's error body", () => {
  it.each([
    [{ msg: 'Not Found', detail: 'Cannot find invoice' }, 'Not Found'],
    [{ code: 'AUM0001', message: 'Invalid AuthKey' }, '[AUM0001] Invalid AuthKey'],
    [{ errors: [{ code: 10000, message: 'Authentication error' }] }, '[10000] Authentication error'],
    [
      { className: 'SubscriptionApiException', code: 6000, message: 'No such subscription' },
      '[6000] No such subscription',
    ],
    [{ error: { code: 'x', message: 'nested' } }, '[x] nested'],
  ])('takes the code and message of %j', (body, said) => {
    expect(errorBodySummary(body)).toBe(said);
  });

  it('never quotes a raw body: HTML, text, a JSON body without a message', () => {
    expect(errorBodySummary('<!DOCTYPE html><html><body>token abc</body></html>')).toBe(
      'an HTML or XML page of 50 bytes (not quoted)',
    );
    expect(errorBodySummary('upstream said token abc')).toBe('a non-JSON body of 23 bytes (not quoted)');
    expect(errorBodySummary({ token: 'abc' })).toBe('a JSON body without an error code or message');
    expect(errorBodySummary('')).toBe('empty body');
    // A bare snake_case error code, as Slack's webhooks answer, is the code itself.
    expect(errorBodySummary('rollup_error\n')).toBe('[rollup_error]');
  });

  it('keeps a message to one line of at most 200 characters', () => {
    const said = providerSaid(`line one\r\nline two ${'x'.repeat(300)}`);
    expect(said).toMatch(/^line one line two x+…$/);
    expect(said).toHaveLength(200);
  });
});
