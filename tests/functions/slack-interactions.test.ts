import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { createHandler, resetSecretRefetch } from '../../functions/slack-interactions';
import { readEnv } from '../../shared/config/env';
import { parseConfig, setConfig } from '../../shared/config/load';
import { logger } from '../../shared/runtime/observability';
import { formBody, LOCAL_SIGNING_SECRET, payloadOf, sampleClick, signedRequest, type FunctionUrlEvent } from '../helpers/slack-requests';

// The slack-interactions function's front door: only Slack's signed POSTs get
// through, within five minutes of their timestamp and once; everything else is
// answered 4xx and acts on nothing. A click that gets through is acted on: here
// the sample's request is not in the table, so the clicking user is told so
// privately (its response_url, answered by the local Slack stand-in).

const NOW = new Date('2026-06-12T13:10:00Z');
const ssm = mockClient(SSMClient);
let dynamo: LocalDynamo;
let slack: SlackStandIn;
/** The clicks acted on: each answered privately through its response_url. */
const acted = () => slack.calls.filter((c) => c.method === 'response_url');

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startLocalDynamo('cicd-guardian-test-interactions'), startSlackStandIn()]);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  await Promise.all([dynamo.close(), slack.close()]);
});
beforeEach(() => {
  slack.reset();
  ssm.reset();
  clearCaches();
  resetSecretRefetch();
  setConfig(parseConfig({ approvals: { signingSecret: { ssm: '/cicd-guardian/slack/signing-secret' } } }, 'test'));
  ssm.on(GetParameterCommand, { Name: '/cicd-guardian/slack/signing-secret', WithDecryption: true }).resolves({ Parameter: { Value: LOCAL_SIGNING_SECRET } });
});
afterEach(() => setConfig(undefined));

const env = (vars: Record<string, string> = {}) => readEnv({ GUARDIAN_TABLE: dynamo.tableName, AWS_REGION: 'us-east-1', SLACK_API_URL: slack.apiUrl, ...vars });
const context = (): Context => lambdaContext({ functionName: 'cicd-guardian-test-slack-interactions', budgetMs: 6000 });
const invoke = (event: unknown, vars: Record<string, string> = {}, now = NOW) => createHandler({ env: env(vars), now: () => now })(event, context());
/** A fresh click (its own action_ts, so its own signature) signed at `at`. */
let seq = 0;
const freshClick = (at = NOW, over: Parameters<typeof signedRequest>[1] = {}) => {
  const payload = payloadOf(sampleClick()) as { actions: { action_ts: string }[] };
  payload.actions[0]!.action_ts = `${Math.floor(at.getTime() / 1000)}.${String(++seq).padStart(6, '0')}`;
  return signedRequest(at, { body: formBody(payload), ...over });
};

describe('the sample click (events/slack/approve-click.json)', () => {
  it('is a Function URL request signed with the local secret at its own time: accepted at that time', async () => {
    const sample = sampleClick();
    const answer = await invoke(sample, {}, new Date(sample.requestContext.timeEpoch));
    expect(answer).toMatchObject({ statusCode: 200 });
    // Its button names a request (apr_...) this table never held: the user is told, privately.
    expect(acted()).toEqual([
      expect.objectContaining({ body: { response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('no approval request is known under this button') } }),
    ]);
  });

  it('is refused as stale (401) any later, with the reason in the log', async () => {
    const warn = jest.spyOn(logger, 'warn');
    const answer = await invoke(sampleClick(), {}, new Date('2026-06-13T09:00:00Z'));
    expect(answer).toEqual({ statusCode: 401, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Unauthorized' });
    expect(warn).toHaveBeenCalledWith('Slack request refused', { status: 401, reason: 'X-Slack-Request-Timestamp is 71400 s in the past (at most 300 s either way)' });
    expect(acted()).toEqual([]);
    warn.mockRestore();
  });
});

describe('only signed, fresh, unaltered POSTs from Slack get through', () => {
  it('acts on a valid click, its body base64-encoded as Function URLs pass form posts', async () => {
    expect(await invoke(freshClick())).toMatchObject({ statusCode: 200 });
    expect(acted()).toHaveLength(1);
  });

  it('acts on a valid click whose body Lambda passed as text', async () => {
    expect(await invoke(freshClick(NOW, { base64: false }))).toMatchObject({ statusCode: 200 });
    expect(acted()).toHaveLength(1);
  });

  it.each<[string, () => FunctionUrlEvent, number]>([
    ['signed with another secret', () => freshClick(NOW, { secret: 'not-the-apps-secret' }), 401],
    ['stale (signed 6 minutes ago)', () => freshClick(new Date(NOW.getTime() - 6 * 60_000)), 401],
    ['from the future (6 minutes ahead)', () => freshClick(new Date(NOW.getTime() + 6 * 60_000)), 401],
    [
      'with its body altered after signing',
      () => {
        const e = freshClick();
        e.body = Buffer.from(Buffer.from(e.body!, 'base64').toString().replace('U0APPROVE1', 'U0ATTACKER')).toString('base64');
        return e;
      },
      401,
    ],
    [
      'without its signature headers',
      () => {
        const e = freshClick();
        delete e.headers['x-slack-signature'];
        delete e.headers['x-slack-request-timestamp'];
        return e;
      },
      401,
    ],
    [
      'as a GET',
      () => {
        const e = freshClick();
        e.requestContext.http.method = 'GET';
        return e;
      },
      405,
    ],
    ['as JSON', () => freshClick(NOW, { headers: { 'content-type': 'application/json' } }), 415],
  ])('refuses a click %s, acting on nothing', async (_, make, status) => {
    const answer = await invoke(make());
    expect(answer).toMatchObject({ statusCode: status });
    expect(acted()).toEqual([]);
  });

  it('tells a GET which method to use', async () => {
    const e = freshClick();
    e.requestContext.http.method = 'GET';
    expect(await invoke(e)).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
  });

  it('refuses the same signed request seen again (a replay, or a copy someone captured): acted on once', async () => {
    const click = freshClick();
    expect(await invoke(click)).toMatchObject({ statusCode: 200 });
    expect(await invoke(structuredClone(click))).toMatchObject({ statusCode: 401 });
    expect(await invoke(structuredClone(click), {}, new Date(NOW.getTime() + 60_000))).toMatchObject({ statusCode: 401 });
    expect(acted()).toHaveLength(1);
  });

  it('takes exactly one of many copies of a request arriving at once', async () => {
    const click = freshClick();
    const answers = await Promise.all(Array.from({ length: 8 }, () => invoke(structuredClone(click))));
    expect(answers.map((a) => (a as { statusCode: number }).statusCode).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    expect(acted()).toHaveLength(1);
  });

  it('answers 400 to a signed body that is not an interaction, naming the field in the log', async () => {
    const warn = jest.spyOn(logger, 'warn');
    const payload = payloadOf(sampleClick()) as { actions: { value?: string }[] };
    delete payload.actions[0]!.value;
    expect(await invoke(signedRequest(NOW, { body: formBody(payload) }))).toMatchObject({ statusCode: 400 });
    expect(await invoke(signedRequest(NOW, { body: 'token=x&payload=%7Bnot+json' }))).toMatchObject({ statusCode: 400 });
    expect(await invoke(signedRequest(NOW, { body: 'token=x' }))).toMatchObject({ statusCode: 400 });
    const reasons = warn.mock.calls.filter(([message]) => message === 'Slack request refused').map(([, keys]) => (keys as { reason: string }).reason);
    expect(reasons).toEqual([
      expect.stringContaining('payload.actions.0.value: '),
      expect.stringMatching(/payload: expected JSON/),
      expect.stringContaining('payload: expected a form field `payload`'),
    ]);
    expect(acted()).toEqual([]);
    warn.mockRestore();
  });

  it('reads the signing secret from SSM once, and lets SLACK_SIGNING_SECRET override it locally', async () => {
    await invoke(freshClick());
    await invoke(freshClick());
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    clearCaches();
    ssm.reset();
    expect(await invoke(freshClick(NOW, { secret: 'a-local-secret' }), { SLACK_SIGNING_SECRET: 'a-local-secret' })).toMatchObject({ statusCode: 200 });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('on Lambda, ignores SLACK_SIGNING_SECRET: a request signed with it is refused', async () => {
    const onLambda = { SLACK_SIGNING_SECRET: 'a-console-hotfix', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' };
    expect(await invoke(freshClick(NOW, { secret: 'a-console-hotfix' }), onLambda)).toMatchObject({ statusCode: 401 });
    expect(acted()).toEqual([]);
  });

  it('answers 500 without a signing secret configured, saying in the log what to set', async () => {
    setConfig(parseConfig({}, 'test'));
    const warn = jest.spyOn(logger, 'warn');
    expect(await invoke(freshClick())).toMatchObject({ statusCode: 500 });
    expect(warn).toHaveBeenCalledWith('Slack request refused', expect.objectContaining({ reason: expect.stringContaining('approvals.signingSecret') }));
    warn.mockRestore();
  });

  it('never logs the signing secret', async () => {
    const lines: string[] = [];
    const spies = (['info', 'warn', 'error', 'debug'] as const).map((level) => jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => void lines.push(JSON.stringify(args))));
    await invoke(freshClick());
    await invoke(freshClick(NOW, { secret: 'wrong' }));
    expect(lines.join('\n')).not.toContain(LOCAL_SIGNING_SECRET);
    spies.forEach((s) => s.mockRestore());
  });
});

describe('only interactions of the workspace and app guardian.yml names (slack.teamId, slack.appId)', () => {
  const withSlack = (slack: Record<string, string>) =>
    setConfig(parseConfig({ slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' }, ...slack }, approvals: { signingSecret: { ssm: '/cicd-guardian/slack/signing-secret' } } }, 'test'));
  const bot = { SLACK_BOT_TOKEN: 'xoxb-test' };

  it.each([
    ['another workspace', { teamId: 'T0ELSEWHERE' }, 'team.id T0GUARDIAN is not slack.teamId T0ELSEWHERE'],
    ['another app', { appId: 'A0SOMEOTHER' }, 'api_app_id A0GUARDIAN is not slack.appId A0SOMEOTHER'],
  ])('refuses a signed click from %s (403), logging why, before anything is recorded', async (_, slack, reason) => {
    withSlack(slack);
    const warn = jest.spyOn(logger, 'warn');
    const click = freshClick();
    expect(await invoke(click, bot)).toMatchObject({ statusCode: 403 });
    expect(warn).toHaveBeenCalledWith('Slack request refused', { status: 403, reason });
    expect(acted()).toEqual([]);
    warn.mockRestore();
    // Nothing was recorded, not even the request's signature: the same request, once it is ours, is taken (not a replay).
    withSlack({ teamId: 'T0GUARDIAN', appId: 'A0GUARDIAN' });
    expect(await invoke(click, bot)).toMatchObject({ statusCode: 200 });
    expect(acted()).toHaveLength(1);
  });

  it('acts on a click from the workspace and app it names', async () => {
    withSlack({ teamId: 'T0GUARDIAN', appId: 'A0GUARDIAN' });
    expect(await invoke(freshClick(), bot)).toMatchObject({ statusCode: 200 });
    expect(acted()).toHaveLength(1);
  });
});

describe('a signing secret rotated in SSM', () => {
  it('is read once afresh when a signature does not match, and the request verified with it; cached after', async () => {
    ssm.reset();
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: LOCAL_SIGNING_SECRET } }).resolves({ Parameter: { Value: 'the-rotated-secret' } });
    expect(await invoke(freshClick())).toMatchObject({ statusCode: 200 });
    expect(await invoke(freshClick(NOW, { secret: 'the-rotated-secret' }))).toMatchObject({ statusCode: 200 });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(ssm.commandCalls(GetParameterCommand).every((c) => c.args[0].input.Name === '/cicd-guardian/slack/signing-secret')).toBe(true);
    // The fresh secret is the cached one now: the next request reads nothing.
    expect(await invoke(freshClick(NOW, { secret: 'the-rotated-secret' }))).toMatchObject({ statusCode: 200 });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(acted()).toHaveLength(3);
  });

  it('a forged signature costs at most one fresh read, then is refused (401)', async () => {
    expect(await invoke(freshClick(NOW, { secret: 'a-forger-guess' }))).toMatchObject({ statusCode: 401 });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    // More forgeries right after: no more fresh reads (the secret just read is the cached one).
    expect(await invoke(freshClick(NOW, { secret: 'a-forger-guess' }))).toMatchObject({ statusCode: 401 });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(acted()).toEqual([]);
  });
});
