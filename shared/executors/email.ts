import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { clientFor } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';
import { ownIdentity } from '../runtime/identity.js';
import type { GuardianEnv } from '../config/env.js';

// Email goes out through SNS topics whose subscribers confirmed by email.

export class EmailNotifier {
  constructor(
    private readonly client: SNSClient,
    /** The stack's topic, resolved only when an email goes to it. */
    private readonly defaultTopicArn: () => Promise<string>,
    /** When given, no publish outlives it (an answer Slack waits for). */
    private readonly bound?: Deadline,
  ) {}

  async publish(topicArn: string | undefined, email: { subject: string; body: string }): Promise<string | undefined> {
    const target = topicArn ?? (await this.defaultTopicArn());
    const res = await this.client.send(new PublishCommand({ TopicArn: target, Subject: email.subject, Message: email.body }), this.bound ? { abortSignal: signalFor(this.bound) } : {});
    return res.MessageId;
  }
}

/**
 * The stack's topic: GUARDIAN_TOPIC_ARN when set (local runs), else the topic
 * GUARDIAN_TOPIC_NAME in the function's own partition, region and account.
 */
export async function stackTopicArn(invokedFunctionArn: string | undefined, env: Pick<GuardianEnv, 'topicArn' | 'topicName'>): Promise<string> {
  if (env.topicArn) return env.topicArn;
  if (!env.topicName) throw new Error('GUARDIAN_TOPIC_NAME (or GUARDIAN_TOPIC_ARN) is not set and the route names no topicArn: nowhere to send email');
  try {
    const { partition, region, account } = await ownIdentity(invokedFunctionArn);
    return `arn:${partition}:sns:${region}:${account}:${env.topicName}`;
  } catch (error) {
    throw new Error(`the ARN of topic ${env.topicName} is unknown (set GUARDIAN_TOPIC_ARN): ${(error as Error).message}`, { cause: error });
  }
}

/** Email through SNS, in the function's own place; the stack's topic is found from the invoked function ARN, else the function's own identity. */
export const emailNotifier = (invokedFunctionArn: string | undefined, env: Pick<GuardianEnv, 'topicArn' | 'topicName'>, bound?: Deadline): EmailNotifier =>
  new EmailNotifier(clientFor(SNSClient), () => stackTopicArn(invokedFunctionArn, env), bound);
