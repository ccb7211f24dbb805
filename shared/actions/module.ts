import type { Action, ChangeAction } from '../plan/plan.js';
import type { Delivery } from '../plan/delivery.js';
import type { IamNeed } from '../runtime/iam.js';
import type { Place } from '../runtime/aws.js';
import type { Deadline } from '../runtime/deadline.js';
import type { AuditWriter } from '../plan/audit.js';
import type { EmailNotifier } from '../executors/email.js';
import type { SlackNotifier, SlackResponder, SlackWebhookNotifier } from '../executors/slack.js';

// The contract of an action module: one per kind of action (Action['type']),
// declaring what it needs from IAM, how it is performed, and how it reads.
// Cloud Custodian's actions, each with its `permissions`, are the model.

/** Where notifications go, as the config and environment set them up for one invocation (or a recording sink, in a dry-run). */
export interface Channels {
  slack?: Pick<SlackNotifier, 'post' | 'update' | 'reply' | 'openView'>;
  webhook?: Pick<SlackWebhookNotifier, 'send'>;
  /** Private answers to the user who clicked (an interaction's response_url). */
  respond?: Pick<SlackResponder, 'respond'>;
  email: Pick<EmailNotifier, 'publish'>;
  /** The audit trail; absent: the function records no decisions. */
  audit?: AuditWriter;
  /** The changes to AWS this function may make (their modules); absent: it only notifies. */
  changes?: ChangeModules;
  /** How changes reach AWS; absent: for real. */
  aws?: AwsCalls;
  /** Where changes are made: the account and region (and role) of what they act on; absent: the function's own. */
  place?: Place;
  /** When given, no change's AWS call outlives it (an answer Slack waits for): each carries an abort signal that fires then. */
  bound?: Deadline;
}

/** One AWS API call of an action: its name ("ecs:StopServiceDeployment") and parameters, and how to make it. */
export interface AwsCall<O> {
  api: string;
  input: object;
  send: () => Promise<O>;
}

/** Makes (or, in a dry-run, records) the AWS calls of actions; a recorded call answers undefined. */
export interface AwsCalls {
  call<O>(call: AwsCall<O>): Promise<O | undefined>;
}

/** AWS for real. */
export const liveAws: AwsCalls = { call: (c) => c.send() };

/** What performing an action may use and must report. */
export interface ActionContext {
  /** What was delivered before this action (message ts and hashes, keys sent, changes made). */
  delivery: Delivery;
  channels: Channels;
  /** Records the delivery after this action, as soon as it has happened, so a retry never repeats it. */
  done(next: Delivery): Promise<void>;
  /** The invocation's clock: changes are recorded at its time. */
  now: () => Date;
}

export interface ActionModule<A extends Action> {
  type: A['type'];
  /**
   * 'change': a change to AWS (what stops the harm: performed first; notices `after` it wait for it);
   * 'email'; 'slack' (skipped once Slack is down or refused for the channel or token);
   * 'record': the audit trail (after the changes it reports, before the notices).
   */
  kind: 'change' | 'email' | 'slack' | 'record';
  /** Position in a plan: lower first (changes, then email, then messages, then replies that need their ts). */
  order: number;
  /** The IAM this action needs; the guardian plugin grants it to each function that may plan it. */
  iam: IamNeed[];
  /** What the action acts on, as outcomes and logs name it (a channel, a service, a pipeline stage). */
  target(action: A): string;
  /** Whether the action would do anything against what was delivered (an unchanged message would not). */
  owed?(action: A, delivery: Delivery): boolean;
  /** Performs the action; false when it turned out to have nothing to do. */
  perform(action: A, ctx: ActionContext): Promise<boolean>;
  /** One line for logs, dry-runs and the local runner: what it would do, to what. */
  describe(action: A): string;
}

/** The module of each action type: the compiler checks every member of the Action union has one. */
export type ActionModules = { [K in Action['type']]: ActionModule<Extract<Action, { type: K }>> };

export type ChangeType = ChangeAction['type'];
/** The change modules a function executes with: each function's own subset (rollback's, the approval gate's). */
export type ChangeModules = Partial<Pick<ActionModules, ChangeType>>;
export type NotificationModules = Omit<ActionModules, ChangeType>;

/** The module of an action: a notification's, or one of the changes `channels` may make. */
export function moduleOf<A extends Action>(action: A, channels: Pick<Channels, 'changes'>, notifications: NotificationModules): ActionModule<A> {
  const modules: Partial<ActionModules> = { ...notifications, ...channels.changes };
  const found = modules[action.type];
  if (!found) throw new Error(`no executor for ${action.type}: this function may not make that change`);
  return found as unknown as ActionModule<A>;
}
