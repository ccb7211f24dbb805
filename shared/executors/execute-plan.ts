import { createHash } from 'node:crypto';
import type { Action, Plan } from '../plan/plan.js';
import type { Delivery } from '../policies/notifications.js';
import { renderSlackMessage, renderSlackReply } from '../messages/slack.js';
import { renderEmail } from '../messages/email.js';
import type { EmailNotifier } from './email.js';
import { SlackUnavailableError, type SlackNotifier, type SlackWebhookNotifier } from './slack.js';

// Performs a notification plan. Every action is attempted even when another
// fails (a Slack outage must not hold back email); what succeeded is recorded
// through `record` as soon as it succeeds, so a retry never repeats it; the
// failures are thrown together at the end so the invocation is retried.

export interface Channels {
  slack?: SlackNotifier;
  webhook?: SlackWebhookNotifier;
  email: EmailNotifier;
}

export interface ActionOutcome {
  action: Action['type'];
  target: string;
  result: 'done' | 'unchanged' | 'failed';
  error?: string;
}

export class DeliveryError extends AggregateError {
  override readonly name = 'DeliveryError';
}

/** Email first, then messages (replies need their message's ts), then replies. */
const ORDER: Record<Action['type'], number> = { 'email.publish': 0, 'slack.upsert': 1, 'slack.webhook': 1, 'slack.reply': 2 };

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);

export async function executePlan(
  plan: Plan,
  initial: Delivery,
  channels: Channels,
  record: (delivery: Delivery) => Promise<void>,
): Promise<{ delivery: Delivery; outcomes: ActionOutcome[] }> {
  let delivery = initial;
  const outcomes: ActionOutcome[] = [];
  const errors: Error[] = [];
  const done = async (next: Delivery) => {
    delivery = next;
    await record(delivery);
  };

  let slackDown: Error | undefined;
  for (const action of [...plan.actions].sort((a, b) => ORDER[a.type] - ORDER[b.type])) {
    const target = 'channel' in action ? action.channel : action.type === 'email.publish' ? (action.topicArn ?? 'default topic') : 'webhook';
    if (slackDown && action.type !== 'email.publish') {
      // Slack already used up the time budget once: leave the rest for the retry.
      outcomes.push({ action: action.type, target, result: 'failed', error: `not attempted: ${slackDown.message}` });
      continue;
    }
    try {
      const changed = await perform(action, delivery, channels, done);
      outcomes.push({ action: action.type, target, result: changed ? 'done' : 'unchanged' });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      outcomes.push({ action: action.type, target, result: 'failed', error: err.message });
      errors.push(err);
      if (err instanceof SlackUnavailableError) slackDown = err;
    }
  }
  if (errors.length > 0) {
    throw new DeliveryError(errors, `${errors.length} of ${plan.actions.length} notifications failed for ${plan.subject}: ${errors.map((e) => e.message).join('; ')}`);
  }
  return { delivery, outcomes };
}

async function perform(action: Action, delivery: Delivery, channels: Channels, done: (d: Delivery) => Promise<void>): Promise<boolean> {
  const sent = (key: string) => done({ ...delivery, sent: [...delivery.sent, key] });
  switch (action.type) {
    case 'email.publish': {
      await channels.email.publish(action.topicArn, renderEmail(action.message));
      await sent(action.key);
      return true;
    }
    case 'slack.webhook': {
      if (!channels.webhook) throw new Error('no Slack webhook configured');
      await channels.webhook.send(renderSlackMessage(action.message));
      await sent(action.key);
      return true;
    }
    case 'slack.upsert': {
      if (!channels.slack) throw new Error('no Slack bot token configured');
      const content = renderSlackMessage(action.message);
      const hash = hashOf(content);
      const posted = delivery.messages[action.channel];
      if (posted?.hash === hash) return false;
      if (posted && (await channels.slack.update(posted.channelId, posted.ts, content))) {
        await done({ ...delivery, messages: { ...delivery.messages, [action.channel]: { ...posted, hash } } });
        return true;
      }
      const { ts, channelId } = await channels.slack.post(action.channel, content);
      await done({ ...delivery, messages: { ...delivery.messages, [action.channel]: { ts, channelId, hash } } });
      return true;
    }
    case 'slack.reply': {
      if (!channels.slack) throw new Error('no Slack bot token configured');
      const posted = delivery.messages[action.channel];
      if (!posted) throw new Error(`no message in ${action.channel} to reply to`);
      await channels.slack.reply(posted.channelId, posted.ts, renderSlackReply(action.reply), action.broadcast);
      await sent(action.key);
      return true;
    }
  }
}
