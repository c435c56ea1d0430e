/** Lambda's SNS event, shaped exactly as AWS delivers it (see @types/aws-lambda SNSEvent). */
import { randomUUID } from 'node:crypto';
import type { SNSEvent, SNSMessageAttributes } from 'aws-lambda';
import type { Alert } from '../../lib/alerts/alert.ts';
import { alertAttributes, renderSubject } from '../../lib/notify/render/index.ts';

const TOPIC_ARN = 'arn:aws:sns:ap-northeast-1:123456789012:spendwatch-alerts';

export interface SnsDelivery {
  message: string;
  subject?: string | null;
  attributes?: SNSMessageAttributes;
}

export function snsEvent(deliveries: SnsDelivery[]): SNSEvent {
  return {
    Records: deliveries.map((delivery) => {
      const messageId = randomUUID();
      return {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC_ARN}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: TOPIC_ARN,
          Subject: delivery.subject ?? undefined,
          Message: delivery.message,
          Timestamp: '2026-11-23T03:30:01.123Z',
          SignatureVersion: '1',
          Signature:
            'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
          SigningCertUrl:
            'https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: `https://sns.ap-northeast-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:${messageId}`,
          MessageAttributes: delivery.attributes ?? {},
        },
      };
    }),
  };
}

/** What SNS hands a Lambda subscriber for a spendwatch publish: the "lambda" value, subject, attributes. */
export function alertDelivery(alert: Alert): SnsDelivery {
  const attributes = Object.fromEntries(
    Object.entries(alertAttributes(alert)).map(([name, value]) => [
      name,
      { Type: 'String', Value: value.StringValue! },
    ]),
  );
  return { message: JSON.stringify(alert), subject: renderSubject(alert), attributes };
}
