import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../lib/log/redact.ts';

const TOKEN = 'Abc123def456GHI789jkl';

function redactorWith(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}

describe('the redactor', () => {
  const redactor = redactorWith(TOKEN, 'user:pa ss/wörd');

  it.each([
    ['as written', `token ${TOKEN} is not valid`],
    ['truncated at its end', 'token Abc123de*** is not valid'],
    ['only its tail', 'key ending …789jkl was revoked'],
    ['upper-cased', `token ${TOKEN.toUpperCase()}`],
    ['lower-cased inside a word', `x${TOKEN.toLowerCase()}y`],
    ['URL-encoded', `?k=${encodeURIComponent('user:pa ss/wörd')}`],
    ['base64', `Basic ${Buffer.from(TOKEN).toString('base64')}`],
    ['base64, truncated', `Basic ${Buffer.from(TOKEN).toString('base64').slice(0, 12)}…`],
  ])('masks a secret echoed %s', (_, text) => {
    const out = redactor.redact(text);
    expect(out).toContain('[REDACTED]');
    for (let i = 0; i + 6 <= TOKEN.length; i++) {
      const run = TOKEN.slice(i, i + 6).toLowerCase();
      if (i === 0 || i + 6 === TOKEN.length) expect(out.toLowerCase()).not.toContain(run);
    }
    expect(out).not.toMatch(/Abc123|789jkl|pa%20ss/i);
  });

  it('leaves text around the secret, and text without one, as it was', () => {
    expect(redactor.redact(`a ${TOKEN} b`)).toBe('a [REDACTED] b');
    expect(redactor.redact('Abc12 is too short a run to be taken for the token')).toBe(
      'Abc12 is too short a run to be taken for the token',
    );
    expect(redactor.redact('İstanbul ünïcode stays')).toBe('İstanbul ünïcode stays');
  });

  it('masks overlapping echoes once', () => {
    expect(redactor.redact(`${TOKEN}${TOKEN.slice(0, 8)}`)).toBe('[REDACTED]');
  });

  it('masks a short secret only whole, and presigned signatures by pattern', () => {
    const short = redactorWith('k3y9');
    expect(short.redact('k3y9 and k3y')).toBe('[REDACTED] and k3y');
    expect(short.redact('https://b/o?X-Amz-Signature=abcdef&x=1')).toBe(
      'https://b/o?X-Amz-Signature=[REDACTED]&x=1',
    );
  });
});

describe('identifiers resolved like secrets', () => {
  it('are masked whole, but their fragments are not: "tenant-acme" must not hide "acme" words', () => {
    const redactor = redactorWith('tenant-killbill-faulty', 'spendwatch-bot');
    expect(redactor.redact('account killbill-faulty, prefix spendwatch/')).toBe(
      'account killbill-faulty, prefix spendwatch/',
    );
    expect(redactor.redact('apiKey tenant-killbill-faulty')).toBe('apiKey [REDACTED]');
  });
});
