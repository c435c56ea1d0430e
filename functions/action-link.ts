/**
 * The Approve and Undo links of guardrail actions, behind a Lambda Function URL (auth NONE: the signed
 * token in each link is the permission). GET shows what will be done; the page's button POSTs.
 * Settings: lib/aws/environment.ts; composition: lib/runtime/action-link.ts.
 */
import { actionLinkFromEnvironment } from '../lib/runtime/action-link.ts';

// Module scope: clients, logger and the cached signing key live as long as the container.
export const handler = actionLinkFromEnvironment(process.env);
