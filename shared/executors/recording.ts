import type { SlackMessage } from '../messages/slack.js';
import type { AwsCall, Channels } from '../actions/module.js';
import type { AuditEntry } from '../plan/audit.js';
import { ephemeral } from './slack.js';

// The dry-run sink (argo notifications-engine's console service is the model):
// it stands in for Slack, the webhook, email and AWS changes, keeps each
// message in full and each AWS call with its parameters, and sends nothing.
// The executor runs a plan against it exactly as against the real channels,
// so a dry-run makes the calls a real run would make, in the same order.

export type RecordedCall =
  | { to: 'slack'; method: 'chat.postMessage' | 'chat.update' | 'views.open'; body: Record<string, unknown>; ts?: string }
  | { to: 'webhook'; method: 'webhook'; body: Record<string, unknown> }
  | { to: 'response_url'; method: 'response_url'; url: string; body: Record<string, unknown> }
  | { to: 'email'; topicArn: string; subject: string; body: string }
  | { to: 'aws'; api: string; input: object }
  | { to: 'audit'; entry: AuditEntry };

/** Posts rehearsed in this process: each gets a ts of its own, so later updates and replies name the message they would touch. */
let posts = 0;

export class RecordingSink {
  readonly calls: RecordedCall[] = [];

  channels(): Channels {
    const record = (call: RecordedCall) => void this.calls.push(call);
    return {
      slack: {
        post: async (channel: string, content: SlackMessage, threadTs?: string) => {
          const ts = `0000000000.${String(++posts).padStart(6, '0')}`;
          record({ to: 'slack', method: 'chat.postMessage', body: { channel, ...(threadTs ? { thread_ts: threadTs } : {}), ...content }, ts });
          return { ts, channelId: channel };
        },
        update: async (channelId: string, ts: string, content: SlackMessage) => {
          record({ to: 'slack', method: 'chat.update', body: { channel: channelId, ts, ...content } });
          return true;
        },
        openView: async (triggerId: string, view: Record<string, unknown>) => void record({ to: 'slack', method: 'views.open', body: { trigger_id: triggerId, view } }),
        reply: async (channelId: string, threadTs: string, content: SlackMessage, broadcast: boolean) => {
          record({ to: 'slack', method: 'chat.postMessage', body: { channel: channelId, thread_ts: threadTs, reply_broadcast: broadcast, ...content } });
        },
      },
      webhook: {
        send: async (content: SlackMessage) => record({ to: 'webhook', method: 'webhook', body: { ...content } }),
      },
      respond: {
        respond: async (responseUrl: string, text: string) => record({ to: 'response_url', method: 'response_url', url: responseUrl, body: { ...ephemeral(text) } }),
      },
      email: {
        publish: async (topicArn: string | undefined, email: { subject: string; body: string }) => {
          record({ to: 'email', topicArn: topicArn ?? "the stack's topic", ...email });
          return undefined;
        },
      },
      audit: {
        record: async (entry: AuditEntry) => record({ to: 'audit', entry }),
      },
      aws: {
        call: async <O>(call: AwsCall<O>): Promise<O | undefined> => {
          record({ to: 'aws', api: call.api, input: call.input });
          return undefined;
        },
      },
    };
  }
}
