/**
 * The whole path with the deployed handler module: SnsAlertPublisher → SNS (fauxqs) → the Lambda's
 * SNS event → functions/slack-notifier.ts → Slack webhook, with the URL read from SSM.
 * fauxqs delivers to SQS only, so the SQS envelope stands in for the Lambda subscription: it
 * carries what SNS puts in the Lambda event (message, subject, attributes).
 */
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeQueue } from '../../dev/aws/subscribed-queue.ts';
import { snsClientFromEnv } from '../../lib/aws/clients.ts';
import { memoryLogger } from '../../lib/log/index.ts';
import { renderSlackMessage } from '../../lib/notify/render/index.ts';
import { SnsAlertPublisher } from '../../lib/notify/sns.ts';
import { jpyCritical } from '../support/alert-fixtures.ts';
import { AwsSecretsSimulator, localAws } from '../support/aws-secrets.ts';
import { SlackWebhookSimulator } from '../support/slack-webhook.ts';
import { snsEvent } from '../support/sns-event.ts';

const ENV_KEYS = [
  'SLACK_WEBHOOK_URL_REF',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

describe('alert pipeline: publisher → SNS → slack-notifier Lambda → Slack', () => {
  let fauxqs: FauxqsServer;
  let slack: SlackWebhookSimulator;
  let aws: AwsSecretsSimulator;
  let handler: (event: unknown) => Promise<void>;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    slack = new SlackWebhookSimulator();
    aws = new AwsSecretsSimulator();
    await Promise.all([slack.start(), aws.start()]);
    aws.secrets.set('spendwatch/slack', JSON.stringify({ webhookUrl: slack.webhookUrl, team: 'ops' }));
    Object.assign(process.env, {
      SLACK_WEBHOOK_URL_REF: 'secretsmanager:spendwatch/slack#webhookUrl',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    ({ handler } = await import('../../functions/slack-notifier.ts'));
  });
  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await Promise.all([slack.stop(), aws.stop(), fauxqs.stop()]);
  });

  it('delivers a published alert to Slack', async () => {
    const sns = snsClientFromEnv({ SPENDWATCH_SNS_ENDPOINT: fauxqs.address });
    const sqs = new SQSClient(localAws(fauxqs.address));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    const { queueUrl: QueueUrl } = await subscribeQueue({ sns, sqs }, TopicArn!, 'lambda-stand-in');

    await new SnsAlertPublisher({ client: sns, topicArn: TopicArn!, logger: memoryLogger() }).publish(
      jpyCritical,
    );
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    const envelope = JSON.parse(Messages![0]!.Body!) as {
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Type: string; Value: string }>;
    };
    sns.destroy();
    sqs.destroy();

    // Real SNS gives a Lambda subscriber the structure's "lambda" value; fauxqs hands over the whole
    // structure, and the handler refuses that clearly rather than posting garbage.
    const whole = snsEvent([{ message: envelope.Message, subject: envelope.Subject }]);
    await expect(handler(whole)).rejects.toThrow(/whole per-protocol message structure/);

    const lambdaValue = (JSON.parse(envelope.Message) as { lambda: string }).lambda;
    await handler(
      snsEvent([{ message: lambdaValue, subject: envelope.Subject, attributes: envelope.MessageAttributes }]),
    );
    expect(slack.accepted).toEqual([renderSlackMessage(jpyCritical)]);
    expect(aws.actions('secretsmanager.GetSecretValue')).toHaveLength(1);
  });
});
