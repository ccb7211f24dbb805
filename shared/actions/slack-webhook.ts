import type { SlackWebhookAction } from '../plan/plan.js';
import { renderSlackMessage } from '../messages/slack.js';
import type { ActionModule } from './module.js';
import { SLACK_SECRET_IAM } from './iam-needs.js';

// One message through the incoming webhook (no bot token: no threads, no updates).

export const slackWebhook: ActionModule<SlackWebhookAction> = {
  type: 'slack.webhook',
  kind: 'slack',
  order: 3,
  iam: SLACK_SECRET_IAM,
  target: () => 'webhook',
  async perform(action, { delivery, channels, done }) {
    if (!channels.webhook) throw new Error('no Slack webhook configured');
    await channels.webhook.send(renderSlackMessage(action.message));
    await done({ ...delivery, sent: [...delivery.sent, action.key] });
    return true;
  },
  describe: () => 'post a message through the incoming webhook',
};
