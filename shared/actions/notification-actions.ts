import type { NotificationModules } from './module.js';
import { slackUpsert } from './slack-upsert.js';
import { slackReply } from './slack-reply.js';
import { slackWebhook } from './slack-webhook.js';
import { slackRespond } from './slack-respond.js';
import { slackOpenModal } from './slack-open-modal.js';
import { emailPublish } from './email-publish.js';
import { auditRecord } from './audit-record.js';

/** The notification actions, which every function performs (no AWS SDK client beyond SNS). */
export const NOTIFICATION_ACTIONS: NotificationModules = {
  'slack.upsert': slackUpsert,
  'slack.reply': slackReply,
  'slack.webhook': slackWebhook,
  'slack.respond': slackRespond,
  'slack.openModal': slackOpenModal,
  'email.publish': emailPublish,
  'audit.record': auditRecord,
};
