import type { SlackReplyAction } from '../plan/plan.js';
import { renderSlackReply } from '../messages/slack.js';
import type { ActionModule } from './module.js';
import { SLACK_SECRET_IAM } from './iam-needs.js';

// One reply in the thread of the subject's message (or of a message another
// subject posted), at most once per key.

export const slackReply: ActionModule<SlackReplyAction> = {
  type: 'slack.reply',
  kind: 'slack',
  order: 4,
  iam: SLACK_SECRET_IAM,
  target: (action) => action.channel,
  async perform(action, { delivery, channels, done }) {
    if (!channels.slack) throw new Error('no Slack bot token configured');
    const posted = action.thread ?? delivery.messages[action.channel];
    if (!posted) throw new Error(`no message in ${action.channel} to reply to`);
    await channels.slack.reply(posted.channelId, posted.ts, renderSlackReply(action.reply), action.broadcast);
    await done({ ...delivery, sent: [...delivery.sent, action.key] });
    return true;
  },
  describe: (action) => `reply in the thread of the message in ${action.channel}${action.broadcast ? ', also shown in the channel' : ''}`,
};
