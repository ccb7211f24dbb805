import { createHmac } from 'node:crypto';
import type { SlackCall } from './slack-stand-in';

// A click on an approval button, as a scenario file describes it
// ({"slack-click": {"user": "U0BOB00001", "button": "approve", "time": "..."}}),
// turned into the request Slack would send the `slack-interactions`
// Function URL: a block_actions payload naming the latest message with that
// button, form-encoded and signed with the signing secret (v0 HMAC-SHA256 of
// "v0:{timestamp}:{body}"), so the real handler verifies it as it would
// Slack's. The runner finds the message among the Slack calls it has seen.

export interface ScenarioClick {
  /** The clicking user's Slack id (guardian.yml `people[].slack`). */
  user: string;
  button: 'approve' | 'reject';
  /** When the click happens (the replay clock is set to it); default: now. */
  time?: string;
}

/** A Slack message as the runner saw it posted or updated: its channel, ts and blocks. */
export interface SeenMessage {
  channel: string;
  ts: string;
  blocks: unknown[];
}

const BUTTON_IDS: Record<ScenarioClick['button'], string> = { approve: 'approval.approve', reject: 'approval.reject' };

/** The click a scenario file holds, or undefined when the file is an event; a malformed click is an error naming the field. */
export function scenarioClick(content: unknown): ScenarioClick | undefined {
  if (!content || typeof content !== 'object' || !('slack-click' in content)) return undefined;
  const click = (content as { 'slack-click': unknown })['slack-click'] as Partial<ScenarioClick> | undefined;
  if (!click || typeof click.user !== 'string' || !/^[UW][A-Z0-9]{2,}$/.test(click.user)) throw new Error('slack-click.user: expected a Slack user id such as U0BOB00001');
  if (click.button !== 'approve' && click.button !== 'reject') throw new Error('slack-click.button: expected "approve" or "reject"');
  if (click.time !== undefined && Number.isNaN(Date.parse(click.time))) throw new Error('slack-click.time: expected an ISO-8601 time');
  return { user: click.user, button: click.button, ...(click.time ? { time: click.time } : {}) };
}

/** The messages the Slack stand-in saw posted or updated, oldest first: where a click finds its button. */
export function messagesSeen(calls: SlackCall[]): SeenMessage[] {
  const seen: SeenMessage[] = [];
  for (const call of calls) {
    const ts = call.method === 'chat.update' ? call.body.ts : call.ts;
    if (typeof ts === 'string' && call.channel && Array.isArray(call.body.blocks)) seen.push({ channel: call.channel, ts, blocks: call.body.blocks });
  }
  return seen;
}

/** The button a click presses: on the newest message that carries it. */
export function buttonFor(click: ScenarioClick, seen: SeenMessage[]): { message: SeenMessage; actionId: string; value: string } | undefined {
  const actionId = BUTTON_IDS[click.button];
  for (const message of [...seen].reverse()) {
    for (const block of message.blocks as { type?: string; elements?: { action_id?: string; value?: string }[] }[]) {
      const button = block.type === 'actions' ? block.elements?.find((e) => e.action_id === actionId && e.value) : undefined;
      if (button) return { message, actionId, value: button.value! };
    }
  }
  return undefined;
}

/** The Function URL request (payload format 2.0) Slack would send for the click, signed with `secret` at `at`. */
export function signedClickRequest(click: ScenarioClick, button: NonNullable<ReturnType<typeof buttonFor>>, secret: string, at: Date): Record<string, unknown> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const payload = {
    type: 'block_actions',
    user: { id: click.user, username: click.user.toLowerCase() },
    team: { id: 'T0LOCAL000' },
    container: { type: 'message', message_ts: button.message.ts, channel_id: button.message.channel },
    // Slack's own host: the functions answer only hooks.slack.com; locally the Slack stand-in takes its place.
    response_url: `https://hooks.slack.com/actions/T0LOCAL000/${timestamp}/local-response`,
    actions: [{ action_id: button.actionId, block_id: 'approval', value: button.value, type: 'button', action_ts: `${timestamp}.000100` }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Slackbot 1.0' }, requestId: `local-${timestamp}-${click.user}`, timeEpoch: at.getTime() },
    body,
    isBase64Encoded: false,
  };
}
