import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsClient } from '../runtime/aws.js';

// Email goes out through SNS topics whose subscribers confirmed by email.
// IAM: sns:Publish on the stack's topic and any topic a route names.

export class EmailNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly defaultTopicArn: string | undefined,
  ) {}

  async publish(topicArn: string | undefined, email: { subject: string; body: string }): Promise<string | undefined> {
    const target = topicArn ?? this.defaultTopicArn;
    if (!target) throw new Error('GUARDIAN_TOPIC_NAME (or GUARDIAN_TOPIC_ARN) is not set and the route names no topicArn: nowhere to send email');
    const res = await this.client.send(new PublishCommand({ TopicArn: target, Subject: email.subject, Message: email.body }));
    return res.MessageId;
  }
}

/**
 * The stack's topic: GUARDIAN_TOPIC_ARN when set (local runs), else the topic
 * GUARDIAN_TOPIC_NAME in the partition, region and account of the function itself.
 */
export function stackTopicArn(invokedFunctionArn: string, env = process.env): string | undefined {
  if (env.GUARDIAN_TOPIC_ARN) return env.GUARDIAN_TOPIC_ARN;
  const [, partition, , region, account] = invokedFunctionArn.split(':');
  if (!env.GUARDIAN_TOPIC_NAME || !partition || !region || !account) return undefined;
  return `arn:${partition}:sns:${region}:${account}:${env.GUARDIAN_TOPIC_NAME}`;
}

export const emailNotifier = (defaultTopicArn: string | undefined): EmailNotifier => new EmailNotifier(snsClient(), defaultTopicArn);
