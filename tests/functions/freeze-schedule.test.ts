import { mockClient } from 'aws-sdk-client-mock';
import { CodePipelineClient, DisableStageTransitionCommand, EnableStageTransitionCommand, GetPipelineStateCommand, ListPipelinesCommand } from '@aws-sdk/client-codepipeline';
import { startLocalDynamo } from '../../local/dynamo';
import { applyEnv, localTopicArn, standInEnv } from '../../local/environment';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { parseConfig, setConfig } from '../../shared/config/load';
import { readEnv } from '../../shared/config/env';
import { createHandler, type FreezeScheduleResult } from '../../functions/freeze-schedule';
import { createHandler as createAuditHandler, type AuditListing } from '../../functions/audit';
import { loadEvent } from '../helpers/fixtures';

// The freeze-schedule function end to end, tick by tick across the end of
// daylight-saving time in Berlin: real DynamoDB semantics (dynalite) for its
// records and the audit trail, the official Slack client against a local
// Slack, CodePipeline mocked with the documented shapes; then the audit
// function lists what it recorded.

const codepipeline = mockClient(CodePipelineClient);
let slack: SlackStandIn;
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;

const TICK = loadEvent('schedule/scheduled-event.json');
const context = () => lambdaContext({ functionName: 'cicd-guardian-test-freeze-schedule', budgetMs: 60_000 });
const tick = (at: string) => createHandler({ env: readEnv(), now: () => new Date(at) })({ ...TICK, time: at }, context()) as Promise<FreezeScheduleResult>;
const listAudit = (request: object) => createAuditHandler({ env: readEnv() })(request, lambdaContext({ functionName: 'cicd-guardian-test-audit', budgetMs: 30_000 })) as Promise<AuditListing>;

/** The transitions as CodePipeline shows them, changed by the calls the function makes. */
const transitions: Record<string, Record<string, { enabled: boolean; disabledReason?: string }>> = {};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  applyEnv(standInEnv({ dynamo, slack: { apiUrl: slack.apiUrl, token: 'xoxb-test' }, topicArn: localTopicArn('cicd-guardian-test') }));
  setConfig(
    parseConfig(
      {
        notifications: { routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } }] },
        approvals: {
          freezes: [{ name: 'weekend', reason: 'No deploys over the weekend', timezone: 'Europe/Berlin', start: '0 18 * * FRI', end: '0 8 * * MON' }],
          policies: [{ name: 'prod', pipelines: ['payments-*'], stages: ['Prod'], freezes: ['weekend'] }],
        },
        protection: { freezeTransitions: true },
        audit: { retentionDays: 30 },
      },
      'test',
    ),
  );
  Object.assign(transitions, {
    'payments-api': { Build: { enabled: true }, Prod: { enabled: true } },
    'payments-batch': { Prod: { enabled: false, disabledReason: 'Database migration in progress' } },
    'orders-api': { Prod: { enabled: true } },
  });
  codepipeline.on(ListPipelinesCommand).resolves({ pipelines: Object.keys(transitions).map((name) => ({ name })) });
  codepipeline.on(GetPipelineStateCommand).callsFake(({ name }: { name: string }) => ({
    pipelineName: name,
    stageStates: [{ stageName: 'Source' }, ...Object.entries(transitions[name]!).map(([stageName, state]) => ({ stageName, inboundTransitionState: state }))],
  }));
  codepipeline.on(DisableStageTransitionCommand).callsFake(({ pipelineName, stageName, reason }: { pipelineName: string; stageName: string; reason: string }) => {
    transitions[pipelineName]![stageName] = { enabled: false, disabledReason: reason };
    return {};
  });
  codepipeline.on(EnableStageTransitionCommand).callsFake(({ pipelineName, stageName }: { pipelineName: string; stageName: string }) => {
    transitions[pipelineName]![stageName] = { enabled: true };
    return {};
  });
});

afterAll(async () => {
  await slack.close();
  await dynamo.close();
  setConfig(undefined);
});

const posts = () => slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => `${String(c.body.channel)}: ${String(c.body.text)}`);

describe('one weekend freeze, tick by tick (Friday 18:00 CEST to Monday 08:00 CET)', () => {
  it('a dry-run shows the closing it would make, and changes nothing', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    try {
      const result = await tick('2026-10-23T16:05:00Z');
      expect(result).toMatchObject({ status: 'handled', stages: [expect.objectContaining({ stage: 'payments-api/Prod', status: 'dry-run' }), expect.objectContaining({ stage: 'payments-batch/Prod' })] });
      const recorded = result.status === 'handled' ? result.stages.flatMap((s) => ('recorded' in s ? (s.recorded ?? []) : [])) : [];
      expect(recorded.map((c) => (c.to === 'aws' ? c.api : c.to))).toEqual(['codepipeline:DisableStageTransition', 'audit', 'slack']);
      expect(codepipeline.commandCalls(DisableStageTransitionCommand)).toHaveLength(0);
      expect(posts()).toEqual([]);
    } finally {
      delete process.env.GUARDIAN_DRY_RUN;
    }
  });

  it('closes the governed stage when the freeze starts, says why in the console and in Slack, and leaves the others alone', async () => {
    await tick('2026-10-23T16:05:00Z');
    expect(codepipeline.commandCalls(DisableStageTransitionCommand).map((c) => c.args[0].input)).toEqual([
      { pipelineName: 'payments-api', stageName: 'Prod', transitionType: 'Inbound', reason: 'cicd-guardian freeze (weekend) until 2026-10-26 08.00 Europe Berlin' },
    ]);
    expect(posts()).toEqual([expect.stringMatching(/^#deployments: \S+ payments-api: Prod closed for freeze 'weekend'\nThe inbound transition into Prod is disabled: freeze 'weekend' until 2026-10-26 08:00 Europe\/Berlin \(No deploys over the weekend\)/)]);
  });

  it('does nothing more on the ticks while it holds, through the night the clocks go back', async () => {
    for (const at of ['2026-10-23T16:10:00Z', '2026-10-24T12:00:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-26T06:55:00Z']) await tick(at);
    expect(codepipeline.commandCalls(DisableStageTransitionCommand)).toHaveLength(1);
    expect(codepipeline.commandCalls(EnableStageTransitionCommand)).toHaveLength(0);
  });

  it('opens it when the freeze ends at 08:00 CET (07:00 UTC), once, and never the stage a person closed', async () => {
    await tick('2026-10-26T07:00:00Z');
    await tick('2026-10-26T07:05:00Z');
    expect(codepipeline.commandCalls(EnableStageTransitionCommand).map((c) => c.args[0].input)).toEqual([{ pipelineName: 'payments-api', stageName: 'Prod', transitionType: 'Inbound' }]);
    expect(transitions['payments-batch']!.Prod).toEqual({ enabled: false, disabledReason: 'Database migration in progress' });
    expect(posts()).toHaveLength(2);
    expect(posts()[1]).toMatch(/^#deployments: \S+ payments-api: Prod open again/);
  });

  it('leaves both decisions in the audit trail, which the audit function lists in time order', async () => {
    const listing = await listAudit({ pipeline: 'payments-api', from: '2026-10-23', to: '2026-10-26' });
    expect(listing).toMatchObject({ subject: 'payments-api', account: '123456789012', region: 'us-east-1', count: 2 });
    expect(listing.entries.map((e) => [e.at, e.decision, e.stage, e.by.automatic])).toEqual([
      ['2026-10-23T16:05:00.000Z', 'transition-disabled', 'Prod', true],
      ['2026-10-26T07:00:00.000Z', 'transition-enabled', 'Prod', true],
    ]);
    const paged = await listAudit({ pipeline: 'payments-api', from: '2026-10-23', to: '2026-10-26', limit: 1 });
    expect(paged.entries).toHaveLength(1);
    expect((await listAudit({ pipeline: 'payments-api', from: '2026-10-23', to: '2026-10-26', limit: 1, next: paged.next })).entries[0]?.decision).toBe('transition-enabled');
  });

  it('refuses a listing request that names no pipeline, naming what is missing', async () => {
    await expect(listAudit({ from: '2026-10-23', to: '2026-10-26' })).rejects.toThrow(/pipeline: audit listing request: name either `pipeline` or `resource`/);
  });
});

it('does nothing, and reads nothing, while protection.freezeTransitions is off', async () => {
  setConfig(parseConfig({ approvals: { freezes: [], policies: [] } }, 'test'));
  const calls = codepipeline.calls().length;
  expect(await tick('2026-10-23T16:05:00Z')).toEqual({ status: 'ignored', reason: 'protection.freezeTransitions is off' });
  expect(codepipeline.calls()).toHaveLength(calls);
});

