import '../runtime/zod-messages.js';
import * as z from 'zod/mini';
import { check, EventValidationError } from './parse.js';

// Slack's interaction requests (a click on a message button), as Slack's
// block_actions payload reference describes them: an
// application/x-www-form-urlencoded body whose one field `payload` holds
// JSON. Only the fields the approval buttons need are checked; Slack sends
// more (team, enterprise, state, the whole message), which pass unread.
// Parsed only after the request's signature was verified.

/** What an error names as the input when a payload is malformed. */
export const INTERACTION = 'Slack interaction payload';

const slackId = (what: string, pattern: RegExp) => z.string().check(z.regex(pattern, `expected a Slack ${what} id`));
/**
 * Whether `url` is a response_url Slack hosts (https://hooks.slack.com/actions/...): the
 * payload names it, and nothing from a payload is posted to anywhere else.
 */
export function isSlackResponseUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.hostname === 'hooks.slack.com' && u.port === '' && u.pathname.startsWith('/actions/') && !u.username && !u.password;
  } catch {
    return false;
  }
}
const responseUrl = z.string().check(z.refine(isSlackResponseUrl, 'expected a Slack response_url (https://hooks.slack.com/actions/...)'));
/** Slack message timestamps: seconds, a dot, microseconds ("1764648000.000100"). */
const messageTs = z.string().check(z.regex(/^\d{9,12}\.\d{1,6}$/, 'expected a Slack message ts such as 1764648000.000100'));

const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: slackId('user', /^[UW][A-Z0-9]{2,}$/), username: z.optional(z.string()), name: z.optional(z.string()), team_id: z.optional(z.string()) }),
  // Null for an org-wide install (the user's team_id then says which workspace).
  team: z.optional(z.nullable(z.object({ id: z.string() }))),
  api_app_id: z.optional(z.string()),
  container: z.object({
    type: z.literal('message'),
    message_ts: messageTs,
    channel_id: slackId('channel', /^[CGD][A-Z0-9]{2,}$/),
  }),
  response_url: responseUrl,
  actions: z
    .array(
      z.object({
        action_id: z.string().check(z.minLength(1), z.maxLength(255)),
        block_id: z.optional(z.string()),
        // Slack caps a button's value at 2000 characters.
        value: z.string().check(z.minLength(1), z.maxLength(2000)),
        action_ts: z.optional(z.string()),
      }),
    )
    .check(z.minLength(1)),
});

/** One click on a message button. */
export interface SlackClick {
  /** The clicking user's Slack id: who voted (looked up in guardian.yml's people). */
  userId: string;
  /** The user's Slack name, for logs only. */
  userName?: string;
  actionId: string;
  /** The button's value: names the request, never trusted on its own. */
  value: string;
  /** Where to answer the clicking user privately (ephemeral) or replace the message. */
  responseUrl: string;
  /** The message the button is on. */
  channelId: string;
  messageTs: string;
  /** The workspace and the Slack app the interaction comes from, as Slack names them (checked against guardian.yml's slack.teamId / appId). */
  teamId?: string;
  appId?: string;
}

/** Why an interaction from `from` is not for this guardian (guardian.yml's slack.teamId / appId, where set), or undefined. */
export function foreignInteraction(expected: { teamId?: string | undefined; appId?: string | undefined } | undefined, from: { teamId?: string; appId?: string }): string | undefined {
  if (expected?.teamId && from.teamId !== expected.teamId) return `team.id ${from.teamId ?? '(none)'} is not slack.teamId ${expected.teamId}`;
  if (expected?.appId && from.appId !== expected.appId) return `api_app_id ${from.appId ?? '(none)'} is not slack.appId ${expected.appId}`;
  return undefined;
}

/** The click in a verified form body; throws an EventValidationError naming each bad field (`payload.actions.0.value: ...`). */
export function parseSlackInteraction(body: Buffer): SlackClick {
  const form = new URLSearchParams(body.toString('utf8'));
  const payload = form.get('payload');
  if (payload === null) throw new EventValidationError(INTERACTION, [{ path: 'payload', message: 'expected a form field `payload` (Slack sends the interaction as JSON in it)' }]);
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (error) {
    throw new EventValidationError(INTERACTION, [{ path: 'payload', message: `expected JSON (${(error as Error).message})` }]);
  }
  let p: z.output<typeof BlockActionsSchema>;
  try {
    p = check(BlockActionsSchema, raw, INTERACTION);
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    throw new EventValidationError(INTERACTION, error.issues.map((i) => ({ ...i, path: i.path ? `payload.${i.path}` : 'payload' })));
  }
  const action = p.actions[0]!;
  return {
    userId: p.user.id,
    ...(p.user.username ? { userName: p.user.username } : {}),
    actionId: action.action_id,
    value: action.value,
    responseUrl: p.response_url,
    channelId: p.container.channel_id,
    messageTs: p.container.message_ts,
    ...((p.team?.id ?? p.user.team_id) ? { teamId: (p.team?.id ?? p.user.team_id)! } : {}),
    ...(p.api_app_id ? { appId: p.api_app_id } : {}),
  };
}
