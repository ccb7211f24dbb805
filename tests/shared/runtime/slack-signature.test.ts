import { checkSlackRequest, checkSlackSignature, slackSignature } from '../../../shared/runtime/slack-signature';

// Slack's request signing ("Verifying requests from Slack"): v0= + hex
// HMAC-SHA256 over "v0:{timestamp}:{raw body}", keyed by the signing
// secret; a timestamp more than five minutes away from ours is refused.

const SECRET = 'signing-secret-of-the-test-app';
const NOW = new Date('2026-06-12T13:10:00Z');
const TS = Math.floor(NOW.getTime() / 1000);
const BODY = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');

const request = (over: { headers?: Record<string, string | undefined>; body?: Buffer; method?: string } = {}) => ({
  method: over.method ?? 'POST',
  rawBody: over.body ?? BODY,
  headers: Object.fromEntries(
    Object.entries({
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(TS),
      'x-slack-signature': slackSignature(SECRET, TS, BODY),
      ...over.headers,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  ),
});

describe('checking the signature of a Slack request', () => {
  it('accepts the signature Slack computes, naming the request by it', () => {
    const signed = request();
    expect(checkSlackRequest(signed, SECRET, NOW)).toEqual({ ok: true, signature: signed.headers['x-slack-signature'], timestamp: TS });
  });

  it('matches Slack\'s documented construction exactly (HMAC-SHA256 of "v0:ts:body", hex, "v0=" prefix)', () => {
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    expect(slackSignature(SECRET, TS, BODY)).toBe(`v0=${createHmac('sha256', SECRET).update(`v0:${TS}:${BODY.toString()}`).digest('hex')}`);
  });

  it.each([
    ['signed with another secret', request({ headers: { 'x-slack-signature': slackSignature('another-secret', TS, BODY) } }), 'X-Slack-Signature does not match the body'],
    ['with a body altered after signing', request({ body: Buffer.from(BODY.toString().replace('block_actions', 'block_actionz')) }), 'X-Slack-Signature does not match the body'],
    ['re-timestamped without being signed again', request({ headers: { 'x-slack-request-timestamp': String(TS - 1) } }), 'X-Slack-Signature does not match the body'],
    ['without X-Slack-Signature', request({ headers: { 'x-slack-signature': undefined } }), 'missing header X-Slack-Signature'],
    ['without X-Slack-Request-Timestamp', request({ headers: { 'x-slack-request-timestamp': undefined } }), 'missing header X-Slack-Request-Timestamp'],
    ['with a timestamp that is not a number', request({ headers: { 'x-slack-request-timestamp': '2026-06-12T13:10:00Z' } }), 'X-Slack-Request-Timestamp is not a number of seconds'],
    ['with a signature of another scheme', request({ headers: { 'x-slack-signature': `v1=${'0'.repeat(64)}` } }), 'X-Slack-Signature is not "v0=" and 64 hex digits'],
    ['with a truncated signature', request({ headers: { 'x-slack-signature': slackSignature(SECRET, TS, BODY).slice(0, 40) } }), 'X-Slack-Signature is not "v0=" and 64 hex digits'],
  ])('refuses a request %s (401)', (_, req, reason) => {
    // Only a signature that does not match may have been made with a rotated secret (the caller reads it afresh once).
    const mismatch = reason === 'X-Slack-Signature does not match the body' ? { mismatch: true } : {};
    expect(checkSlackRequest(req, SECRET, NOW)).toEqual({ ok: false, status: 401, reason, ...mismatch });
  });

  it.each([
    ['5 minutes and 1 second old', -301, 'X-Slack-Request-Timestamp is 301 s in the past (at most 300 s either way)'],
    ['an hour old', -3600, 'X-Slack-Request-Timestamp is 3600 s in the past (at most 300 s either way)'],
    ['5 minutes and 1 second ahead', 301, 'X-Slack-Request-Timestamp is 301 s in the future (at most 300 s either way)'],
  ])('refuses a correctly signed request %s', (_, offset, reason) => {
    const ts = TS + offset;
    const req = request({ headers: { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, BODY) } });
    expect(checkSlackSignature(req, SECRET, NOW)).toEqual({ ok: false, status: 401, reason });
  });

  it.each([-300, 300])('accepts a request exactly 5 minutes off (%i s)', (offset) => {
    const ts = TS + offset;
    const req = request({ headers: { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, BODY) } });
    expect(checkSlackSignature(req, SECRET, NOW)).toMatchObject({ ok: true });
  });

  it('refuses anything but a POST (405) and anything but a form (415), before the signature is looked at', () => {
    expect(checkSlackRequest(request({ method: 'GET' }), SECRET, NOW)).toEqual({ ok: false, status: 405, reason: 'method GET: Slack sends interactions as POST' });
    expect(checkSlackRequest(request({ headers: { 'content-type': 'application/json' } }), SECRET, NOW)).toEqual({
      ok: false,
      status: 415,
      reason: 'content type application/json: Slack sends interactions as application/x-www-form-urlencoded',
    });
    expect(checkSlackRequest(request({ headers: { 'content-type': undefined } }), SECRET, NOW)).toMatchObject({ ok: false, status: 415 });
  });

  it('takes the form content type with a charset parameter and in any case', () => {
    expect(checkSlackRequest(request({ headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=utf-8' } }), SECRET, NOW)).toMatchObject({ ok: true });
  });
});
