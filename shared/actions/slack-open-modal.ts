import type { SlackOpenModalAction } from '../plan/plan.js';
import type { ActionModule } from './module.js';
import { SLACK_SECRET_IAM } from './iam-needs.js';

// A modal for the user who clicked (the reason of a Reject), through views.open
// with the interaction's trigger_id: the bot token the app already has (read
// as every Slack call reads it), no new scope. Nothing is recorded as delivered: a trigger_id is good once,
// for 3 s, so a modal is never opened again on a retry.

export const slackOpenModal: ActionModule<SlackOpenModalAction> = {
  type: 'slack.openModal',
  kind: 'slack',
  order: 4,
  iam: SLACK_SECRET_IAM,
  target: () => 'views.open',
  async perform(action, { channels }) {
    if (!channels.slack) throw new Error('no Slack bot token: a modal cannot be opened (slack.botToken in guardian.yml)');
    await channels.slack.openView(action.triggerId, action.view);
    return true;
  },
  describe: (action) => `open a modal for the clicking user: ${String((action.view.title as { text?: string } | undefined)?.text ?? 'modal')}`,
};
