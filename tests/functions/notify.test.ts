import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CodePipelineClient, GetPipelineCommand, GetPipelineExecutionCommand, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { startLocalDynamo } from '../../local/dynamo';
import { applyEnv, localTopicArn, standInEnv } from '../../local/environment';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackCall, type SlackStandIn } from '../../local/slack-stand-in';
import { getConfig, parseConfig, setConfig } from '../../shared/config/load';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { createHandler, type NotifyResult } from '../../functions/notify';
import { readEnv } from '../../shared/config/env';
import { logger, metrics } from '../../shared/runtime/observability';
import { freshBuildScenario, freshScenario } from '../helpers/scenario';
import type { RecordedCall } from '../../shared/executors/recording';
import { loadEvent, type JsonObject } from '../helpers/fixtures';

// The notify function end to end: real DynamoDB semantics (dynalite), the
// official Slack client against a local Slack, CodePipeline and SNS mocked.

const TOPIC = localTopicArn('cicd-guardian-test');
const codepipeline = mockClient(CodePipelineClient);
const sns = mockClient(SNSClient);
const codebuild = mockClient(CodeBuildClient);
let slack: SlackStandIn;
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;

// Each invocation reads the environment as the test left it (some switch GUARDIAN_DRY_RUN on, or the table off).
const invoke = (event: unknown, remainingMs = 30_000) =>
  createHandler({ env: readEnv() })(event, lambdaContext({ functionName: 'cicd-guardian-test-notify', budgetMs: remainingMs })) as Promise<NotifyResult>;
const runAll = async (events: unknown[]) => {
  for (const e of events) await invoke(e);
};

const executionOf = (events: JsonObject[]) => (events[0]!.detail as JsonObject)['execution-id'] as string;
/** Slack calls about one execution (its id is in every message's context line). */
const callsFor = (executionId: string) => slack.calls.filter((c) => JSON.stringify(c.body).includes(executionId));
const posts = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.postMessage' && !c.body.thread_ts);
const replies = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts);
const updates = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.update');
const emailsFor = (executionId: string) => sns.commandCalls(PublishCommand).filter((c) => c.args[0].input.Message?.includes(executionId));
/** What the channel shows now: the last post or update of the message. */
const shownText = (calls: SlackCall[]) => JSON.stringify([...posts(calls), ...updates(calls)].sort((a, b) => a.at - b.at).at(-1)?.body.blocks);

const RAW_CONFIG = {
  slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' } },
  notifications: {
    routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } }],
    default: { slack: { channel: '#ci' } },
  },
};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  // CodePipeline and SNS are mocked by the test itself: no fake AWS world.
  applyEnv(standInEnv({ dynamo, slack: { apiUrl: slack.apiUrl, token: 'xoxb-test' }, topicArn: TOPIC }));
  setConfig(parseConfig(structuredClone(RAW_CONFIG), 'test config'));
});

afterAll(async () => {
  await slack.close();
  await dynamo.close();
  setConfig(undefined);
});

beforeEach(() => {
  slack.recover();
  codepipeline.reset();
  codebuild.reset();
  codebuild.rejects(Object.assign(new Error('User is not authorized to perform codebuild:BatchGetBuilds'), { name: 'AccessDeniedException' }));
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  codepipeline.rejects(Object.assign(new Error('User is not authorized to perform codepipeline:GetPipeline'), { name: 'AccessDeniedException' }));
  delete process.env.GUARDIAN_DRY_RUN;
});

describe('notify: one Slack message per pipeline execution', () => {
  it('posts once, updates in place, replies in the thread on failure, and emails the failure once', async () => {
    const events = freshScenario();
    await runAll(events);
    const calls = callsFor(executionOf(events));
    expect(posts(calls)).toHaveLength(1);
    expect(updates(calls).length).toBeGreaterThan(0);
    expect(new Set(updates(calls).map((u) => u.body.ts)).size).toBe(1);
    expect(replies(calls)).toHaveLength(1);
    expect(String(replies(calls)[0]!.body.reply_broadcast)).toBe('true');
    expect(shownText(calls)).toContain('Deploy');
    const emails = emailsFor(executionOf(events));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.args[0].input).toMatchObject({ TopicArn: TOPIC });
    expect(emails[0]!.args[0].input.Subject).toMatch(/payments-api.*failed/i);
  });

  it('does nothing more when every event is delivered a second time', async () => {
    const events = freshScenario();
    await runAll(events);
    const before = callsFor(executionOf(events)).length;
    await runAll(events);
    expect(callsFor(executionOf(events))).toHaveLength(before);
    expect(emailsFor(executionOf(events))).toHaveLength(1);
  });

  it('ends in the same place when events arrive in reverse order, posting once', async () => {
    const events = freshScenario();
    await runAll([...events].reverse());
    const calls = callsFor(executionOf(events));
    expect(posts(calls)).toHaveLength(1);
    expect(replies(calls)).toHaveLength(1);
    expect(shownText(calls)).toContain('FAILED');
  });

  it('never moves the message backwards when an old event arrives late', async () => {
    const events = freshScenario();
    await runAll(events);
    const before = callsFor(executionOf(events)).length;
    const lateStart = { ...events[0]!, id: 'late-redelivery-with-new-id' };
    await invoke(lateStart);
    expect(callsFor(executionOf(events))).toHaveLength(before);
  });

  it('posts exactly one message when 20 invocations for one execution run at once', async () => {
    const events = freshScenario();
    const burst = [...events, ...events.slice(0, 6)];
    expect(burst).toHaveLength(20);
    await Promise.all(burst.map((e) => invoke(e)));
    const calls = callsFor(executionOf(events));
    expect(posts(calls)).toHaveLength(1);
    expect(replies(calls)).toHaveLength(1);
    expect(emailsFor(executionOf(events))).toHaveLength(1);
    expect(shownText(calls)).toContain('FAILED');
  });
});

describe('notify: DynamoDB requests per invocation', () => {
  /** Runs `work` and counts the HTTP requests it sends to the local DynamoDB. */
  async function dynamoRequests(work: () => Promise<unknown>): Promise<number> {
    const host = new URL(dynamo.endpoint).host;
    let n = 0;
    const onRequest = (message: unknown) => {
      if ((message as { request: ClientRequest }).request.getHeader('host') === host) n++;
    };
    subscribe('http.client.request.start', onRequest);
    try {
      await work();
    } finally {
      unsubscribe('http.client.request.start', onRequest);
    }
    return n;
  }

  it('folds, delivers and records the scenario in at most 3 requests per invocation, and no more than 3 for any event with one delivery', async () => {
    const events = freshScenario();
    const perEvent: number[] = [];
    for (const e of events) perEvent.push(await dynamoRequests(() => invoke(e)));
    expect(perEvent.reduce((a, b) => a + b, 0) / events.length).toBeLessThanOrEqual(3);
    // Read, fold-and-lease, record-and-release: events 1-13 deliver at most one thing each.
    expect(Math.max(...perEvent.slice(0, 13))).toBeLessThanOrEqual(3);
    expect(posts(callsFor(executionOf(events)))).toHaveLength(1);
    expect(replies(callsFor(executionOf(events)))).toHaveLength(1);
  });

  it('reads once and writes nothing for a duplicate whose message is already up to date', async () => {
    const events = freshScenario();
    await runAll(events);
    expect(await dynamoRequests(() => invoke(events[5]))).toBe(1);
  });
});

describe('notify: when Slack pushes back', () => {
  it('waits out a 429 for its Retry-After and then posts', async () => {
    const [started] = freshScenario();
    slack.failNext({ status: 429, retryAfter: 1 });
    const t0 = Date.now();
    await invoke(started);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(posts(callsFor(executionOf([started!])))).toHaveLength(1);
  });

  it('retries 5xx with backoff and then posts', async () => {
    const [started] = freshScenario();
    slack.failNext({ status: 503 }, { status: 500 });
    await invoke(started);
    expect(posts(callsFor(executionOf([started!])))).toHaveLength(1);
  });

  it('fails the invocation when Slack stays down past the time budget, after the email went out; the retry completes without a second email', async () => {
    const events = freshScenario();
    await runAll(events.slice(0, 13));
    slack.failNext(...Array.from({ length: 40 }, () => ({ status: 500 as const })));
    await expect(invoke(events[13], 4500)).rejects.toThrow(/actions failed/);
    expect(emailsFor(executionOf(events))).toHaveLength(1);
    slack.recover();
    await invoke(events[13]);
    expect(emailsFor(executionOf(events))).toHaveLength(1);
    expect(replies(callsFor(executionOf(events)))).toHaveLength(1);
  });

  it('fails fast, for a later retry, when Retry-After is longer than the invocation has left', async () => {
    const [started] = freshScenario();
    slack.failNext({ status: 429, retryAfter: 30 });
    await expect(invoke(started, 8000)).rejects.toThrow(/rate limited/);
  });
});

describe('notify: Slack errors that will never succeed', () => {
  const refusedFor = (executionId: string) => slack.refused.filter((c) => JSON.stringify(c.body).includes(executionId));
  const countedCodes = () => {
    const codes: string[] = [];
    jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const metric = { addDimension: (_name: string, value: string) => (codes.push(value), metric), addMetric: () => metric };
      return metric as never;
    });
    return codes;
  };
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['not_in_channel', /invite the app to #deployments/],
    ['channel_not_found', /check that #deployments exists/],
  ])('%s: asks once, says in one log line what to do, counts it, skips the reply that needed the message, and does not fail the invocation', async (code, advice) => {
    const events = freshScenario();
    slack.refuseChannel('#deployments', code);
    const errors = jest.spyOn(logger, 'error');
    const codes = countedCodes();
    const result = await invoke(events[13]);
    expect(refusedFor(executionOf(events))).toHaveLength(1);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]![0])).toMatch(advice);
    expect(String(errors.mock.calls[0]![0])).not.toMatch(/no message in/);
    expect(codes).toEqual([code]);
    expect(result.status === 'delivered' && result.outcomes.find((o) => o.action === 'slack.reply')).toMatchObject({ result: 'failed', error: expect.stringMatching(/not sent: .*could not be posted/) });
    expect(emailsFor(executionOf(events))).toHaveLength(1);
  });

  it('once the app is invited, the next event posts the message and the reply it still owes', async () => {
    const events = freshScenario();
    slack.refuseChannel('#deployments', 'not_in_channel');
    await invoke(events[13]);
    slack.recover();
    await invoke(events[12]);
    const calls = callsFor(executionOf(events));
    expect(posts(calls)).toHaveLength(1);
    expect(replies(calls)).toHaveLength(1);
    expect(emailsFor(executionOf(events))).toHaveLength(1);
  });

  it('invalid_auth with a token given locally: gives up on every Slack action of the invocation after one refusal', async () => {
    const events = freshScenario();
    slack.revokeToken('xoxb-test');
    const errors = jest.spyOn(logger, 'error');
    const codes = countedCodes();
    await expect(invoke(events[13])).resolves.toMatchObject({ status: 'delivered' });
    expect(refusedFor(executionOf(events))).toHaveLength(1);
    expect(codes).toEqual(['invalid_auth']);
    expect(String(errors.mock.calls[0]![0])).toMatch(/check the token/);
    // The token is SLACK_BOT_TOKEN's (a local run): not fetched again, and not said to be.
    expect(String(errors.mock.calls[0]![0])).not.toMatch(/fetching it again/);
  });
});

describe('notify: enrichment', () => {
  it('shows the commit, author and branch when CodePipeline answers, escaping what the commit message says', async () => {
    const events = freshScenario();
    codepipeline.reset();
    codepipeline.on(GetPipelineExecutionCommand).resolves({
      pipelineExecution: {
        artifactRevisions: [
          {
            name: 'SourceArtifact',
            revisionId: '4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7',
            revisionSummary: JSON.stringify({ ProviderType: 'GitHub', CommitMessage: 'Fix refunds <!channel> <@U0123> <https://evil.example|click>' }),
            revisionUrl: 'https://github.com/example-org/payments-api/commit/4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7',
          },
        ],
      },
    });
    codepipeline.on(GetPipelineCommand).resolves({ pipeline: { name: 'payments-api', roleArn: 'arn:aws:iam::123456789012:role/p', stages: ['Source', 'Build', 'Deploy'].map((name) => ({ name, actions: [] })) } });
    codepipeline.on(ListActionExecutionsCommand).resolves({
      actionExecutionDetails: [
        {
          stageName: 'Source',
          actionName: 'GitHubSource',
          status: 'Succeeded',
          input: { actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' } },
          output: { outputVariables: { BranchName: 'main', FullRepositoryName: 'example-org/payments-api', AuthorDisplayName: 'Dana Developer' } },
        },
      ],
    });
    await runAll(events.slice(0, 2));
    const shown = shownText(callsFor(executionOf(events)));
    expect(shown).toContain('4f1a9c2');
    expect(shown).toContain('Dana Developer');
    expect(shown).toContain('main');
    expect(shown).not.toMatch(/<!channel>|<@U0123>|<https:\/\/evil/);
    expect(shown).toContain('&lt;!channel&gt;');
  });

  it('still notifies with what the event carries when CodePipeline denies or throttles', async () => {
    const events = freshScenario();
    codepipeline.reset();
    codepipeline.rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await runAll(events);
    const calls = callsFor(executionOf(events));
    expect(posts(calls)).toHaveLength(1);
    expect(shownText(calls)).toContain('JobFailed');
  });
});

describe('notify: where the pipeline runs', () => {
  /** The scenario, as EventBridge would deliver it from `where`. */
  const from = (where: { account?: string; region?: string }) => freshScenario().map((e) => ({ ...e, ...where }));

  it("reads CodePipeline in the event's region", async () => {
    await runAll(from({ region: 'eu-west-1' }).slice(0, 2));
    const reads = codepipeline.commandCalls(GetPipelineExecutionCommand);
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(await (read.thisValue as CodePipelineClient).config.region()).toBe('eu-west-1');
  });

  it('in a member account whose role is missing or denies: notifies with what the event carries, reads nothing there, and says so once', async () => {
    const config = getConfig();
    setConfig(parseConfig({ ...structuredClone(RAW_CONFIG), organization: { id: 'o-a1b2c3d4e5', serve: ['210987654321'], regions: ['us-east-1'] } }, 'test config'));
    // The credential providers ask STS through the SDK's nested STS client.
    const sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/notify/fn is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }));
    const error = jest.spyOn(logger, 'error');
    try {
      const events = from({ account: '210987654321' });
      await runAll(events);
      const calls = callsFor(executionOf(events));
      expect(posts(calls)).toHaveLength(1);
      expect(shownText(calls)).toContain('JobFailed');
      expect(codepipeline.calls()).toHaveLength(0);
      expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toMatchObject({ RoleArn: 'arn:aws:iam::210987654321:role/cicd-guardian-member' });
      expect(error.mock.calls.filter(([message]) => String(message).startsWith('member account 210987654321 cannot be reached'))).toHaveLength(1);
    } finally {
      error.mockRestore();
      sts.restore();
      setConfig(config);
    }
  });

  it('in an account the policy does not serve: rejected at the entry, nothing read, posted or recorded', async () => {
    const events = from({ account: '210987654321' });
    const answers = await Promise.all(events.map((e) => invoke(e)));
    for (const answer of answers) expect(answer).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^account 210987654321 \(region us-east-1\) is not served/) });
    expect(callsFor(executionOf(events))).toHaveLength(0);
    expect(codepipeline.calls()).toHaveLength(0);
  });
});

describe('notify: a build a pipeline started and that failed', () => {
  const { events: sample } = freshBuildScenario();
  const [, , , buildFailed, actionFailed] = sample;

  /** What the pipeline's message, its failure reply and its email say about the build, whichever event came first. */
  function expectBuildReason(executionId: string, buildId: string) {
    const calls = callsFor(executionId);
    const logsLink = `stream=${buildId.split(':')[1]}`;
    const reply = JSON.stringify(replies(calls).map((r) => r.body.blocks));
    const emails = emailsFor(executionId);
    expect(posts(calls)).toHaveLength(1);
    expect(replies(calls)).toHaveLength(1);
    expect(emails).toHaveLength(1);
    for (const text of [shownText(calls), reply, emails[0]!.args[0].input.Message!]) {
      expect(text).toContain('BUILD');
      expect(text).toContain('COMMAND_EXECUTION_ERROR');
      expect(text).toContain('Error while executing command: mvn package. Reason: exit status 1');
      expect(text).toContain(logsLink);
    }
  }

  it('build event first: the failed phase, its message and the logs link reach the message, the reply and the email, with no message of its own', async () => {
    const { events, executionId, buildId } = freshBuildScenario();
    const before = slack.calls.length;
    await runAll(events);
    expectBuildReason(executionId, buildId);
    expect(posts(slack.calls.slice(before))).toHaveLength(1);
    expect(codebuild.commandCalls(BatchGetBuildsCommand)).toHaveLength(0);
  });

  it('action event first and CodeBuild unreadable: the build event, arriving later, adds the same reason', async () => {
    const { events, executionId, buildId } = freshBuildScenario();
    const [a, b, c, build, action, ...rest] = events;
    await runAll([a, b, c, action, build, ...rest]);
    expectBuildReason(executionId, buildId);
    expect(codebuild.commandCalls(BatchGetBuildsCommand)).toHaveLength(1);
  });

  it('no build event at all: the reason is read with BatchGetBuilds for the build the action names', async () => {
    const { events, executionId, buildId } = freshBuildScenario();
    codebuild.reset();
    codebuild.on(BatchGetBuildsCommand, { ids: [buildId] }).resolves({
      builds: [
        {
          id: buildId,
          projectName: 'payments-api-build',
          buildStatus: 'FAILED',
          initiator: 'codepipeline/payments-api',
          phases: [
            { phaseType: 'INSTALL', phaseStatus: 'SUCCEEDED', contexts: [{ statusCode: '', message: '' }] },
            {
              phaseType: 'BUILD',
              phaseStatus: 'FAILED',
              contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: mvn package. Reason: exit status 1' }],
            },
          ],
          logs: {
            groupName: '/aws/codebuild/payments-api-build',
            streamName: buildId.split(':')[1],
            deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/payments-api-build;stream=${buildId.split(':')[1]}`,
          },
        },
      ],
    });
    await runAll(events.filter((_, i) => i !== 3));
    expectBuildReason(executionId, buildId);
  });

  it('pipeline FAILED first: the failed action is read with ListActionExecutions, and its build with BatchGetBuilds', async () => {
    const { events, executionId, buildId } = freshBuildScenario();
    codepipeline.reset();
    codepipeline.on(ListActionExecutionsCommand).resolves({
      actionExecutionDetails: [
        {
          pipelineExecutionId: executionId,
          stageName: 'Build',
          actionName: 'BuildImage',
          status: 'Failed',
          startTime: new Date('2025-07-03T08:12:20Z'),
          lastUpdateTime: new Date('2025-07-03T08:15:49Z'),
          input: { actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' } },
          output: {
            executionResult: {
              externalExecutionId: buildId,
              externalExecutionSummary: 'Build terminated with state: FAILED',
              errorDetails: { code: 'JobFailed', message: 'Build terminated with state: FAILED' },
            },
          },
        },
      ],
    });
    codebuild.reset();
    codebuild.on(BatchGetBuildsCommand).resolves({
      builds: [
        {
          id: buildId,
          phases: [{ phaseType: 'BUILD', phaseStatus: 'FAILED', contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: mvn package. Reason: exit status 1' }] }],
          logs: { deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/payments-api-build;stream=${buildId.split(':')[1]}` },
        },
      ],
    });
    const [a, b, c, build, action, stage, pipeline] = events;
    await runAll([a, b, c, pipeline, stage, action, build]);
    expectBuildReason(executionId, buildId);
    expect(codebuild.commandCalls(BatchGetBuildsCommand)).toHaveLength(1);
  });

  it('in dry-run records nothing and says what it would keep', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    const { events } = freshBuildScenario();
    const before = slack.calls.length;
    const result = await invoke(events[3]);
    expect(result.status === 'dry-run' && result.plan.skipped.join()).toMatch(/\(dry-run, not recorded\) .* failed in phase BUILD: kept until the pipeline's failed action names the build/);
    expect(slack.calls).toHaveLength(before);
  });

  it('the samples join: the action names the build the CodeBuild event reports', () => {
    const buildArn = (buildFailed!.detail as JsonObject)['build-id'] as string;
    const named = ((actionFailed!.detail as JsonObject)['execution-result'] as JsonObject)['external-execution-id'] as string;
    expect(buildArn.endsWith(`:build/${named}`)).toBe(true);
    expect(((buildFailed!.detail as JsonObject)['additional-information'] as JsonObject).initiator).toBe('codepipeline/payments-api');
  });
});

describe('notify: bad input', () => {
  it('rejects a malformed event with the path of what is wrong, and acts on none of it', async () => {
    const [started] = freshScenario();
    delete (started!.detail as JsonObject).pipeline;
    const before = slack.calls.length;
    await expect(invoke(started)).rejects.toThrow(/Failed to parse/);
    await expect(invoke(started)).rejects.toMatchObject({ cause: expect.arrayContaining([expect.objectContaining({ path: ['detail', 'pipeline'] })]) });
    expect(slack.calls).toHaveLength(before);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('handles the next good event normally after a bad one', async () => {
    const [bad, good] = freshScenario();
    (bad!.detail as JsonObject).state = 'EXPLODED';
    await expect(invoke(bad)).rejects.toThrow();
    await invoke(good);
    expect(posts(callsFor(executionOf([good!])))).toHaveLength(1);
  });
});

describe('notify: dry run and builds', () => {
  it('in dry-run returns the plan and sends nothing', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    const events = freshScenario();
    const before = slack.calls.length;
    const result = await invoke(events[13]);
    expect(result.status).toBe('dry-run');
    expect(result.status === 'dry-run' && result.plan.actions.map((a) => a.type)).toEqual(expect.arrayContaining(['slack.upsert', 'email.publish']));
    expect(slack.calls).toHaveLength(before);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('in dry-run runs the same path against the recording sink: each message in full, the calls a real run makes, nothing sent', async () => {
    const real = freshScenario();
    await runAll(real);
    const realCalls = callsFor(executionOf(real)).map((c) => c.method);
    const realEmails = emailsFor(executionOf(real)).length;

    process.env.GUARDIAN_DRY_RUN = 'true';
    const rehearsed = freshScenario();
    const before = slack.calls.length;
    const emailsBefore = sns.commandCalls(PublishCommand).length;
    const recorded: RecordedCall[] = [];
    for (const event of rehearsed) {
      const result = await invoke(event);
      if (result.status === 'dry-run') recorded.push(...result.recorded);
    }
    expect(slack.calls).toHaveLength(before);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(emailsBefore);
    const slackCalls = recorded.filter((c) => c.to === 'slack');
    expect(slackCalls.map((c) => c.method)).toEqual(realCalls);
    expect(recorded.filter((c) => c.to === 'email')).toHaveLength(realEmails);
    // In full: the last update shows the failed stage, as the real message does.
    expect(JSON.stringify(slackCalls.at(-2)?.body)).toContain('Deploy');
  });

  it('in dry-run plans against the stored state: what was delivered is not planned again', async () => {
    const events = freshScenario();
    await runAll(events);
    process.env.GUARDIAN_DRY_RUN = 'true';
    const result = await invoke(events[13]);
    expect(result.status === 'dry-run' && result.plan.actions.map((a) => a.type)).toEqual(['slack.upsert']);
  });

  it('in dry-run needs no state table at all (offline `sls invoke local`)', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    const table = process.env.GUARDIAN_TABLE;
    delete process.env.GUARDIAN_TABLE;
    try {
      const result = await invoke(freshScenario()[0]);
      expect(result.status).toBe('dry-run');
    } finally {
      process.env.GUARDIAN_TABLE = table;
    }
  });

  it('posts a failed CodeBuild build to the default route and emails it', async () => {
    const build = loadEvent('codebuild/build-failed.json');
    build.id = `build-${Date.now()}`;
    const before = slack.calls.length;
    await invoke(build);
    const newCalls = slack.calls.slice(before);
    expect(posts(newCalls)).toHaveLength(1);
    expect(posts(newCalls)[0]!.body.channel).toBe('#ci');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('keeps a build\'s stored item small however much its failed phase says, and still tells the failure', async () => {
    const uuid = randomUUID();
    const build = JSON.parse(JSON.stringify(loadEvent('codebuild/build-failed.json')).replaceAll('83597583-1e1e-4065-8442-350f6029345d', uuid)) as JsonObject;
    build.id = randomUUID();
    const detail = build.detail as JsonObject;
    const failed = ((detail['additional-information'] as JsonObject).phases as JsonObject[]).find((p) => p['phase-status'] === 'FAILED')!;
    // About 200 KB of context: under EventBridge's 256 KB event limit, far over an item's 64 KB budget.
    failed['phase-context'] = ['COMMAND_EXECUTION_ERROR: Error while executing command: npm test. Reason: exit status 1', ...Array.from({ length: 200 }, (_, i) => `line ${i}: ${'output '.repeat(140)}`)];
    const before = slack.calls.length;
    await expect(invoke(build)).resolves.toMatchObject({ status: 'delivered' });
    const post = posts(slack.calls.slice(before))[0];
    expect(JSON.stringify(post?.body.blocks)).toContain('Error while executing command: npm test. Reason: exit status 1');
    const ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { Item } = await ddb.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `BUILD#${detail['build-id'] as string}` } }, ConsistentRead: true }));
    ddb.destroy();
    expect(Item?.view?.S).toBeDefined();
    expect(Buffer.byteLength(Item!.view!.S!)).toBeLessThan(16 * 1024);
  });
});
