import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../runtime/aws.js';

// Email goes out through SNS topics whose subscribers confirmed by email.
// IAM: sns:Publish on the stack's topic and any topic a route names.

export class EmailNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly defaultTopicArn: string | undefined,
  ) {}

  async publish(topicArn: string | undefined, email: { subject: string; body: string }): Promise<string | undefined> {
    const target = topicArn ?? this.defaultTopicArn;
    if (!target) throw new Error('GUARDIAN_TOPIC_ARN is not set and the route names no topicArn: nowhere to send email');
    const res = await this.client.send(new PublishCommand({ TopicArn: target, Subject: email.subject, Message: email.body }));
    return res.MessageId;
  }
}

let shared: EmailNotifier | undefined;
export const emailNotifier = (): EmailNotifier =>
  (shared ??= new EmailNotifier(new SNSClient(awsClientConfig), process.env.GUARDIAN_TOPIC_ARN));
