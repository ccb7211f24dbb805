import { createHash } from 'node:crypto';
import type { SlackUpsertAction } from '../plan/plan.js';
import type { Delivery } from '../plan/delivery.js';
import { renderSlackMessage } from '../messages/slack.js';
import type { ActionModule } from './module.js';
import { SLACK_SECRET_IAM } from './iam-needs.js';

// The subject's one live message in a channel: posted once, then updated in
// place (chat.update) while its content changes; unchanged, nothing is sent.

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);

/** The message an upsert would show, where its delivery is recorded, and whether the delivered message already shows it. */
function upsertContent(action: SlackUpsertAction, delivery: Delivery) {
  const content = renderSlackMessage(action.message);
  const hash = hashOf(content);
  const at = action.messageKey ?? action.channel;
  return { content, hash, at, posted: delivery.messages[at], shown: delivery.messages[at]?.hash === hash };
}

export const slackUpsert: ActionModule<SlackUpsertAction> = {
  type: 'slack.upsert',
  kind: 'slack',
  order: 3,
  iam: SLACK_SECRET_IAM,
  target: (action) => action.channel,
  owed: (action, delivery) => !upsertContent(action, delivery).shown,
  async perform(action, { delivery, channels, done }) {
    if (!channels.slack) throw new Error('no Slack bot token configured');
    const { content, hash, at, posted, shown } = upsertContent(action, delivery);
    if (shown) return false;
    if (posted && (await channels.slack.update(posted.channelId, posted.ts, content))) {
      await done({ ...delivery, messages: { ...delivery.messages, [at]: { ...posted, hash } } });
      return true;
    }
    const { ts, channelId } = action.thread
      ? await channels.slack.post(action.thread.channelId, content, action.thread.ts)
      : await channels.slack.post(action.channel, content);
    await done({ ...delivery, messages: { ...delivery.messages, [at]: { ts, channelId, hash } } });
    return true;
  },
  describe: (action) => `post or update the message in ${action.channel}`,
};
