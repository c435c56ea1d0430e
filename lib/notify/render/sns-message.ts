/**
 * One SNS Publish for one alert, with MessageStructure "json": SNS hands each subscription the value
 * under its protocol's key ("default" for the others) — readable text for email, the alert JSON for
 * Lambda, SQS and HTTPS. Message attributes carry what subscription filter policies route on.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { Alert } from '../../alerts/alert.ts';
import { contributorsCutDetail } from '../../alerts/wording.ts';
import { CUSTOMER_RESOURCE } from '../../spend/index.ts';
import { oneLine } from '../../text/one-line.ts';
import type { RenderOptions } from './layout.ts';
import { renderSubject } from './subject.ts';
import { renderText } from './text.ts';

/** SNS's publish limit: 256 KB, counted in UTF-8 bytes, message attributes included. */
const SNS_MESSAGE_LIMIT_BYTES = 262_144;

/** The per-protocol message bodies (all strings, as SNS requires; `default` is mandatory). */
interface SnsMessageStructure {
  default: string;
  email: string;
  lambda: string;
  sqs: string;
  https: string;
}

export interface SnsAlertMessage {
  subject: string;
  /** JSON of an SnsMessageStructure: pass with MessageStructure "json". */
  message: string;
  attributes: Record<string, MessageAttributeValue>;
  /** Contributors left out so the publish fits SNS's size limit (0 almost always). */
  contributorsDropped: number;
}

export class AlertTooLargeError extends Error {
  constructor(
    readonly dedupKey: string,
    readonly bytes: number,
  ) {
    super(
      `alert ${dedupKey} needs ${bytes} bytes even without contributors, over SNS's ${SNS_MESSAGE_LIMIT_BYTES}-byte limit; shorten its details`,
    );
    this.name = 'AlertTooLargeError';
  }
}

/** The attributes subscription filter policies match on (String values; empty ones are not allowed by SNS). */
export function alertAttributes(alert: Alert): Record<string, MessageAttributeValue> {
  const values: Record<string, string> = {
    event: alert.event,
    provider: alert.provider,
    account: alert.account,
    budget: alert.budget,
    severity: alert.severity,
    basis: alert.basis,
    dedupKey: alert.dedupKey,
    // A customer's own alert can be routed to that customer (or its account manager).
    ...(alert.resource?.type === CUSTOMER_RESOURCE && { customer: alert.resource.id }),
  };
  return Object.fromEntries(
    Object.entries(values)
      .map(([name, value]) => [name, oneLine(value)] as const)
      .filter(([, value]) => value.length > 0)
      .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

/**
 * Renders the publish for `alert`. If it would exceed SNS's limit, lists fewer contributors (halving
 * until it fits) in every copy and says so in the alert's details.
 */
export function renderSnsMessage(alert: Alert, options: RenderOptions = {}): SnsAlertMessage {
  const total = alert.contributors.length;
  for (let keep = total; ; keep = Math.floor(keep / 2)) {
    const fitted = keep === total ? alert : withTopContributors(alert, keep);
    const rendered = build(fitted, options, total - keep);
    const bytes = publishBytes(rendered);
    if (bytes <= SNS_MESSAGE_LIMIT_BYTES) return rendered;
    if (keep === 0) throw new AlertTooLargeError(alert.dedupKey, bytes);
  }
}

function build(alert: Alert, options: RenderOptions, contributorsDropped: number): SnsAlertMessage {
  const text = renderText(alert, options);
  const json = JSON.stringify(alert);
  const structure: SnsMessageStructure = { default: text, email: text, lambda: json, sqs: json, https: json };
  return {
    subject: renderSubject(alert),
    message: JSON.stringify(structure),
    attributes: alertAttributes(alert),
    contributorsDropped,
  };
}

function withTopContributors(alert: Alert, keep: number): Alert {
  const total = alert.contributors.length;
  return {
    ...alert,
    contributors: alert.contributors.slice(0, keep),
    details: [...alert.details, contributorsCutDetail(keep, total)],
  };
}

function publishBytes(rendered: SnsAlertMessage): number {
  let bytes = Buffer.byteLength(rendered.message) + Buffer.byteLength(rendered.subject);
  for (const [name, value] of Object.entries(rendered.attributes)) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}
