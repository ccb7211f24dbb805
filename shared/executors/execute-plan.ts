import { createHash } from 'node:crypto';
import type { Action, DisableTransitionAction, Plan, RollbackAction, SlackUpsertAction } from '../plan/plan.js';
import { boundDelivery, type Delivery } from '../plan/delivery.js';
import { renderSlackMessage, renderSlackReply } from '../messages/slack.js';
import { renderEmail } from '../messages/email.js';
import type { EmailNotifier } from './email.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../runtime/observability.js';
import { SlackRefusedError, SlackUnavailableError, type SlackNotifier, type SlackWebhookNotifier } from './slack.js';

// Performs a notification plan. Every action is attempted even when another
// fails (a Slack outage must not hold back email); what succeeded is recorded
// through `record` as soon as it succeeds, so a retry never repeats it; the
// failures are thrown together at the end so the invocation is retried.
// Slack's permanent refusals (SlackRefusedError) are not thrown: a retry
// would be refused again. Each is logged once with what to do and counted,
// and what depended on it (replies to a message never posted, other calls
// to a refused channel or with a refused token) is skipped, not attempted.
// The record of the last action attempted is marked `last`: nothing happens
// after it, so the caller may write it with the lease release, in one request.

/** Changes to AWS resources (rollbacks, pipeline transitions); returns what AWS answered, for the audit trail. */
export interface ChangeExecutor {
  perform(action: RollbackAction | DisableTransitionAction): Promise<string | undefined>;
}

export interface Channels {
  slack?: SlackNotifier;
  webhook?: SlackWebhookNotifier;
  email: EmailNotifier;
  changes?: ChangeExecutor;
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

/** Changes to AWS first (they are what stops the harm), then email, then messages (replies need their message's ts), then replies. */
const ORDER: Record<Action['type'], number> = {
  'ecs.stopDeployment': 0,
  'ecs.updateService': 0,
  'codedeploy.stopDeployment': 0,
  'codepipeline.disableTransition': 1,
  'email.publish': 2,
  'slack.upsert': 3,
  'slack.webhook': 3,
  'slack.reply': 4,
};

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);

/** The message a Slack upsert would show, and whether the delivered message already shows it. */
function upsertContent(action: SlackUpsertAction, delivery: Delivery) {
  const content = renderSlackMessage(action.message);
  const hash = hashOf(content);
  const at = action.messageKey ?? action.channel;
  return { content, hash, at, posted: delivery.messages[at], shown: delivery.messages[at]?.hash === hash };
}

/** The plan's actions that would do something against `delivery` (an upsert of what the message already shows would not). */
export const owedActions = (plan: Plan, delivery: Delivery): Action[] =>
  plan.actions.filter((a) => a.type !== 'slack.upsert' || !upsertContent(a, delivery).shown);

export async function executePlan(
  plan: Plan,
  initial: Delivery,
  channels: Channels,
  record: (delivery: Delivery, last: boolean) => Promise<void>,
  /** The invocation's clock: when each change was made. */
  now: () => Date,
): Promise<{ delivery: Delivery; outcomes: ActionOutcome[] }> {
  let delivery = initial;
  const outcomes: ActionOutcome[] = [];
  const errors: Error[] = [];
  const actions = [...plan.actions].sort((a, b) => ORDER[a.type] - ORDER[b.type]);
  let last = false;
  const done = async (next: Delivery) => {
    delivery = boundDelivery(next);
    await record(delivery, last);
  };

  let slackDown: Error | undefined;
  let tokenRefused: SlackRefusedError | undefined;
  const refusedChannels = new Map<string, SlackRefusedError>();
  /** Messages (by their key in the delivery) whose post failed in this run. */
  const unposted = new Map<string, Error>();
  const failedChanges = new Set<string>();
  for (const [i, action] of actions.entries()) {
    last = i === actions.length - 1;
    const target = targetOf(action);
    if (slackDown && action.type.startsWith('slack.')) {
      // Slack already used up the time budget once: leave the rest for the retry.
      outcomes.push({ action: action.type, target, result: 'failed', error: `not attempted: ${slackDown.message}` });
      continue;
    }
    if (action.type === 'slack.upsert' || action.type === 'slack.reply') {
      const refused = tokenRefused ?? refusedChannels.get(channelOf(action));
      // A reply needs its message: skipped only when the post failed and there is none from before.
      const parent = action.type === 'slack.reply' && !action.thread && !delivery.messages[action.channel] ? unposted.get(action.channel) : undefined;
      if (refused || parent) {
        const why = parent ? `its message in ${action.channel} could not be posted (${parent.message})` : `Slack refused ${refused!.code} earlier in this run`;
        outcomes.push({ action: action.type, target, result: 'failed', error: `not sent: ${why}` });
        continue;
      }
    }
    const after = 'after' in action ? action.after : undefined;
    if (after && failedChanges.has(after)) {
      outcomes.push({ action: action.type, target, result: 'failed', error: `not sent: the change it reports (${after}) failed` });
      continue;
    }
    try {
      const changed = await perform(action, delivery, channels, done, now);
      outcomes.push({ action: action.type, target, result: changed ? 'done' : 'unchanged' });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      outcomes.push({ action: action.type, target, result: 'failed', error: err.message });
      if (action.type === 'slack.upsert') unposted.set(action.messageKey ?? action.channel, err);
      if (err instanceof SlackRefusedError) {
        reportRefusal(err, target);
        if (err.tokenRefused) tokenRefused = err;
        if (err.channelRefused) refusedChannels.set(channelOf(action), err);
        continue;
      }
      errors.push(err);
      if (err instanceof SlackUnavailableError) slackDown = err;
      if ('key' in action && !action.type.startsWith('slack.') && action.type !== 'email.publish') failedChanges.add(action.key);
    }
  }
  if (errors.length > 0) {
    throw new DeliveryError(errors, `${errors.length} of ${plan.actions.length} actions failed for ${plan.subject}: ${errors.map((e) => e.message).join('; ')}`);
  }
  return { delivery, outcomes };
}

/** One log line naming the channel and what to do, and a count per error code (metric SlackRefused, dimension SlackError). */
function reportRefusal(error: SlackRefusedError, channel: string): void {
  logger.error(`Slack refused a message for ${channel} (${error.code}), not retried: ${error.advice(channel)}`, {
    slackError: error.code,
    channel,
    call: error.message,
  });
  metrics.singleMetric().addDimension('SlackError', error.code).addMetric('SlackRefused', MetricUnit.Count, 1);
}

/** The channel a Slack call goes to, as refusals are remembered: a reply in another subject's thread goes to that message's channel. */
const channelOf = (action: Action): string => (action.type === 'slack.reply' && action.thread ? action.thread.channelId : targetOf(action));

function targetOf(action: Action): string {
  switch (action.type) {
    case 'email.publish':
      return action.topicArn ?? 'default topic';
    case 'slack.webhook':
      return 'webhook';
    case 'codepipeline.disableTransition':
      return `${action.pipeline}/${action.stage}`;
    case 'ecs.stopDeployment':
    case 'ecs.updateService':
    case 'codedeploy.stopDeployment':
      return `${action.cluster}/${action.service}`;
    default:
      return action.channel;
  }
}

async function perform(action: Action, delivery: Delivery, channels: Channels, done: (d: Delivery) => Promise<void>, now: () => Date): Promise<boolean> {
  const sent = (key: string) => done({ ...delivery, sent: [...delivery.sent, key] });
  switch (action.type) {
    case 'ecs.stopDeployment':
    case 'ecs.updateService':
    case 'codedeploy.stopDeployment':
    case 'codepipeline.disableTransition': {
      if (!channels.changes) throw new Error(`no executor for ${action.type}`);
      const detail = await channels.changes.perform(action);
      const change = { key: action.key, type: action.type, at: now().toISOString(), ...(detail ? { detail } : {}) };
      await done({ ...delivery, sent: [...delivery.sent, action.key], changes: [...(delivery.changes ?? []), change] });
      return true;
    }
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
      const { content, hash, at, posted, shown } = upsertContent(action, delivery);
      if (shown) return false;
      if (posted && (await channels.slack.update(posted.channelId, posted.ts, content))) {
        await done({ ...delivery, messages: { ...delivery.messages, [at]: { ...posted, hash } } });
        return true;
      }
      const { ts, channelId } = await channels.slack.post(action.channel, content);
      await done({ ...delivery, messages: { ...delivery.messages, [at]: { ts, channelId, hash } } });
      return true;
    }
    case 'slack.reply': {
      if (!channels.slack) throw new Error('no Slack bot token configured');
      const posted = action.thread ?? delivery.messages[action.channel];
      if (!posted) throw new Error(`no message in ${action.channel} to reply to`);
      await channels.slack.reply(posted.channelId, posted.ts, renderSlackReply(action.reply), action.broadcast);
      await sent(action.key);
      return true;
    }
  }
}
