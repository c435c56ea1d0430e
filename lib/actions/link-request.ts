/**
 * One request to an Approve or Undo link, whatever carries it (a Lambda Function URL, a local server):
 * GET shows what the link will do and changes nothing; POST, with the token in the form body, acts.
 */
import type { ActionOutcome, Guardrails } from './guardrails.ts';
import { confirmPage, outcomePage, type Page, refusedLinkPage } from './pages.ts';
import type { LinkSigner } from './token.ts';

export interface LinkRequest {
  method: string;
  /** The query string's parameters (GET) or the form's fields (POST). */
  fields: Record<string, string | undefined>;
  sourceIp?: string;
  userAgent?: string;
}

export interface LinkResponse extends Page {
  headers: Record<string, string>;
}

/** A page of its own on every response: never cached, never indexed, never sent on as a referrer. */
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

export async function answerLink(
  request: LinkRequest,
  deps: { guardrails: Guardrails; signer: LinkSigner; now: Date },
): Promise<LinkResponse> {
  return withHeaders(await pageFor(request, deps));
}

/** A page as a response, with the headers every link page has. */
export function withHeaders(page: Page): LinkResponse {
  return { ...page, headers: HEADERS };
}

async function pageFor(
  request: LinkRequest,
  { guardrails, signer, now }: { guardrails: Guardrails; signer: LinkSigner; now: Date },
): Promise<Page> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST')
    return refusedLinkPage(405, `a link answers GET and POST, not ${method}`);
  const token = request.fields.t;
  if (!token) return refusedLinkPage(400, 'this link has no token: copy the whole link from the alert');
  const verified = signer.verify(token, now);
  if (!verified.ok) return refusedLinkPage(verified.reason === 'expired' ? 410 : 403, verified.message);
  const { grant } = verified;
  if (request.fields.op !== undefined && request.fields.op !== grant.operation)
    return refusedLinkPage(403, `this link is for ${grant.operation}, not ${request.fields.op}`);
  const record = await guardrails.view(grant.action);
  if (!record) return refusedLinkPage(404, `there is no action ${grant.action} (any more)`);
  if ((record.target?.resourceId ?? '') !== grant.target)
    return refusedLinkPage(403, 'this link was made for another target');
  if (method === 'GET') return confirmPage(record, grant.operation, token);
  const actor = {
    via: 'link' as const,
    tokenId: grant.tokenId,
    ...(request.sourceIp && { sourceIp: request.sourceIp }),
    ...(request.userAgent && { userAgent: request.userAgent.slice(0, 200) }),
  };
  const outcome: ActionOutcome =
    grant.operation === 'approve'
      ? await guardrails.approve(grant.action, actor)
      : await guardrails.undo(grant.action, actor);
  return outcomePage(outcome);
}
