import { startSlackStandIn, type SlackStandIn } from '../../../local/slack-stand-in';
import { PERMANENT_SLACK_ERRORS, SlackNotifier, SlackRefusedError, SlackUnavailableError } from '../../../shared/executors/slack';
import type { Deadline } from '../../../shared/runtime/deadline';

// The Slack executor through the official client against the local Slack:
// what it retries, what it never retries, and how long one attempt may take.

let slack: SlackStandIn;
const content = { text: 'Pipeline payments-api failed', blocks: [] };
const plenty: Deadline = { remainingMs: () => 30_000 };

beforeAll(async () => {
  slack = await startSlackStandIn();
});
afterAll(() => slack.close());
beforeEach(() => slack.reset());

describe('Slack errors that will never succeed', () => {
  it.each(['channel_not_found', 'not_in_channel', 'account_inactive', 'msg_too_long'])('%s is asked once, never retried, and named as permanent', async (code) => {
    slack.refuseChannel('#deployments', code);
    const failure = new SlackNotifier('xoxb-test', plenty, { apiUrl: slack.apiUrl }).post('#deployments', content);
    await expect(failure).rejects.toBeInstanceOf(SlackRefusedError);
    await expect(failure).rejects.toMatchObject({ code });
    expect(slack.refused).toHaveLength(1);
  });

  it('invalid_auth: fetches the token again once and posts with the rotated token', async () => {
    slack.revokeToken('xoxb-old');
    const refreshToken = jest.fn(async () => 'xoxb-rotated');
    const notifier = new SlackNotifier('xoxb-old', plenty, { apiUrl: slack.apiUrl, refreshToken });
    await expect(notifier.post('#deployments', content)).resolves.toMatchObject({ ts: expect.any(String) });
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(slack.calls.map((c) => c.token)).toEqual(['xoxb-rotated']);
  });

  it('invalid_auth: gives up without asking Slack again when the fresh token is the same one', async () => {
    slack.revokeToken('xoxb-old');
    const refreshToken = jest.fn(async () => 'xoxb-old');
    const failure = new SlackNotifier('xoxb-old', plenty, { apiUrl: slack.apiUrl, refreshToken }).post('#deployments', content);
    await expect(failure).rejects.toMatchObject({ name: 'SlackRefusedError', code: 'invalid_auth' });
    expect(slack.refused).toHaveLength(1);
  });

  it('invalid_auth: the advice says the token was fetched again only when it was', async () => {
    slack.revokeToken('xoxb-old');
    const refetched = await new SlackNotifier('xoxb-old', plenty, { apiUrl: slack.apiUrl, refreshToken: async () => 'xoxb-old' }).post('#deployments', content).catch((e: SlackRefusedError) => e);
    // No refreshToken: a token given locally (SLACK_BOT_TOKEN), which no store can hand out again.
    const notRefetched = await new SlackNotifier('xoxb-old', plenty, { apiUrl: slack.apiUrl }).post('#deployments', content).catch((e: SlackRefusedError) => e);
    expect(refetched).toMatchObject({ code: 'invalid_auth', tokenRefetched: true });
    expect(notRefetched).toMatchObject({ code: 'invalid_auth', tokenRefetched: false });
    expect(PERMANENT_SLACK_ERRORS.invalid_auth('#deployments', true)).toMatch(/invalid even after fetching it again/);
    const advice = PERMANENT_SLACK_ERRORS.invalid_auth('#deployments', false);
    expect(advice).not.toMatch(/fetching it again/);
    expect(advice).toMatch(/SLACK_BOT_TOKEN/);
  });

  it('invalid_auth: fetches the token again only once per invocation, however many calls fail', async () => {
    slack.revokeToken('xoxb-old');
    slack.revokeToken('xoxb-also-revoked');
    const refreshToken = jest.fn(async () => 'xoxb-also-revoked');
    const notifier = new SlackNotifier('xoxb-old', plenty, { apiUrl: slack.apiUrl, refreshToken });
    await expect(notifier.post('#deployments', content)).rejects.toMatchObject({ code: 'invalid_auth' });
    await expect(notifier.reply('C00000001', '1700000000.000001', content, false)).rejects.toMatchObject({ code: 'invalid_auth' });
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(slack.refused.map((c) => c.token)).toEqual(['xoxb-old', 'xoxb-also-revoked', 'xoxb-also-revoked']);
  });

  it('other platform errors are neither retried nor called permanent', async () => {
    slack.failNext({ error: 'invalid_blocks' });
    const failure = new SlackNotifier('xoxb-test', plenty, { apiUrl: slack.apiUrl }).post('#deployments', content);
    await expect(failure).rejects.not.toBeInstanceOf(SlackRefusedError);
    expect(slack.refused).toHaveLength(1);
  });
});

describe('one attempt never outlives the invocation', () => {
  it('gives up on an attempt Slack does not answer before the invocation must stop, instead of after the usual 5 s', async () => {
    const end = Date.now() + 300;
    const deadline: Deadline = { remainingMs: () => Math.max(0, end - Date.now()) };
    slack.failNext({ hang: true });
    await expect(new SlackNotifier('xoxb-test', deadline, { apiUrl: slack.apiUrl }).post('#deployments', content)).rejects.toBeInstanceOf(SlackUnavailableError);
    // The stand-in sees the connection close a moment after the client gave up.
    for (let i = 0; i < 50 && slack.abandonedAt.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(slack.abandonedAt).toHaveLength(1);
    // Well before the client's usual 5 s (the margin is the stand-in noticing, on a busy machine).
    expect(slack.abandonedAt[0]).toBeLessThanOrEqual(end + 1000);
    expect(slack.calls).toHaveLength(0);
  });

  it('does not start an attempt when the invocation has no time left', async () => {
    const failure = new SlackNotifier('xoxb-test', { remainingMs: () => 0 }, { apiUrl: slack.apiUrl }).post('#deployments', content);
    await expect(failure).rejects.toBeInstanceOf(SlackUnavailableError);
    expect(slack.calls).toHaveLength(0);
  });
});
