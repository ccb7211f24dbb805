import type { MessageModel, ReplyModel } from '../messages/model.js';

// A Plan is what a decision function wants done: plain data, each action
// carrying everything its executor needs and a human-readable reason.
// Dry-run logs and returns it; otherwise executors perform it.

/** Post the subject's message to a channel, or update it in place if it was posted before. */
export interface SlackUpsertAction {
  type: 'slack.upsert';
  channel: string;
  message: MessageModel;
  reason: string;
}

/** Reply once in the thread of the subject's message in a channel. */
export interface SlackReplyAction {
  type: 'slack.reply';
  channel: string;
  /** Delivery key: the reply is sent at most once per key. */
  key: string;
  reply: ReplyModel;
  /** Also show the reply in the channel (for failures people must see). */
  broadcast: boolean;
  reason: string;
}

/** Post one message through the incoming webhook (no bot token: no threads, no updates). */
export interface SlackWebhookAction {
  type: 'slack.webhook';
  key: string;
  message: MessageModel;
  reason: string;
}

/** Publish an email through SNS. */
export interface EmailAction {
  type: 'email.publish';
  key: string;
  /** undefined: the stack's own topic. */
  topicArn?: string;
  message: MessageModel;
  reason: string;
}

export type Action = SlackUpsertAction | SlackReplyAction | SlackWebhookAction | EmailAction;

export interface Plan {
  /** What the plan is about, e.g. "pipeline payments-api execution 1234". */
  subject: string;
  actions: Action[];
  /** Why nothing (more) is done, when that is the decision. */
  skipped: string[];
}
