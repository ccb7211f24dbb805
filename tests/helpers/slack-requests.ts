// Slack interaction requests as a Lambda Function URL passes them (payload
// format 2.0): a form POST whose `payload` field is the block_actions JSON,
// signed as Slack signs it. The sample in events/slack/ is one of these,
// signed with LOCAL_SIGNING_SECRET at its own (old) timestamp.
import { slackSignature } from '../../shared/runtime/slack-signature';
import { loadEvent } from './fixtures';

/** The secret events/slack/*.json were signed with (README: `sls invoke local` with SLACK_SIGNING_SECRET). */
export const LOCAL_SIGNING_SECRET = 'local-signing-secret-not-for-production';

export type FunctionUrlEvent = {
  headers: Record<string, string>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string }; timeEpoch: number; time: string };
} & Record<string, unknown>;

/** The sample click (an Approve), as a fresh copy. */
export const sampleClick = () => loadEvent<FunctionUrlEvent>('slack/approve-click.json');

/** The block_actions payload inside a Function URL event's form body. */
export function payloadOf(event: FunctionUrlEvent): Record<string, unknown> {
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  return JSON.parse(new URLSearchParams(body).get('payload')!) as Record<string, unknown>;
}

export const formBody = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

/**
 * The sample request with `body` (default: its own), signed with `secret` at
 * `at`, its body base64-encoded as Function URLs pass form posts (or not).
 */
export function signedRequest(
  at: Date,
  { body, secret = LOCAL_SIGNING_SECRET, base64 = true, headers = {} }: { body?: string; secret?: string; base64?: boolean; headers?: Record<string, string> } = {},
): FunctionUrlEvent {
  const event = sampleClick();
  const bytes = body ?? Buffer.from(event.body!, 'base64').toString('utf8');
  const timestamp = Math.floor(at.getTime() / 1000);
  event.body = base64 ? Buffer.from(bytes, 'utf8').toString('base64') : bytes;
  event.isBase64Encoded = base64;
  event.requestContext.timeEpoch = at.getTime();
  event.headers = {
    ...event.headers,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, Buffer.from(bytes, 'utf8')),
    'content-length': String(Buffer.byteLength(bytes)),
    ...headers,
  };
  return event;
}
