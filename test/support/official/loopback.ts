/**
 * One loopback server per contract test file, answering each endpoint with what the current property
 * run generated (and plausible valid bodies for the other endpoints the read makes).
 */
import { type SimReply, type SimRequest, Simulator } from '../../../dev/simulators/kit.ts';

/** A 200 JSON body, or a reply worked out from the request (pages by cursor, headers checked). */
export type Answer = unknown | ((request: SimRequest) => SimReply);

/** What each endpoint answers, keyed like "GET /bills/{yyyyMM}/daily" (paths below the API's prefix). */
export type Answers = Record<string, Answer>;

export class OfficialApiServer {
  private answers: { method: string; pattern: RegExp; params: number; answer: Answer }[] = [];
  private readonly server = new Simulator('official-definitions', (request) => this.reply(request));

  /** `prefix` is where the API lives on the server, e.g. "/v1" for Soracom. */
  constructor(private readonly prefix = '') {}

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The base URL a client is configured with. */
  get baseUrl(): string {
    return this.server.url + this.prefix;
  }

  /** From now on, these answers and no others; the request log starts afresh. */
  answer(answers: Answers): void {
    this.server.requests.length = 0;
    this.answers = Object.entries(answers)
      .map(([endpoint, answer]) => {
        const [method, template] = endpoint.split(' ') as [string, string];
        const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
        return {
          method,
          pattern: new RegExp(`^${pattern}$`),
          params: template.split('{').length - 1,
          answer,
        };
      })
      // A literal path wins over a template that also matches it (/bills/latest over /bills/{yyyyMM}).
      .sort((a, b) => a.params - b.params);
  }

  /** Requests received since the answers were set, e.g. to see which endpoints a read made. */
  get requests(): readonly SimRequest[] {
    return this.server.requests;
  }

  private reply(request: SimRequest): SimReply {
    const path = request.path.slice(this.prefix.length);
    const found = this.answers.find((a) => a.method === request.method && a.pattern.test(path));
    if (!found) return { status: 404, body: { message: `no answer set for ${request.method} ${path}` } };
    return typeof found.answer === 'function'
      ? (found.answer as (request: SimRequest) => SimReply)(request)
      : { status: 200, body: found.answer };
  }
}
