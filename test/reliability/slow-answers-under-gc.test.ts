/**
 * A provider that answers slowly must not hold a run past the client's timeout, even while the garbage
 * collector runs. Node's fetch loses the abort of a Request whose object has been collected
 * (nodejs/undici#4068), and ky hands fetch such a Request: with a collection between the request and
 * the timeout, a signal alone let a stalled body finish seconds later as a success. This is the rare
 * fault-matrix failure seen in whole-suite runs, made certain here by collecting every 250 ms. Real
 * loopback server; the collector is V8's own, reached through `--expose-gc`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedEndpoint, ProviderError, ProviderHttp } from '../../lib/http/index.ts';
import { silentLogger } from '../../lib/log/index.ts';
import { fixedClock } from '../../lib/time/clock.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * The client's timeout is long enough for a loopback request to reach the server and its headers to
 * come back on a busy machine (the stall must be met mid-body); the stall is far beyond it, past the
 * test's own timeout: a call that waits for it has lost its deadline.
 */
const TIMEOUT_MS = 2_000;
const STALL_MS = 30_000;
const COLLECT_EVERY_MS = 250;

/**
 * How each exchange ended at the server: torn down by the client before its end, or finished. A stall's
 * timer holds nothing open (unref): the test is over long before it fires.
 */
const endings: Promise<'closed early' | 'finished'>[] = [];
const stalls: Record<string, (response: ServerResponse, done: () => boolean) => void> = {
  // Headers and half the body at once, the rest after the stall.
  '/body': (response, done) => {
    response.writeHead(200, { 'content-type': 'application/json' }).write('{"amount":');
    setTimeout(() => done() || response.end('1}'), STALL_MS).unref();
  },
  // Nothing at all until the stall is over.
  '/headers': (response, done) => {
    setTimeout(
      () => done() || response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
      STALL_MS,
    ).unref();
  },
};

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    endings.push(
      new Promise((resolve) =>
        response.on('close', () => resolve(response.writableFinished ? 'finished' : 'closed early')),
      ),
    );
    stalls[request.url!]!(response, () => response.destroyed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('a stalled answer while the garbage collector runs', () => {
  it.each(['/body', '/headers'])(
    '%s: times out at the client timeout and closes the connection',
    async (path) => {
      const http = new ProviderHttp({
        provider: 'killbill',
        accountId: 'billing',
        baseUrl: origin,
        logger: silentLogger,
        clock: fixedClock(new Date('2026-11-25T03:00:00Z')),
        timeoutMs: TIMEOUT_MS,
        retry: { maxAttempts: 1 },
      });
      const served = endings.length;
      const collector = setInterval(collectGarbage, COLLECT_EVERY_MS);
      try {
        const outcome = await http.send(fixedEndpoint('GET', path)).then(
          (reply) => reply,
          (error: unknown) => error,
        );
        expect(outcome).toBeInstanceOf(ProviderError);
        expect((outcome as ProviderError).kind).toBe('timeout');
        expect((outcome as ProviderError).message).toContain(`no answer within ${TIMEOUT_MS} ms`);
        // The request reached the server, and the client let go of its connection rather than
        // leaving it to the server's stall.
        expect(endings).toHaveLength(served + 1);
        expect(await endings.at(-1)).toBe('closed early');
      } finally {
        clearInterval(collector);
      }
    },
  );
});
