/**
 * Composition root of the actionLink Lambda, behind a Function URL: the pages of Approve and Undo links
 * (lib/actions/link-request.ts) with this deployment's state, signing key, accounts and topic. The
 * links' own address comes from the request (the Function URL's host), so the function need not know
 * its URL before it exists.
 */
import type { LambdaFunctionURLResult } from 'aws-lambda';
import * as z from 'zod';
import type { EventSink } from '../actions/event-sink.ts';
import { answerLink, type LinkRequest, withHeaders } from '../actions/link-request.ts';
import { type Page, refusedLinkPage } from '../actions/pages.ts';
import { eventBridgeClientFromEnv, snsClientFromEnv } from '../aws/clients.ts';
import { EventBridgeSink } from '../aws/event-bus.ts';
import type { CheckMetrics } from '../check/metrics.ts';
import type { AlertPublisher } from '../notify/publisher.ts';
import { SnsAlertPublisher } from '../notify/sns.ts';
import { emfCheckMetrics } from '../observability/emf.ts';
import { S3ObjectStore } from '../state/s3-store.ts';
import { loadRuntimeConfig } from './config-source.ts';
import { deployedGuardrails, guardrailsFor, linksOf } from './guardrails.ts';
import { emfOptions, type SharedDependencies, sharedDependencies } from './shared-dependencies.ts';

/** What the handler reads of Lambda's Function URL event (payload format 2.0); the rest may change. */
const FunctionUrlEvent = z.looseObject({
  headers: z.record(z.string(), z.string()).optional(),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.looseObject({
    domainName: z.string().min(1),
    http: z.looseObject({
      method: z.string(),
      sourceIp: z.string().optional(),
      userAgent: z.string().optional(),
    }),
  }),
});

/** The actionLink function's adapters, built once per container. */
export interface ActionLinkDependencies
  extends SharedDependencies<'SPENDWATCH_TOPIC_ARN' | 'SPENDWATCH_ACTION_KEY_REF'> {
  publisher: AlertPublisher;
  events: EventSink;
  metrics?: Pick<CheckMetrics, 'actionFailed'>;
}

export function actionLinkDependencies(env: NodeJS.ProcessEnv): ActionLinkDependencies {
  const shared = sharedDependencies(env, 'actionLink', ['SPENDWATCH_TOPIC_ARN', 'SPENDWATCH_ACTION_KEY_REF']);
  const emf = emfOptions(shared.env);
  return {
    ...shared,
    publisher: new SnsAlertPublisher({
      client: snsClientFromEnv(shared.env),
      topicArn: shared.env.SPENDWATCH_TOPIC_ARN,
      logger: shared.logger,
    }),
    events: new EventBridgeSink(eventBridgeClientFromEnv(shared.env)),
    metrics: emf && emfCheckMetrics(emf),
  };
}

export function actionLinkFromEnvironment(
  env: NodeJS.ProcessEnv,
): (event: unknown) => Promise<LambdaFunctionURLResult> {
  return actionLink(actionLinkDependencies(env));
}

export function actionLink(
  deps: ActionLinkDependencies,
): (event: unknown) => Promise<LambdaFunctionURLResult> {
  const store = new S3ObjectStore({
    client: deps.s3,
    bucket: deps.env.SPENDWATCH_BUCKET,
    prefix: deps.env.SPENDWATCH_STATE_PREFIX,
  });
  return async (event) => {
    const parsed = FunctionUrlEvent.safeParse(event);
    if (!parsed.success) {
      deps.logger.error('not a Function URL request', { error: z.prettifyError(parsed.error) });
      return respond(refusedLinkPage(400, 'this request is not one a link makes'));
    }
    const request = linkRequest(parsed.data);
    // Links in the notices point where this request came: the Function URL's own host.
    const runtime = deployedGuardrails(deps, store, `https://${parsed.data.requestContext.domainName}/`);
    const links = await linksOf(runtime);
    if (!links)
      return respond(refusedLinkPage(503, 'the signing key of this deployment cannot be read; see the logs'));
    const config = await loadRuntimeConfig(deps.env.SPENDWATCH_CONFIG, deps.s3);
    const guardrails = await guardrailsFor(config, runtime);
    const response = await answerLink(request, { guardrails, signer: links.signer, now: deps.clock.now() });
    deps.logger.info('action link answered', {
      method: request.method,
      status: response.status,
      sourceIp: request.sourceIp,
    });
    return respond(response);
  };
}

/** The token and operation: from the query string on GET, from the form body on POST. */
function linkRequest(event: z.output<typeof FunctionUrlEvent>): LinkRequest {
  const { method, sourceIp, userAgent } = event.requestContext.http;
  const body =
    event.body && (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
  const fields =
    method.toUpperCase() === 'POST'
      ? Object.fromEntries(new URLSearchParams(body ?? ''))
      : (event.queryStringParameters ?? {});
  return { method, fields, ...(sourceIp && { sourceIp }), ...(userAgent && { userAgent }) };
}

function respond(page: Page): LambdaFunctionURLResult {
  const response = withHeaders(page);
  return { statusCode: response.status, headers: response.headers, body: response.html };
}
