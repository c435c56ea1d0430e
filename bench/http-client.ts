/**
 * CPU per provider call: `npm run bench:http [-- --calls 2000 --rounds 5]`.
 *
 * The check's CPU per account is mostly its ~2.5 provider calls, their validation and state reads; this
 * measures the HTTP part alone. One loopback server in this process answers a small JSON body; each
 * variant makes the same calls, 8 in flight (the check's concurrency per provider), with a 15 s timeout
 * and parses the JSON. CPU is this process's (client and server: the server's share is the same for
 * every variant), the best of interleaved rounds after a warm-up, per call.
 *
 * - ProviderHttp: the client the check uses (lib/http/provider-http.ts: ky over fetch, retries, redirects
 *   by hand, the JSON decoding);
 * - ky: a bare ky call with the same options;
 * - fetch: Node's fetch (undici) alone;
 * - node:http: `http.get` with a keep-alive agent, the lean alternative that would give up ky.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import ky from 'ky';
import { ProviderHttp } from '../lib/http/provider-http.ts';
import { silentLogger } from '../lib/log/index.ts';
import { systemClock } from '../lib/time/clock.ts';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' } },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const IN_FLIGHT = 8;
const TIMEOUT_MS = 15_000;

const body = JSON.stringify({
  billingMonth: '2026-12',
  currency: 'USD',
  total: '1234.5600',
  lines: Array.from({ length: 5 }, (_, i) => ({ id: `line-${i}`, amount: '12.3400', usage: null })),
});
const server = http.createServer((_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const url = `${origin}/bills/latest`;
const headers = { accept: 'application/json', 'x-api-key': 'bench-key' };

const providerHttp = new ProviderHttp({
  provider: 'bench',
  accountId: 'bench',
  baseUrl: origin,
  logger: silentLogger,
  clock: systemClock,
  headers: () => ({ 'x-api-key': 'bench-key' }),
});
const kyClient = ky.create({ timeout: false, retry: 0, throwHttpErrors: false, headers });
const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

async function withTimeout(call: (signal: AbortSignal) => Promise<Response>): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    JSON.parse(await (await call(controller.signal)).text());
  } finally {
    clearTimeout(timer);
  }
}

const variants: Record<string, () => Promise<unknown>> = {
  ProviderHttp: () =>
    providerHttp.send({ method: 'GET', path: 'bills/latest', label: 'GET /bills/latest', noMemo: true }),
  ky: () => withTimeout((signal) => kyClient(url, { signal, redirect: 'manual' })),
  fetch: () => withTimeout((signal) => fetch(url, { headers, signal, redirect: 'manual' })),
  'node:http': () =>
    new Promise<void>((resolve, reject) => {
      const request = http.get(url, { agent, headers, timeout: TIMEOUT_MS }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          JSON.parse(text);
          resolve();
        });
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', reject);
    }),
};

async function callsOf(call: () => Promise<unknown>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (started++ < CALLS) await call();
    }),
  );
}

/** Each variant's best round, per call: the least CPU and the least wall time. */
const best = new Map(Object.keys(variants).map((name) => [name, { cpu: Infinity, wall: Infinity }]));
const [loadBefore = 0] = loadavg();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, call] of Object.entries(variants)) {
    await callsOf(call); // warm-up: the JIT and the sockets
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    await callsOf(call);
    const cpu = process.cpuUsage(cpuStart);
    const figures = best.get(name)!;
    figures.wall = Math.min(figures.wall, (performance.now() - wallStart) / CALLS);
    figures.cpu = Math.min(figures.cpu, (cpu.user + cpu.system) / 1000 / CALLS);
  }
}
server.close();
agent.destroy();

const reference = best.get('ProviderHttp')!.cpu;
console.log(
  `Node ${process.version}, ${cpus().length} CPUs, load ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}; ` +
    `${CALLS} calls a round, ${IN_FLIGHT} in flight, best of ${ROUNDS} interleaved rounds\n`,
);
console.log('| client | CPU ms a call | wall ms a call | CPU against ProviderHttp |');
console.log('|---|--:|--:|--:|');
for (const [name, { cpu, wall }] of best) {
  console.log(`| ${name} | ${cpu.toFixed(3)} | ${wall.toFixed(3)} | ${(cpu / reference).toFixed(2)}× |`);
}
