import type { Action, Plan } from '../plan/plan.js';
import { boundDelivery, type Delivery } from '../plan/delivery.js';
import { NOTIFICATION_ACTIONS } from '../actions/notification-actions.js';
import { moduleOf as moduleIn, type Channels } from '../actions/module.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../runtime/observability.js';
import { SlackRefusedError, SlackUnavailableError } from './slack.js';
import { RecordingSink, type RecordedCall } from './recording.js';

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


export interface ActionOutcome {
  action: Action['type'];
  target: string;
  /** rehearsed: performed against the recording sink (a per-service dry-run's change). */
  result: 'done' | 'unchanged' | 'failed' | 'rehearsed';
  error?: string;
  /** A change's key (several changes can share a target: the steps of one instance). */
  key?: string;
}

export class DeliveryError extends AggregateError {
  override readonly name = 'DeliveryError';
  constructor(
    errors: Error[],
    message: string,
    /** What became of each action of the plan (the failed changes, with their keys and errors). */
    readonly outcomes: ActionOutcome[] = [],
  ) {
    super(errors, message);
  }
}

const moduleOf = <A extends Action>(action: A, channels: Pick<Channels, 'changes'>) => moduleIn(action, channels, NOTIFICATION_ACTIONS);

/** The plan's actions that would do something against `delivery` (an upsert of what the message already shows would not). */
export const owedActions = (plan: Plan, delivery: Delivery): Action[] =>
  plan.actions.filter((a) => (a.type in NOTIFICATION_ACTIONS ? moduleOf(a, {}).owed?.(a, delivery) : undefined) ?? true);

/** A change this function may not make sorts first, and fails there, named. */
const orderOf = (action: Action, channels: Channels) => {
  try {
    return moduleOf(action, channels).order;
  } catch {
    return -1;
  }
};

export async function executePlan(
  plan: Plan,
  initial: Delivery,
  channels: Channels,
  record: (delivery: Delivery, last: boolean) => Promise<void>,
  /** The invocation's clock: when each change was made. */
  now: () => Date,
): Promise<{ delivery: Delivery; outcomes: ActionOutcome[]; recorded: RecordedCall[] }> {
  let delivery = initial;
  const outcomes: ActionOutcome[] = [];
  const errors: Error[] = [];
  const actions = [...plan.actions].sort((a, b) => orderOf(a, channels) - orderOf(b, channels));
  let last = false;
  const done = async (next: Delivery) => {
    delivery = boundDelivery(next);
    await record(delivery, last);
  };

  const rehearsals = new RecordingSink();
  let slackDown: Error | undefined;
  let tokenRefused: SlackRefusedError | undefined;
  const refusedChannels = new Map<string, SlackRefusedError>();
  /** Messages (by their key in the delivery) whose post failed in this run. */
  const unposted = new Map<string, Error>();
  const failedChanges = new Set<string>();
  for (const [i, action] of actions.entries()) {
    last = i === actions.length - 1;
    let actionModule;
    try {
      actionModule = moduleOf(action, channels);
    } catch (error) {
      outcomes.push({ action: action.type, target: action.type, result: 'failed', error: (error as Error).message });
      errors.push(error as Error);
      continue;
    }
    const target = actionModule.target(action);
    if (slackDown && actionModule.kind === 'slack') {
      // Slack already used up the time budget once: leave the rest for the retry.
      outcomes.push({ action: action.type, target, result: 'failed', error: `not attempted: ${slackDown.message}` });
      continue;
    }
    if (action.type === 'slack.upsert' || action.type === 'slack.reply') {
      const refused = tokenRefused ?? refusedChannels.get(channelOf(action, target));
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
    if ('rehearsal' in action && action.rehearsal) {
      // Shown, not made, and not recorded as delivered: a real change later is still owed.
      await actionModule.perform(action, { delivery, channels: { ...channels, ...rehearsals.channels() }, done: async () => undefined, now });
      outcomes.push({ action: action.type, target, result: 'rehearsed' });
      continue;
    }
    if (actionModule.owed && !actionModule.owed(action, delivery)) {
      // Already delivered (an email sent once per key, a message that shows this already): nothing to do.
      outcomes.push({ action: action.type, target, result: 'unchanged' });
      continue;
    }
    try {
      const changed = await actionModule.perform(action, { delivery, channels, done, now });
      outcomes.push({ action: action.type, target, result: changed ? 'done' : 'unchanged' });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      outcomes.push({ action: action.type, target, result: 'failed', error: err.message, ...(actionModule.kind === 'change' && 'key' in action ? { key: action.key } : {}) });
      if (action.type === 'slack.upsert') unposted.set(action.messageKey ?? action.channel, err);
      if (err instanceof SlackRefusedError) {
        reportRefusal(err, channelOf(action, target));
        if (err.tokenRefused) tokenRefused = err;
        if (err.channelRefused) refusedChannels.set(channelOf(action, target), err);
        continue;
      }
      errors.push(err);
      if (err instanceof SlackUnavailableError) slackDown = err;
      if (actionModule.kind === 'change' && 'key' in action) failedChanges.add(action.key);
    }
  }
  if (errors.length > 0) {
    throw new DeliveryError(errors, `${errors.length} of ${plan.actions.length} actions failed for ${plan.subject}: ${errors.map((e) => e.message).join('; ')}`, outcomes);
  }
  return { delivery, outcomes, recorded: rehearsals.calls };
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
const channelOf = (action: Action, target: string): string => (action.type === 'slack.reply' && action.thread ? action.thread.channelId : target);
