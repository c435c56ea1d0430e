/**
 * Delivers alerts to an SNS topic. Email, Slack (through the notifier Lambda), SQS and HTTPS
 * subscribers each get their own rendering of the same publish; message attributes let each
 * subscription's filter policy pick what it wants (severity, provider, budget...).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../alerts/alert.ts';
import type { Logger } from '../log/index.ts';
import type { AlertPublisher } from './publisher.ts';
import { type RenderOptions, renderSnsMessage } from './render/index.ts';

export interface SnsAlertPublisherOptions {
  client: SNSClient;
  topicArn: string;
  logger: Logger;
  /** Zone for the human-readable times in the email text (the budget's zone, usually). */
  render?: RenderOptions;
}

export class AlertPublishError extends Error {
  constructor(
    readonly dedupKey: string,
    readonly topicArn: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `SNS publish of alert ${dedupKey} to ${topicArn} failed (${reason}); it stays pending and is retried`,
      {
        cause,
      },
    );
    this.name = 'AlertPublishError';
  }
}

export class SnsAlertPublisher implements AlertPublisher {
  /** Publishes that succeeded and failed since this publisher was made (for run summaries and metrics). */
  readonly counts = { published: 0, failed: 0 };

  constructor(private readonly options: SnsAlertPublisherOptions) {}

  async publish(alert: Alert): Promise<{ messageId: string }> {
    const { client, topicArn, logger } = this.options;
    const rendered = renderSnsMessage(alert, this.options.render);
    const log = logger.child({ dedupKey: alert.dedupKey, budget: alert.budget, severity: alert.severity });
    if (rendered.contributorsDropped > 0) {
      log.warn('alert shortened to fit SNS size limit', {
        contributorsDropped: rendered.contributorsDropped,
      });
    }
    try {
      const reply = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          MessageStructure: 'json',
          Message: rendered.message,
          Subject: rendered.subject,
          MessageAttributes: rendered.attributes,
        }),
      );
      this.counts.published += 1;
      const messageId = reply.MessageId ?? '';
      log.info('alert published to SNS', { topicArn, messageId });
      return { messageId };
    } catch (error) {
      this.counts.failed += 1;
      const failure = error as Error & {
        $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
      };
      log.error('alert publish to SNS failed', {
        topicArn,
        error: failure.name,
        reason: failure.message,
        status: failure.$metadata?.httpStatusCode,
        requestId: failure.$metadata?.requestId,
        attempts: failure.$metadata?.attempts,
      });
      throw new AlertPublishError(alert.dedupKey, topicArn, error);
    }
  }
}
