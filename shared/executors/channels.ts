import type { GuardianConfig } from '../config/schema.js';
import type { Deadline } from '../runtime/deadline.js';
import { slackCredentials } from '../runtime/slack-credentials.js';
import { emailNotifier } from './email.js';
import type { Channels } from './execute-plan.js';
import { SlackNotifier, SlackWebhookNotifier } from './slack.js';

/** Email and Slack, as the config and environment set them up, for one invocation. */
export async function notificationChannels(config: GuardianConfig, deadline: Deadline, invokedFunctionArn: string | undefined): Promise<Channels> {
  const creds = await slackCredentials(config);
  return {
    email: emailNotifier(invokedFunctionArn),
    slack: creds.token
      ? new SlackNotifier(creds.token, deadline, creds.local ? {} : { refreshToken: async () => (await slackCredentials(config, process.env, { fresh: true })).token })
      : undefined,
    webhook: creds.webhookUrl ? new SlackWebhookNotifier(creds.webhookUrl, deadline) : undefined,
  };
}
