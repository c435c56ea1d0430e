/**
 * A provider (or whatever answers at its address) that redirects: credentials must never follow a
 * redirect off the provider's origin, never go over plain http to another machine, and a loop must not
 * read as a network error to retry. Real loopback servers, plain and TLS; no mocks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedEndpoint, ProviderError, ProviderHttp } from '../../lib/http/index.ts';
import { silentLogger } from '../../lib/log/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';

const TOKEN = 'Fk9-planted-fastly-token-Zq7x9';
const seenByThief: IncomingMessage[] = [];
let thief: Server;
let thiefOrigin: string;
let provider: Server;
let providerOrigin: string;

type Route = (request: IncomingMessage, response: ServerResponse) => void;
const redirect =
  (status: number, location: () => string): Route =>
  (_request, response) => {
    response.writeHead(status, { location: location() }).end();
  };
const ok: Route = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
};
const routes: Record<string, Route> = {
  '/cross': redirect(302, () => `${thiefOrigin}/steal?X-Amz-Signature=abc123secret`),
  '/loop': redirect(302, () => '/loop'),
  '/hop/1': redirect(301, () => '/hop/2'),
  '/hop/2': redirect(308, () => `${providerOrigin}/hop/3`),
  '/hop/3': ok,
  '/post-303': redirect(303, () => '/hop/3'),
  '/post-307': redirect(307, () => '/hop/3'),
};
const route: Route = (request, response) =>
  (routes[new URL(request.url!, 'http://x').pathname] ?? ((_, r) => r.writeHead(404).end()))(
    request,
    response,
  );

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string): ProviderHttp {
  return new ProviderHttp({
    provider: 'fastly',
    accountId: 'cdn',
    baseUrl,
    logger: silentLogger,
    clock: fixedClock(new Date('2026-11-23T03:00:00Z')),
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 5_000 },
    headers: () => ({ 'Fastly-Key': TOKEN }),
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  thief = createServer((request, response) => {
    seenByThief.push(request);
    ok(request, response);
  });
  thiefOrigin = await listen(thief);
  provider = createServer(route);
  providerOrigin = await listen(provider);
});
afterAll(async () => {
  await Promise.all([thief, provider].map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('redirects from a provider', () => {
  it('refuses a redirect to another origin, naming the origin and never the query, and sends it nothing', async () => {
    const error = await failure(client(providerOrigin).send(fixedEndpoint('GET', '/cross')));
    expect(error.kind).toBe('redirect');
    expect(error.status).toBe(302);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain(`another origin, ${thiefOrigin}`);
    expect(error.message).not.toMatch(/steal|Signature|abc123/);
    expect(seenByThief).toHaveLength(0);
  });

  it('stops a redirect loop after three hops, without retrying it as a network error', async () => {
    const error = await failure(client(providerOrigin).send(fixedEndpoint('GET', '/loop')));
    expect(error.kind).toBe('redirect');
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('more than 3 redirects');
  });

  it('follows a few hops within the same origin, as a trailing-slash redirect needs', async () => {
    const reply = await client(providerOrigin).send(fixedEndpoint('GET', '/hop/1'));
    expect(reply).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('keeps a POST a POST: 307 is followed, a 303 that would turn it into a GET is refused', async () => {
    const post = (path: string) => ({ ...fixedEndpoint('POST', path), json: { usage: 1 } });
    expect(await client(providerOrigin).send(post('/post-307'))).toMatchObject({ status: 200 });
    const error = await failure(client(providerOrigin).send(post('/post-303')));
    expect(error.message).toContain('would turn this request into another');
  });

  it('never sends credentials over plain http to another machine', async () => {
    const error = await failure(
      client('http://billing.spendwatch.invalid').send(fixedEndpoint('GET', '/hop/3')),
    );
    expect(error.kind).toBe('insecure');
    expect(error.message).toContain('use an https URL');
  });
});

describe('a downgrade from https', () => {
  let tls: Server | undefined;
  let tlsOrigin = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spendwatch-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      console.warn('SKIPPED https downgrade test: openssl is not installed, so no test certificate');
      return;
    }
    tls = createTlsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      redirect(301, () => `http://${new URL(tlsOrigin).host}/hop/3`),
    );
    await new Promise<void>((resolve) => tls!.listen(0, '127.0.0.1', resolve));
    tlsOrigin = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    // The test certificate is self-signed: trust it in this test process only.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  });
  afterAll(async () => {
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    if (tls) await new Promise((resolve) => tls!.close(resolve));
  });

  it('refuses to follow https to http on the same host and port (another origin)', async ({ skip }) => {
    if (!tls) skip();
    const error = await failure(client(tlsOrigin).send(fixedEndpoint('GET', '/anything')));
    expect(error.kind).toBe('redirect');
    expect(error.message).toContain(`another origin, http://${new URL(tlsOrigin).host}`);
  });
});
