/**
 * Shared plumbing for the loopback provider simulators: a real HTTP server on 127.0.0.1, a request
 * log, and scripted faults (status bursts, Retry-After, connection resets, slow, stalled, truncated or
 * rewritten bodies)
 * that tests queue per path. Each provider's simulator only describes its own contract.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawBody: string;
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text instead of JSON (malformed or truncated bodies). */
  raw?: string;
  /** Stream these chunks (file downloads); set the content type in `headers`. */
  stream?: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
}

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'raw'; status: number; text: string; contentType?: string }
  /** The contract's reply with its JSON body changed (a field missing, retyped, renamed...). */
  | { kind: 'rewrite'; body: (body: unknown) => unknown }
  /** The contract's reply, but only its headers and first half arrive; the rest waits `ms`. */
  | { kind: 'stall'; ms: number };

interface QueuedFault {
  method?: string;
  path: string | RegExp;
  fault: Fault;
  remaining: number;
}

export type Route = (request: SimRequest) => SimReply | Promise<SimReply>;

export class Simulator {
  readonly requests: SimRequest[] = [];
  /** Every reply waits this long, as a provider across the internet would (benchmarks). */
  latencyMs = 0;
  private server: Server | undefined;
  private readonly faults: QueuedFault[] = [];

  constructor(
    private readonly name: string,
    private readonly route: Route,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error(`${this.name} simulator is not started`);
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers the next `times` matching requests with `fault` instead of the contract's reply. */
  inject(path: string | RegExp, fault: Fault, times = 1, method?: string): this {
    this.faults.push({ path, fault, remaining: times, method });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Requests whose path matches, e.g. to assert how often an endpoint was called. */
  calls(path: string | RegExp, method?: string): SimRequest[] {
    return this.requests.filter((r) => matches(path, r.path) && (!method || r.method === method));
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => f.remaining > 0 && matches(f.path, path) && (!f.method || f.method === method),
    );
    if (index < 0) return undefined;
    const queued = this.faults[index]!;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.faults.splice(index, 1);
    return queued.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sim');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const request: SimRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody,
    };
    this.requests.push(request);

    const fault = this.takeFault(request.method, request.path);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const delay = this.latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (fault?.kind === 'raw') {
      res
        .writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json' })
        .end(fault.text);
      return;
    }
    let reply: SimReply;
    if (fault?.kind === 'status') {
      reply = { status: fault.status, headers: fault.headers, body: fault.body ?? {} };
    } else {
      try {
        reply = await this.route(request);
      } catch (error) {
        reply = { status: 500, body: { message: `${this.name} simulator: ${(error as Error).message}` } };
      }
    }
    if (fault?.kind === 'rewrite' && reply.body !== undefined && reply.raw === undefined) {
      reply = { ...reply, body: fault.body(structuredClone(reply.body)) };
    }
    if (res.destroyed) return;
    if (reply.stream) {
      res.writeHead(reply.status, { 'content-type': 'application/octet-stream', ...reply.headers });
      // A client that stops reading (or a failing generator) just ends the download early.
      await pipeline(Readable.from(reply.stream), res).catch(() => res.destroy());
      return;
    }
    const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    if (fault?.kind === 'stall') {
      const half = Math.floor(text.length / 2);
      res.write(text.slice(0, half));
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (!res.destroyed) res.end(text.slice(half));
      return;
    }
    res.end(text);
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): SimReply => ({
  status,
  body,
  headers,
});
