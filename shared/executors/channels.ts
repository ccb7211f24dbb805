import type { GuardianConfig } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import type { Deadline } from '../runtime/deadline.js';
import { slackCredentials } from '../runtime/slack-credentials.js';
import { emailNotifier } from './email.js';
import type { Channels } from '../actions/module.js';
import { SlackNotifier, SlackResponder, SlackWebhookNotifier } from './slack.js';
import { auditTrail } from '../state/audit.js';

/**
 * Email, Slack and the audit trail (the state table, when there is one), as the config and environment set them up, for one invocation.
 * Slack's calls never outlive `deadline`; with `bound`, no AWS call does either (an answer Slack waits for).
 */
export async function notificationChannels(config: GuardianConfig, env: GuardianEnv, deadline: Deadline, invokedFunctionArn: string | undefined, { bound = false } = {}): Promise<Channels> {
  const creds = await slackCredentials(config, env);
  const aws = bound ? deadline : undefined;
  return {
    email: emailNotifier(invokedFunctionArn, env, aws),
    slack: creds.token
      ? new SlackNotifier(creds.token, deadline, creds.local ? { apiUrl: env.slackApiUrl } : { apiUrl: env.slackApiUrl, refreshToken: async () => (await slackCredentials(config, env, { fresh: true })).token })
      : undefined,
    webhook: creds.webhookUrl ? new SlackWebhookNotifier(creds.webhookUrl, deadline) : undefined,
    respond: new SlackResponder(deadline, env.slackApiUrl),
    audit: env.table ? auditTrail(env.table, config.audit.retentionDays, aws) : undefined,
    ...(aws ? { bound: aws } : {}),
  };
}
