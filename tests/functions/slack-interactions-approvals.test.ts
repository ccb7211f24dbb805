import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  PutApprovalResultCommand,
} from '@aws-sdk/client-codepipeline';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { lambdaContext } from '../../local/lambda-context';
import { createHandler as slackInteractions } from '../../functions/slack-interactions';
import { createHandler as approvalGate } from '../../functions/approval-gate';
import { readEnv } from '../../shared/config/env';
import { parseConfig, setConfig } from '../../shared/config/load';
import { approvalRequestKey, approvalRequestPk, type ApprovalRequest } from '../../shared/state/approval-request';
import { stateStore } from '../../shared/state/store';
import { auditTrail } from '../../shared/state/audit';
import { loadEvent } from '../helpers/fixtures';
import { formBody, payloadOf, sampleClick, signedRequest } from '../helpers/slack-requests';
import { openedModal, viewSubmissionPayload } from '../../local/slack-click';
import { REASON_BLOCK, REASON_INPUT } from '../../shared/messages/reject-reason';

// Approving from Slack, end to end through the real handlers: the approval gate
// asks (events/codepipeline/approval-needed.json), people click the message's
// buttons (signed requests like events/slack/approve-click.json), CodePipeline
// is aws-sdk-client-mock, the state table dynalite, Slack the local stand-in.

const STARTED = 'codepipeline/approval-needed.json';
const event = loadEvent<{ account: string; region: string; detail: { pipeline: string; stage: string; action: string; 'execution-id': string } }>(STARTED);
const PLACE = { account: event.account, region: event.region, pipeline: event.detail.pipeline, stage: event.detail.stage, action: event.detail.action, executionId: event.detail['execution-id'] };
const TOKEN = 'b1d3e2a0-7c4f-4a55-9c1e-2f8b6a9d0e11';
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';
/** Wednesday 12:00 in Berlin: inside deploy hours, before the maintenance freeze. */
const NOW = new Date('2026-06-10T10:00:00Z');
const SECRET = 'a-test-signing-secret';

const codepipeline = mockClient(CodePipelineClient);
const sns = mockClient(SNSClient);
let dynamo: LocalDynamo;
let slack: SlackStandIn;
let clock: Date;

const config = (required = 2) =>
  parseConfig(
    {
      people: [
        { id: 'alice', name: 'Alice', slack: ALICE, emails: ['alice@example.com'] },
        { id: 'bob', name: 'Bob', slack: BOB, emails: ['bob@example.com'] },
        { id: 'carol', name: 'Carol', slack: CAROL, emails: ['carol@example.com'], principals: ['arn:aws:sts::123456789012:assumed-role/Deployers/carol'] },
      ],
      groups: { 'release-managers': ['alice', 'bob', 'carol'] },
      approvals: {
        freezes: [{ name: 'maintenance', reason: 'Database maintenance', timezone: 'Europe/Berlin', from: '2026-06-10T12:30', until: '2026-06-10T18:00' }],
        policies: [
          {
            name: 'payments-release',
            pipelines: ['payments-api'],
            freezes: ['maintenance'],
            approvers: { groups: ['release-managers'], required },
            slack: { channel: '#deployments' },
          },
        ],
      },
    },
    'test',
  );

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startLocalDynamo('cicd-guardian-test-approving', { latencyMs: 2 }), startSlackStandIn()]);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  await Promise.all([dynamo.close(), slack.close()]);
});
let executionSeq = 0;
let place = PLACE;
beforeEach(() => {
  clock = NOW;
  slack.reset();
  codepipeline.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  setConfig(config());
  // Each test its own execution, so its own request.
  place = { ...PLACE, executionId: `${PLACE.executionId.slice(0, -4)}${String(++executionSeq).padStart(4, '0')}` };
  awaiting(TOKEN);
  codepipeline.on(GetPipelineExecutionCommand).callsFake(() => ({
    pipelineExecution: {
      pipelineExecutionId: place.executionId,
      status: 'InProgress',
      artifactRevisions: [{ name: 'SourceArtifact', revisionId: '9f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c', revisionSummary: 'PAY-142 Retry declined card charges' }],
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'arn:aws:sts::123456789012:assumed-role/Deployers/carol' },
    },
  }));
  codepipeline.on(GetPipelineCommand).resolves({ pipeline: { name: 'payments-api', roleArn: 'arn:aws:iam::123456789012:role/pipeline', stages: [] } });
  codepipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: [] });
  codepipeline.on(PutApprovalResultCommand).callsFake(async () => {
    await new Promise((r) => setTimeout(r, 20)); // CodePipeline takes a moment: concurrent clicks overlap it
    return { approvedAt: clock };
  });
});
afterEach(() => setConfig(undefined));

/** GetPipelineState: the approval waits with `token` (undefined: no longer waiting) in this test's execution. */
function awaiting(token: string | undefined, executionId?: string) {
  codepipeline.on(GetPipelineStateCommand).callsFake(() => ({
    pipelineName: 'payments-api',
    stageStates: [
      {
        stageName: 'Approval',
        latestExecution: { pipelineExecutionId: executionId ?? place.executionId, status: 'InProgress' },
        actionStates: [{ actionName: 'ApproveRelease', latestExecution: token ? { status: 'InProgress', token } : { status: 'Succeeded' } }],
      },
    ],
  }));
}

const env = (vars: Record<string, string> = {}) => readEnv({ ...vars, GUARDIAN_TABLE: dynamo.tableName, AWS_REGION: 'us-east-1', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl, SLACK_SIGNING_SECRET: SECRET, GUARDIAN_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-test', ...vars });
const context = (fn: string): Context => lambdaContext({ functionName: `cicd-guardian-test-${fn}`, budgetMs: 6000 });
const key = () => approvalRequestKey(place);

/** The approval gate sees the manual approval start and asks in Slack. */
async function asked(): Promise<void> {
  const started = loadEvent<{ detail: Record<string, unknown> }>(STARTED);
  started.detail['execution-id'] = place.executionId;
  const answer = await approvalGate({ env: env(), now: () => clock })(started, context('approval-gate'));
  expect(answer).toMatchObject({ status: 'delivered' });
  expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
}

let actionSeq = 0;
/** A click by `user` on the request's button, signed by Slack now; `modal: false`: a click Slack gives no trigger_id (no modal can be opened). */
function click(user: string, button: 'approval.approve' | 'approval.reject' = 'approval.approve', headers: Record<string, string> = {}, { modal = true } = {}) {
  const payload = payloadOf(sampleClick()) as { user: { id: string }; trigger_id?: string; actions: { action_id: string; value: string; action_ts: string }[] };
  payload.user.id = user;
  if (!modal) delete payload.trigger_id;
  payload.actions[0]!.action_id = button;
  payload.actions[0]!.value = key();
  payload.actions[0]!.action_ts = `${Math.floor(clock.getTime() / 1000)}.${String(++actionSeq).padStart(6, '0')}`;
  return signedRequest(clock, { body: formBody(payload), secret: SECRET, headers });
}
const send = (request: unknown) => slackInteractions({ env: env(), now: () => clock })(request, context('slack-interactions'));

const approvals = () => codepipeline.commandCalls(PutApprovalResultCommand).map((c) => c.args[0].input);
const privateAnswers = () => slack.calls.filter((c) => c.method === 'response_url').map((c) => c.body);
const updates = () => slack.calls.filter((c) => c.method === 'chat.update');
const lastMessage = () => JSON.stringify(updates().at(-1)?.body ?? {});
const stored = async () => (await stateStore(dynamo.tableName, () => clock).get<ApprovalRequest>(approvalRequestPk(key())))!.view;

describe('approving from Slack, N of M (2 required)', () => {
  it('two approvals by two people make exactly one PutApprovalResult naming both; the message shows who and when', async () => {
    await asked();
    expect(await send(click(ALICE))).toMatchObject({ statusCode: 200 });
    expect(approvals()).toEqual([]);
    expect(lastMessage()).toContain('1 of 2 (Alice)');

    clock = new Date(NOW.getTime() + 60_000);
    expect(await send(click(BOB))).toMatchObject({ statusCode: 200 });
    expect(approvals()).toEqual([
      expect.objectContaining({ pipelineName: 'payments-api', stageName: 'Approval', actionName: 'ApproveRelease', token: TOKEN, result: { status: 'Approved', summary: expect.stringMatching(/Alice, Bob/) } }),
    ]);
    expect((await stored()).status).toBe('approved');
    expect(lastMessage()).toContain('approved');
    expect(lastMessage()).toContain(`Approved by Alice, Bob at ${clock.toISOString()}`);
    expect(privateAnswers()).toEqual([]);

    // The audit trail (the state table): the request, each vote, the decision by the people who made it.
    const { entries } = await auditTrail(dynamo.tableName, 30).list({ account: PLACE.account, region: PLACE.region, subject: 'payments-api', from: new Date(NOW.getTime() - 3600_000), until: new Date(NOW.getTime() + 3600_000), limit: 50 });
    const ours = entries.filter((e) => e.executionId === place.executionId).map((e) => [e.decision, e.by.person ?? '-']);
    expect(ours).toEqual(expect.arrayContaining([['requested', '-'], ['vote', 'alice'], ['vote', 'bob'], ['approved', 'alice,bob']]));
  });

  it('reads the token fresh on every click: a button is never trusted alone', async () => {
    await asked();
    const reads = codepipeline.commandCalls(GetPipelineStateCommand).length;
    await send(click(ALICE));
    await send(click(BOB));
    expect(codepipeline.commandCalls(GetPipelineStateCommand).length).toBe(reads + 2);
  });

  it('concurrent clicks by everyone at once: one vote each, exactly one PutApprovalResult', async () => {
    await asked();
    const answers = await Promise.all([ALICE, BOB, ALICE, BOB, ALICE, BOB].map((u) => send(click(u))));
    expect(answers.every((a) => (a as { statusCode: number }).statusCode === 200)).toBe(true);
    expect(approvals()).toHaveLength(1);
    const request = await stored();
    expect(request.status).toBe('approved');
    expect(request.votes.map((v) => v.personId).sort()).toEqual(['alice', 'bob']);
  });

  it('a Slack retry of a click (X-Slack-Retry-Num, signed again) does not act twice', async () => {
    await asked();
    await send(click(ALICE));
    await send(click(ALICE, 'approval.approve', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }));
    expect((await stored()).votes).toHaveLength(1);
    await send(click(BOB));
    await send(click(BOB, 'approval.approve', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }));
    expect(approvals()).toHaveLength(1);
    expect((await stored()).votes.map((v) => v.personId)).toEqual(['alice', 'bob']);
  });
});

describe('refused clicks are answered privately, saying why, and change nothing', () => {
  it('a self-approval: Carol started the execution', async () => {
    await asked();
    expect(await send(click(CAROL))).toMatchObject({ statusCode: 200 });
    expect(privateAnswers()).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/^Your click was not counted: no self-approval: Carol started the execution/) },
    ]);
    expect((await stored()).votes).toEqual([]);
    expect(approvals()).toEqual([]);
  });

  it('a click after a freeze began since the request', async () => {
    await asked();
    await send(click(ALICE));
    clock = new Date('2026-06-10T10:45:00Z'); // 12:45 in Berlin: the maintenance freeze runs
    await send(click(BOB));
    expect(privateAnswers()).toEqual([expect.objectContaining({ text: expect.stringMatching(/cannot approve now: .*Database maintenance/) })]);
    expect(approvals()).toEqual([]);
    expect((await stored()).status).toBe('pending');
  });

  it('someone who is not in guardian.yml', async () => {
    await asked();
    await send(click('U0STRANGER'));
    expect(privateAnswers()).toEqual([expect.objectContaining({ text: expect.stringContaining('Slack user U0STRANGER is not one of the people in guardian.yml') })]);
  });

  it('a second vote by the same person', async () => {
    await asked();
    await send(click(ALICE));
    await send(click(ALICE, 'approval.reject'));
    expect(privateAnswers()).toEqual([expect.objectContaining({ text: expect.stringContaining('Alice already voted') })]);
    expect((await stored()).votes).toEqual([expect.objectContaining({ personId: 'alice', decision: 'approve' })]);
  });

  it('a button that names no request', async () => {
    await send(click(ALICE)); // never asked
    expect(privateAnswers()).toEqual([expect.objectContaining({ text: expect.stringContaining('no approval request is known under this button') })]);
  });

  it('never to a response_url Slack does not host: such a payload is refused (400) and acted on not at all', async () => {
    await asked();
    for (const url of ['https://attacker.example/actions/T0/1/x', 'http://hooks.slack.com/actions/T0/1/x', 'https://hooks.slack.com.attacker.example/actions/T0/1/x', 'https://user@hooks.slack.com/actions/T0/1/x']) {
      const payload = payloadOf(click(CAROL)) as { response_url: string };
      payload.response_url = url;
      expect(await send(signedRequest(clock, { body: formBody(payload), secret: SECRET }))).toMatchObject({ statusCode: 400 });
    }
    expect(privateAnswers()).toEqual([]);
    expect(slack.calls.filter((c) => c.method !== 'chat.postMessage')).toEqual([]);
  });
});

describe('rejecting, and approvals that ended elsewhere', () => {
  it('one rejection rejects, naming who and why', async () => {
    await asked();
    await send(click(BOB, 'approval.reject', {}, { modal: false }));
    expect(approvals()).toEqual([expect.objectContaining({ result: { status: 'Rejected', summary: 'Rejected in Slack by Bob: rejected by Bob in Slack' } })]);
    expect((await stored()).status).toBe('rejected');
    expect(lastMessage()).toContain('Rejected by Bob');
  });

  it('an expired token: CodePipeline refuses once, the message says so, never retried', async () => {
    setConfig(config(1));
    await asked();
    codepipeline.on(PutApprovalResultCommand).rejects(Object.assign(new Error('The token is expired'), { name: 'InvalidApprovalTokenException' }));
    await send(click(ALICE));
    expect(approvals()).toHaveLength(1);
    const request = await stored();
    expect(request.status).toBe('closed');
    expect(request.outcome?.reason).toContain('InvalidApprovalTokenException');
    expect(lastMessage()).toContain('InvalidApprovalTokenException');
    await send(click(BOB));
    expect(approvals()).toHaveLength(1);
    expect(privateAnswers().at(-1)).toMatchObject({ text: expect.stringContaining('this request is over: it was closed') });
  });

  it('a changed token (another execution reached the approval): the request closes and the message says so', async () => {
    await asked();
    awaiting('c0ffee00-0000-4000-8000-000000000000');
    await send(click(ALICE));
    expect(approvals()).toEqual([]);
    expect((await stored()).status).toBe('closed');
    expect(lastMessage()).toContain('token changed');
    expect(privateAnswers()).toEqual([expect.objectContaining({ text: expect.stringContaining('token changed') })]);
  });
});

/** CodePipeline's event of the approval action ending (SUCCEEDED: approved, by us or in the console), through the real approval gate. */
async function ended(state: 'SUCCEEDED' | 'FAILED') {
  const end = loadEvent<{ time: string; detail: Record<string, unknown> }>('codepipeline/approval-succeeded.json');
  end.detail['execution-id'] = place.executionId;
  end.detail.state = state;
  end.time = clock.toISOString();
  return approvalGate({ env: env(), now: () => clock })(end, context('approval-gate'));
}

/** The abort signal the latest PutApprovalResult was sent with (aws-sdk-client-mock keeps the call's options). */
const lastCallSignal = () => (codepipeline.commandCalls(PutApprovalResultCommand).at(-1)!.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;

/** PutApprovalResult that CodePipeline never answers: it ends only when the call is cut short. */
function putApprovalHangs() {
  codepipeline.on(PutApprovalResultCommand).callsFake(
    () =>
      new Promise((_, reject) => {
        lastCallSignal()?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
      }),
  );
}

describe('the click answers within its 2.5 s, and what it leaves undone is finished safely', () => {
  it('a PutApprovalResult with no answer is cut short before the answer is due: the lease is given back and the voter told to click again', async () => {
    await asked();
    await send(click(ALICE));
    putApprovalHangs();
    const started = Date.now();
    expect(await send(click(BOB))).toMatchObject({ statusCode: 200 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(lastCallSignal()?.abortSignal).toBeInstanceOf(AbortSignal);
    expect(privateAnswers()).toEqual([expect.objectContaining({ text: expect.stringMatching(/your vote is counted, but CodePipeline could not be told .*click again/) })]);
    const request = await stored();
    expect(request).toMatchObject({ status: 'pending', attempt: { status: 'Approved', token: TOKEN } });

    // The call had landed after all: the click again gets ApprovalAlreadyCompleted for our own token, which is our decision.
    codepipeline.on(PutApprovalResultCommand).rejects(Object.assign(new Error('The approval action has already been completed'), { name: 'ApprovalAlreadyCompletedException' }));
    expect(await send(click(BOB))).toMatchObject({ statusCode: 200 });
    expect(await stored()).toMatchObject({ status: 'approved', outcome: { by: ['alice', 'bob'] } });
    expect(lastMessage()).toContain('Approved by Alice, Bob');
  });

  it('a decision cut short, then CodePipeline\'s SUCCEEDED event: approved in Slack by the people who approved, not "outside Slack"', async () => {
    await asked();
    await send(click(ALICE));
    putApprovalHangs();
    await send(click(BOB));
    expect(await ended('SUCCEEDED')).toMatchObject({ status: 'delivered' });
    expect(await stored()).toMatchObject({ status: 'approved', outcome: { by: ['alice', 'bob'], reason: expect.stringMatching(/^Approved in Slack by Alice, Bob/) } });
    expect(lastMessage()).toContain('Approved by Alice, Bob');
  });

  it('ApprovalAlreadyCompleted without an attempt of ours before it is a decision made elsewhere', async () => {
    setConfig(config(1));
    await asked();
    codepipeline.on(PutApprovalResultCommand).rejects(Object.assign(new Error('The approval action has already been completed'), { name: 'ApprovalAlreadyCompletedException' }));
    await send(click(ALICE));
    expect(await stored()).toMatchObject({ status: 'closed', outcome: { reason: expect.stringContaining('ApprovalAlreadyCompletedException') } });
  });

  it('every call of a click carries an abort signal that fires at its deadline: facts, the state table, CodePipeline', async () => {
    await asked();
    setConfig(config(1));
    await send(click(ALICE));
    for (const command of [GetPipelineStateCommand, GetPipelineExecutionCommand, PutApprovalResultCommand]) {
      const calls = codepipeline.commandCalls(command as never);
      expect((calls.at(-1)!.args as unknown[])[1]).toEqual({ abortSignal: expect.any(AbortSignal) });
    }
  });
});

describe('the approval action\'s end event racing the decision in Slack', () => {
  it('a SUCCEEDED event handled while the decider is between PutApprovalResult and recording it: approved in Slack by Alice and Bob', async () => {
    await asked();
    await send(click(ALICE));
    let gate: Promise<unknown> | undefined;
    codepipeline.on(PutApprovalResultCommand).callsFake(async () => {
      gate = ended('SUCCEEDED'); // CodePipeline's event of this very approval, handled by the gate at once
      await new Promise((r) => setTimeout(r, 300));
      return { approvedAt: clock };
    });
    await send(click(BOB));
    expect(await gate).toMatchObject({ status: expect.stringMatching(/^(delivered|deferred)$/) });
    const request = await stored();
    expect(request).toMatchObject({ status: 'approved', outcome: { by: ['alice', 'bob'] } });
    expect(lastMessage()).toContain('Approved by Alice, Bob');
    const { entries } = await auditTrail(dynamo.tableName, 30).list({ account: PLACE.account, region: PLACE.region, subject: 'payments-api', from: new Date(NOW.getTime() - 3600_000), until: new Date(NOW.getTime() + 3600_000), limit: 100 });
    const ours = entries.filter((e) => e.executionId === place.executionId).map((e) => e.decision);
    expect(ours).toContain('approved');
    expect(ours).not.toContain('closed');
  });

  it('a SUCCEEDED event with no decision of ours is still approved outside Slack', async () => {
    await asked();
    await send(click(ALICE));
    await ended('SUCCEEDED');
    expect(await stored()).toMatchObject({ status: 'closed', outcome: { reason: 'approved outside Slack (console or CLI)' } });
  });
});

/** The modal the function opened (views.open, as the Slack stand-in saw it). */
const modals = () => slack.calls.filter((c) => c.method === 'views.open');
/** `user` submits the reject modal `view` with `reason` typed in, signed by Slack now. */
function submit(user: string, view: Record<string, unknown>, reason: string | undefined) {
  const values: Record<string, Record<string, string>> = reason === undefined ? {} : { [REASON_BLOCK]: { [REASON_INPUT]: reason } };
  return signedRequest(clock, { body: formBody(viewSubmissionPayload(user, view, values, `V0TEST${String(++actionSeq).padStart(5, '0')}`)), secret: SECRET });
}
/** The modal Bob's Reject opened. */
async function bobsModal(): Promise<Record<string, unknown>> {
  await asked();
  expect(await send(click(BOB, 'approval.reject'))).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' });
  return openedModal(slack.calls)!;
}
const modalErrors = (answer: unknown) => JSON.parse((answer as { body: string }).body) as { response_action: string; errors: Record<string, string> };

describe('the reason of a Reject, asked in a modal', () => {
  it('a Reject opens a modal with the click\'s trigger_id, naming the request in private_metadata, and casts no vote yet', async () => {
    const view = await bobsModal();
    expect(modals()).toEqual([expect.objectContaining({ body: expect.objectContaining({ trigger_id: payloadOf(sampleClick()).trigger_id }) })]);
    expect(view).toMatchObject({ type: 'modal', callback_id: 'approval.reject_reason', private_metadata: key() });
    expect(JSON.stringify(view.blocks)).toContain('"max_length":300');
    expect((await stored()).votes).toEqual([]);
    expect(approvals()).toEqual([]);
    expect(privateAnswers()).toEqual([]);
  });

  it('its submission rejects with the reason: PutApprovalResult naming who and why, the message updated, an empty 200 closing the modal', async () => {
    const view = await bobsModal();
    const answer = await send(submit(BOB, view, 'PAY-142 breaks refunds: the migration is missing'));
    expect(answer).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' });
    expect(approvals()).toEqual([expect.objectContaining({ token: TOKEN, result: { status: 'Rejected', summary: 'Rejected in Slack by Bob: PAY-142 breaks refunds: the migration is missing' } })]);
    expect(await stored()).toMatchObject({ status: 'rejected', outcome: { by: ['bob'], reason: 'PAY-142 breaks refunds: the migration is missing' } });
    expect(lastMessage()).toContain('Rejected by Bob');
    expect(lastMessage()).toContain('PAY-142 breaks refunds: the migration is missing');
  });

  it.each<[string, string | undefined, RegExp]>([
    ['no reason', undefined, /^Say why it is rejected/],
    ['only spaces', '   \n ', /^Say why it is rejected/],
    ['a reason over 300 characters', 'x'.repeat(301), /^At most 300 characters/],
  ])('a submission with %s stays open saying so (response_action errors), and rejects nothing', async (_, reason, message) => {
    const view = await bobsModal();
    const answer = await send(submit(BOB, view, reason));
    expect(answer).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(modalErrors(answer)).toEqual({ response_action: 'errors', errors: { reject_reason: expect.stringMatching(message) } });
    expect((await stored()).votes).toEqual([]);
    expect(approvals()).toEqual([]);
  });

  it('is checked again as a click is: a submitter who may not reject is told so in the modal, and nothing changes', async () => {
    const view = await bobsModal();
    const answer = await send(submit('U0STRANGER', view, 'I do not like it'));
    expect(modalErrors(answer).errors.reject_reason).toMatch(/^Not rejected: Slack user U0STRANGER is not one of the people in guardian.yml/);
    expect((await stored()).votes).toEqual([]);
    expect(approvals()).toEqual([]);
  });

  it('treats private_metadata as untrusted: a modal naming no request, or not ours, rejects nothing', async () => {
    const view = await bobsModal();
    for (const forged of [{ ...view, private_metadata: 'apr_00000000000000000000000000000000' }, { ...view, private_metadata: '{"key":"x"}' }, { ...view, callback_id: 'someone.else' }]) {
      expect(modalErrors(await send(submit(BOB, forged, 'reason'))).errors.reject_reason).toMatch(/^Not rejected: (no approval request is known|this is not a reject modal of cicd-guardian)/);
    }
    expect((await stored()).votes).toEqual([]);
    expect(approvals()).toEqual([]);
  });

  it('a submission after the request was decided (Alice and Carol approved meanwhile) rejects nothing', async () => {
    const view = await bobsModal();
    awaiting(TOKEN);
    await send(click(ALICE));
    codepipeline.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { pipelineExecutionId: place.executionId, status: 'InProgress', trigger: { triggerType: 'Webhook' } } });
    await send(click(CAROL));
    expect(modalErrors(await send(submit(BOB, view, 'too late'))).errors.reject_reason).toMatch(/^Not rejected: this request is over: it was approved/);
    expect(approvals()).toEqual([expect.objectContaining({ result: expect.objectContaining({ status: 'Approved' }) })]);
  });

  it('where Slack cannot open the modal (views.open fails), rejects at once "in Slack" as before', async () => {
    await asked();
    slack.failNext({ error: 'expired_trigger_id' });
    await send(click(BOB, 'approval.reject'));
    expect(approvals()).toEqual([expect.objectContaining({ result: { status: 'Rejected', summary: 'Rejected in Slack by Bob: rejected by Bob in Slack' } })]);
    expect((await stored()).status).toBe('rejected');
  });
});

describe('a dry-run click', () => {
  it('decides as a real one and makes nothing: no vote stored, no PutApprovalResult, no message changed', async () => {
    setConfig(config(1));
    await asked();
    const before = await stored();
    const dry = slackInteractions({ env: env({ GUARDIAN_DRY_RUN: 'true' }), now: () => clock });
    expect(await dry(click(ALICE), context('slack-interactions'))).toMatchObject({ statusCode: 200 });
    expect(approvals()).toEqual([]);
    expect(updates()).toEqual([]);
    expect(await stored()).toEqual(before);
  });
});
