import type { SlackRespondAction } from '../plan/plan.js';
import type { ActionModule } from './module.js';

// A private answer to the user who clicked a button (why their click was
// refused), through the interaction's response_url: Slack-hosted and valid for
// 30 minutes, so no token, no IAM. The responder posts only to hooks.slack.com.

export const slackRespond: ActionModule<SlackRespondAction> = {
  type: 'slack.respond',
  kind: 'slack',
  order: 4,
  iam: [],
  target: () => 'response_url',
  owed: (action, delivery) => !delivery.sent.includes(action.key),
  async perform(action, { delivery, channels, done }) {
    if (!channels.respond) throw new Error('no way to answer Slack interactions in this function');
    await channels.respond.respond(action.responseUrl, action.text);
    await done({ ...delivery, sent: [...delivery.sent, action.key] });
    return true;
  },
  describe: (action) => `answer the clicking user privately: ${action.text}`,
};
