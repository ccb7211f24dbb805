import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from './http.js';

// Slack signs each interaction request: X-Slack-Signature is "v0=" and the
// hex HMAC-SHA256, keyed by the app's signing secret, of
// "v0:{X-Slack-Request-Timestamp}:{the body's exact bytes}". A request is
// trusted only when that matches (compared in constant time) and its
// timestamp is within five minutes of ours, either way, so a captured request
// cannot be replayed later. Nothing of the body is read before this passes.

/** How far a request's timestamp may be from our clock, either way. */
export const MAX_CLOCK_SKEW_S = 5 * 60;

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

export type SignatureCheck =
  /** `signature`: the header as sent, which names this request (replays repeat it); `timestamp` in seconds. */
  | { ok: true; signature: string; timestamp: number }
  /** Why the request is refused (for the log: never echoed to the caller), and the HTTP status that says so; `mismatch`: only the signature is wrong (perhaps a rotated secret). */
  | { ok: false; status: number; reason: string; mismatch?: true };

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * Whether `request` is one Slack sends: a POST of a form (anything else is
 * refused before the secret is even needed), signed with `secret`.
 */
export function checkSlackRequest(request: Pick<HttpRequest, 'method' | 'headers' | 'rawBody'>, secret: string, now: Date): SignatureCheck {
  if (request.method !== 'POST') return { ok: false, status: 405, reason: `method ${request.method}: Slack sends interactions as POST` };
  const type = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  if (type !== FORM_CONTENT_TYPE) return { ok: false, status: 415, reason: `content type ${type ?? '(none)'}: Slack sends interactions as ${FORM_CONTENT_TYPE}` };
  return checkSlackSignature(request, secret, now);
}

/** Slack's signature over `timestamp` and `body` with `secret`, as the header carries it. */
export function slackSignature(secret: string, timestamp: string | number, body: Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/** Whether `request` was signed by Slack with `secret`, at a time within MAX_CLOCK_SKEW_S of `now`. */
export function checkSlackSignature(request: Pick<HttpRequest, 'headers' | 'rawBody'>, secret: string, now: Date): SignatureCheck {
  const sent = request.headers['x-slack-signature'];
  const timestamp = request.headers['x-slack-request-timestamp'];
  if (sent === undefined || timestamp === undefined) {
    return { ok: false, status: 401, reason: `missing header ${sent === undefined ? 'X-Slack-Signature' : 'X-Slack-Request-Timestamp'}` };
  }
  if (!TIMESTAMP.test(timestamp)) return { ok: false, status: 401, reason: 'X-Slack-Request-Timestamp is not a number of seconds' };
  if (!SIGNATURE.test(sent)) return { ok: false, status: 401, reason: 'X-Slack-Signature is not "v0=" and 64 hex digits' };
  const skew = Number(timestamp) - Math.floor(now.getTime() / 1000);
  if (Math.abs(skew) > MAX_CLOCK_SKEW_S) {
    return { ok: false, status: 401, reason: `X-Slack-Request-Timestamp is ${Math.abs(skew)} s in the ${skew < 0 ? 'past' : 'future'} (at most ${MAX_CLOCK_SKEW_S} s either way)` };
  }
  const expected = Buffer.from(slackSignature(secret, timestamp, request.rawBody));
  const given = Buffer.from(sent);
  // Same length by the pattern above; checked again because timingSafeEqual throws otherwise.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'X-Slack-Signature does not match the body', mismatch: true };
  return { ok: true, signature: sent, timestamp: Number(timestamp) };
}
