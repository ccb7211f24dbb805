import '../runtime/zod-messages.js';
import * as z from 'zod/mini';
import { check, EventValidationError } from './parse.js';

// Slack's interaction requests, as Slack's interaction payload references
// describe them: a click on a message button (block_actions) or the
// submission of a modal (view_submission: a Reject's reason), each an
// application/x-www-form-urlencoded body whose one field `payload` holds
// JSON. Only the fields the approval buttons and the reason modal need are
// checked; Slack sends more (enterprise, the whole message or view), which
// pass unread. Parsed only after the request's signature was verified.

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

const User = z.object({ id: slackId('user', /^[UW][A-Z0-9]{2,}$/), username: z.optional(z.string()), name: z.optional(z.string()), team_id: z.optional(z.string()) });
// Null for an org-wide install (the user's team_id then says which workspace).
const Team = z.optional(z.nullable(z.object({ id: z.string() })));
/** Good for 3 s, once: opens a modal (views.open). */
const TriggerId = z.optional(z.string().check(z.minLength(1), z.maxLength(255)));

const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: User,
  team: Team,
  api_app_id: z.optional(z.string()),
  trigger_id: TriggerId,
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

const ViewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: User,
  team: Team,
  api_app_id: z.optional(z.string()),
  view: z.object({
    id: z.optional(z.string()),
    callback_id: z.string().check(z.maxLength(255)),
    // Slack caps private_metadata at 3000 characters.
    private_metadata: z._default(z.string().check(z.maxLength(3000)), ''),
    state: z.object({
      // block_id -> action_id -> the element's state (a plain_text_input's value: null when left empty).
      values: z.record(z.string(), z.record(z.string(), z.object({ type: z.string(), value: z.optional(z.nullable(z.string())) }))),
    }),
  }),
});

/** One click on a message button. */
export interface SlackClick {
  kind: 'click';
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
  /** Opens a modal for this user, within 3 s of the click (absent: no modal can be opened). */
  triggerId?: string;
}

/** A modal submitted: its callback_id, its private_metadata (untrusted: it names what the modal was opened for) and its inputs' values. */
export interface SlackSubmission {
  kind: 'submission';
  userId: string;
  userName?: string;
  callbackId: string;
  privateMetadata: string;
  /** block_id -> action_id -> value (text inputs; null or absent when left empty). */
  values: Record<string, Record<string, string | undefined>>;
  teamId?: string;
  appId?: string;
}

export type SlackInteraction = SlackClick | SlackSubmission;

/** Why an interaction from `from` is not for this guardian (guardian.yml's slack.teamId / appId, where set), or undefined. */
export function foreignInteraction(expected: { teamId?: string | undefined; appId?: string | undefined } | undefined, from: { teamId?: string; appId?: string }): string | undefined {
  if (expected?.teamId && from.teamId !== expected.teamId) return `team.id ${from.teamId ?? '(none)'} is not slack.teamId ${expected.teamId}`;
  if (expected?.appId && from.appId !== expected.appId) return `api_app_id ${from.appId ?? '(none)'} is not slack.appId ${expected.appId}`;
  return undefined;
}

/** The interaction in a verified form body; throws an EventValidationError naming each bad field (`payload.actions.0.value: ...`). */
export function parseSlackInteraction(body: Buffer): SlackInteraction {
  const form = new URLSearchParams(body.toString('utf8'));
  const payload = form.get('payload');
  if (payload === null) throw new EventValidationError(INTERACTION, [{ path: 'payload', message: 'expected a form field `payload` (Slack sends the interaction as JSON in it)' }]);
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (error) {
    throw new EventValidationError(INTERACTION, [{ path: 'payload', message: `expected JSON (${(error as Error).message})` }]);
  }
  const type = (raw as { type?: unknown } | null)?.type;
  if (type === 'view_submission') return submissionOf(checked(ViewSubmissionSchema, raw));
  const p = checked(BlockActionsSchema, raw);
  const action = p.actions[0]!;
  return {
    kind: 'click',
    userId: p.user.id,
    ...(p.user.username ? { userName: p.user.username } : {}),
    actionId: action.action_id,
    value: action.value,
    responseUrl: p.response_url,
    channelId: p.container.channel_id,
    messageTs: p.container.message_ts,
    ...origin(p),
    ...(p.trigger_id ? { triggerId: p.trigger_id } : {}),
  };
}

/** `raw` as `schema` reads it; each bad field named under `payload.`. */
function checked<T extends z.ZodMiniType>(schema: T, raw: unknown): z.output<T> {
  try {
    return check(schema, raw, INTERACTION);
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    throw new EventValidationError(INTERACTION, error.issues.map((i) => ({ ...i, path: i.path ? `payload.${i.path}` : 'payload' })));
  }
}

/** The workspace and app an interaction names. */
const origin = (p: { team?: { id: string } | null | undefined; user: { team_id?: string | undefined }; api_app_id?: string | undefined }) => {
  const teamId = p.team?.id ?? p.user.team_id;
  return { ...(teamId ? { teamId } : {}), ...(p.api_app_id ? { appId: p.api_app_id } : {}) };
};

function submissionOf(p: z.output<typeof ViewSubmissionSchema>): SlackSubmission {
  const values = Object.fromEntries(
    Object.entries(p.view.state.values).map(([block, actions]) => [block, Object.fromEntries(Object.entries(actions).map(([id, a]) => [id, a.value ?? undefined]))]),
  );
  return {
    kind: 'submission',
    userId: p.user.id,
    ...(p.user.username ? { userName: p.user.username } : {}),
    callbackId: p.view.callback_id,
    privateMetadata: p.view.private_metadata,
    values,
    ...origin(p),
  };
}
