import { createHmac } from 'node:crypto';
import type { SlackCall } from './slack-stand-in';

// A click on an approval button, as a scenario file describes it
// ({"slack-click": {"user": "U0BOB00001", "button": "approve", "time": "..."}}),
// turned into the request Slack would send the `slack-interactions`
// Function URL: a block_actions payload naming the latest message with that
// button, form-encoded and signed with the signing secret (v0 HMAC-SHA256 of
// "v0:{timestamp}:{body}"), so the real handler verifies it as it would
// Slack's. The runner finds the message among the Slack calls it has seen.
// A Reject with a reason ({"button": "reject", "reason": "..."}) is the click
// and then, once the function opened its modal (views.open), the modal's
// view_submission with the reason typed in, signed the same way.

export interface ScenarioClick {
  /** The clicking user's Slack id (guardian.yml `people[].slack`). */
  user: string;
  button: 'approve' | 'reject';
  /** When the click happens (the replay clock is set to it); default: now. */
  time?: string;
  /** A Reject's reason, typed into the modal the click opens and submitted. */
  reason?: string;
}

/** The workspace and app of local interactions. */
const LOCAL_TEAM = 'T0LOCAL000';
const LOCAL_APP = 'A0LOCAL000';

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
  if (click.reason !== undefined && (typeof click.reason !== 'string' || click.button !== 'reject')) throw new Error('slack-click.reason: expected text, with "button": "reject"');
  return { user: click.user, button: click.button, ...(click.time ? { time: click.time } : {}), ...(click.reason !== undefined ? { reason: click.reason } : {}) };
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
    user: { id: click.user, username: click.user.toLowerCase(), team_id: LOCAL_TEAM },
    api_app_id: LOCAL_APP,
    team: { id: LOCAL_TEAM },
    container: { type: 'message', message_ts: button.message.ts, channel_id: button.message.channel },
    // Good for 3 s: the function may open a modal with it (a Reject's reason).
    trigger_id: `${timestamp}.1234567890.${click.user.toLowerCase()}`,
    // Slack's own host: the functions answer only hooks.slack.com; locally the Slack stand-in takes its place.
    response_url: `https://hooks.slack.com/actions/${LOCAL_TEAM}/${timestamp}/local-response`,
    actions: [{ action_id: button.actionId, block_id: 'approval', value: button.value, type: 'button', action_ts: `${timestamp}.000100` }],
  };
  return signedInteraction(payload, secret, at, `local-${timestamp}-${click.user}`);
}

/** The modal a function opened (views.open, as the Slack stand-in saw it), newest first: the one a submission answers. */
export function openedModal(calls: Pick<SlackCall, 'method' | 'body'>[]): Record<string, unknown> | undefined {
  const call = [...calls].reverse().find((c) => c.method === 'views.open');
  const view = call?.body.view;
  return typeof view === 'string' ? (JSON.parse(view) as Record<string, unknown>) : (view as Record<string, unknown> | undefined);
}

/**
 * The view_submission payload Slack sends when `user` submits `view` (the modal as opened)
 * with `values` typed in (block_id -> action_id -> text): its callback_id and private_metadata
 * as the function set them, and the inputs' state as plain_text_input values.
 */
export function viewSubmissionPayload(user: string, view: Record<string, unknown>, values: Record<string, Record<string, string>>, viewId = 'V0LOCAL0001'): Record<string, unknown> {
  const state = Object.fromEntries(Object.entries(values).map(([block, inputs]) => [block, Object.fromEntries(Object.entries(inputs).map(([id, value]) => [id, { type: 'plain_text_input', value }]))]));
  return {
    type: 'view_submission',
    team: { id: LOCAL_TEAM, domain: 'local' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: LOCAL_TEAM },
    api_app_id: LOCAL_APP,
    token: 'deprecated-verification-token',
    trigger_id: `${viewId}.1234567890.submission`,
    view: {
      id: viewId,
      team_id: LOCAL_TEAM,
      type: 'modal',
      blocks: view.blocks ?? [],
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values: state },
      hash: '1781269800.abcdef12',
      title: view.title,
      submit: view.submit,
      close: view.close,
      app_id: LOCAL_APP,
      bot_id: 'B0LOCAL000',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The modal's submission with the click's reason, as Slack would send it, signed with `secret` at `at`. */
export function signedSubmissionRequest(click: ScenarioClick & { reason: string }, view: Record<string, unknown>, secret: string, at: Date): Record<string, unknown> {
  const input = (view.blocks as { type?: string; block_id?: string; element?: { action_id?: string } }[] | undefined)?.find((b) => b.type === 'input');
  const values = input?.block_id && input.element?.action_id ? { [input.block_id]: { [input.element.action_id]: click.reason } } : {};
  return signedInteraction(viewSubmissionPayload(click.user, view, values), secret, at, `local-${at.getTime()}-${click.user}-submission`);
}

/** An interaction payload as the Function URL passes Slack's request: form-encoded, signed with `secret` at `at`. */
function signedInteraction(payload: unknown, secret: string, at: Date, requestId: string): Record<string, unknown> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
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
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Slackbot 1.0' }, requestId, timeEpoch: at.getTime() },
    body,
    isBase64Encoded: false,
  };
}
