import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CodePipelineClient, DisableStageTransitionCommand, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalDynamo } from '../../local/dynamo';
import { applyEnv, localTopicArn, standInEnv } from '../../local/environment';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { getConfig, parseConfig, setConfig } from '../../shared/config/load';
import { createHandler as createRollbackHandler, type RollbackResult } from '../../functions/rollback';
import { createHandler as createNotifyHandler } from '../../functions/notify';
import { readEnv } from '../../shared/config/env';
import { freshScenario } from '../helpers/scenario';
import { loadEvent, type JsonObject } from '../helpers/fixtures';
import { BAD_REVISION, GOOD_REVISION } from '../helpers/rollback-events';
import { serviceKey, type ServiceView } from '../../shared/views/service-view';
import type { DeliveryResult } from '../../shared/executors/deliver';
import { StateStore, stateStore } from '../../shared/state/store';

import type { RecordedCall } from '../../shared/executors/recording';

// The rollback function end to end: real DynamoDB semantics (dynalite) for
// the one-rollback-at-a-time guarantees, the official Slack client against a
// local Slack, ECS, CodePipeline and SNS mocked with documented shapes.

const ecs = mockClient(ECSClient);
const codepipeline = mockClient(CodePipelineClient);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);
let slack: SlackStandIn;
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let serviceSeq = 0;
let service = '';

const SERVICE_DEPLOYMENT = (svc: string) => `arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/${svc}/xyz`;

/** A sample event re-addressed to this test's own service, with a fresh id and the given detail changes. */
function event(path: string, detail: JsonObject = {}): JsonObject {
  const e = loadEvent(path);
  e.id = `${path}-${Math.random()}`;
  const json = JSON.stringify(e).replaceAll('payments-api', service);
  const out = JSON.parse(json) as JsonObject;
  Object.assign(out.detail as JsonObject, detail);
  return out;
}
const crash = (n: number) =>
  event('ecs/task-stopped-exit-code.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/crash${n}`, stoppedAt: `2025-06-12T14:05:${String(n % 60).padStart(2, '0')}.000Z` });

// Each invocation reads the environment as the test left it (some switch GUARDIAN_DRY_RUN on).
const rollbackHandler = (e: unknown, context: Context) => createRollbackHandler({ env: readEnv() })(e, context);
const notifyHandler = (e: unknown, context: Context) => createNotifyHandler({ env: readEnv() })(e, context);

const invoke = (e: unknown, budgetMs = 30_000) =>
  rollbackHandler(e, lambdaContext({ functionName: 'cicd-guardian-test-rollback', budgetMs })) as Promise<RollbackResult>;

/** As `sls invoke local` invokes it: its context names no function ARN. */
function invokeLocally(e: unknown) {
  const { invokedFunctionArn: _none, ...context } = lambdaContext({ functionName: 'cicd-guardian-dev-rollback', budgetMs: 30_000 });
  return rollbackHandler(e, context as Context) as Promise<RollbackResult>;
}
const offline = () => sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

/** DescribeServices and its companions as ECS answers them; `rollingBack`: the circuit breaker tripped and rolls the deployment back. */
function describeServices(over: { inFlight: boolean; circuitBreaker?: boolean; rollingBack?: boolean }) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: service,
        status: 'ACTIVE',
        deploymentController: { type: 'ECS' },
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: Boolean(over.circuitBreaker), rollback: Boolean(over.circuitBreaker) } },
        deployments: [
          {
            id: 'ecs-svc/1234567890123456789',
            status: 'PRIMARY',
            taskDefinition: BAD_REVISION,
            rolloutState: over.inFlight ? 'IN_PROGRESS' : 'COMPLETED',
            ...(over.rollingBack ? { rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/9876543210987654321.' } : {}),
          },
          ...(over.inFlight ? [{ id: 'ecs-svc/9876543210987654321', status: 'ACTIVE', taskDefinition: GOOD_REVISION, rolloutState: 'COMPLETED' as const }] : []),
        ],
      },
    ],
  });
  ecs.on(ListServiceDeploymentsCommand).callsFake((input: { status?: string[] }) =>
    input.status?.includes('SUCCESSFUL')
      ? { serviceDeployments: [{ serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/x/old', status: 'SUCCESSFUL', targetServiceRevisionArn: 'rev-41', finishedAt: new Date('2025-06-11T10:00:00Z') }] }
      : { serviceDeployments: over.inFlight ? [{ serviceDeploymentArn: SERVICE_DEPLOYMENT(service), status: 'IN_PROGRESS', targetServiceRevisionArn: 'rev-42' }] : [] },
  );
  ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [{ serviceRevisionArn: 'rev-41', taskDefinition: GOOD_REVISION }, { serviceRevisionArn: 'rev-42', taskDefinition: BAD_REVISION }] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { status: 'ACTIVE' } });
}

const slackAbout = () => slack.calls.filter((c) => JSON.stringify(c.body).includes(service));

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  applyEnv(standInEnv({ dynamo, slack: { apiUrl: slack.apiUrl, token: 'xoxb-test' }, topicArn: localTopicArn('cicd-guardian-test') }));
});

afterAll(async () => {
  await slack.close();
  await dynamo.close();
  setConfig(undefined);
});

beforeEach(() => {
  // Each test has a service of its own, so state never leaks between tests.
  service = `payments-api-${++serviceSeq}`;
  ecs.reset();
  codepipeline.reset();
  sns.reset();
  sts.reset();
  slack.recover();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  codepipeline.on(GetPipelineStateCommand).resolves({ stageStates: [] });
  ecs.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: SERVICE_DEPLOYMENT(service) });
  ecs.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/5555555555555555555', status: 'PRIMARY', taskDefinition: GOOD_REVISION }] } });
  delete process.env.GUARDIAN_DRY_RUN;
  setConfig(
    parseConfig(
      {
        slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' } },
        notifications: { routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } }] },
        rollback: {
          services: [
            // The service runs family payments-api (the samples' task definitions), not one named after it.
            { cluster: 'payments-prod', service, taskDefinitionFamily: 'payments-api', alarms: [`${service}-5xx`], pipeline: { name: 'payments-api', deployStage: 'Deploy' }, slack: { channel: '#deployments' } },
          ],
        },
      },
      'test config',
    ),
  );
});

describe('rollback: one rollback, however many signals', () => {
  it('stops the in-flight deployment exactly once when 20 failure signals arrive at once', async () => {
    describeServices({ inFlight: true });
    await invoke(event('ecs/deployment-in-progress.json'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => invoke(crash(i))));
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)[0]!.args[0].input).toEqual({ serviceDeploymentArn: SERVICE_DEPLOYMENT(service), stopType: 'ROLLBACK' });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(slackAbout().filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('survives a rolling deployment of 200 tasks on a DynamoDB 5 ms away: 180 routine replacements and 20 failures give no failed invocation and one rollback', async () => {
    describeServices({ inFlight: true });
    await invoke(event('ecs/deployment-in-progress.json'));
    // The scheduler stopping the old deployment's tasks, as a rolling update replaces them.
    const replaced = (n: number) => event('ecs/task-stopped-scale-in.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/old${n}` });
    const burst = [...Array.from({ length: 180 }, (_, i) => replaced(i)), ...Array.from({ length: 20 }, (_, i) => crash(i))];
    dynamo.latencyMs = 5;
    try {
      const results = await Promise.allSettled(burst.map((e) => invoke(e)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      dynamo.latencyMs = 0;
    }
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    // The item was written once per new fact: the deployment, the old deployment's task definition, 20 failures.
    const pk = serviceKey({ account: '123456789012', region: 'us-east-1', cluster: 'payments-prod', service });
    expect((await stateStore(process.env.GUARDIAN_TABLE, () => new Date()).get<ServiceView>(pk))?.version).toBe(1 + 1 + 20);
  }, 120_000);

  it('after standing down for a deployment the circuit breaker rolls back, a burst of its failed tasks reads ECS no more and waits for no lease', async () => {
    describeServices({ inFlight: true, circuitBreaker: true, rollingBack: true });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(crash(1));
    await invoke(crash(2));
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toEqual([expect.stringMatching(/being rolled back by ECS/)]);
    const leases = jest.spyOn(StateStore.prototype, 'acquireLock');
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => invoke(crash(10 + i))));
      expect(leases).not.toHaveBeenCalled();
      const skipped = results.flatMap((r) => (r.status === 'handled' ? r.services.flatMap((s) => (s as DeliveryResult).plans.flatMap((p) => p.skipped)) : []));
      expect(new Set(skipped)).toEqual(new Set(['already decided for ecs-svc/1234567890123456789: ECS is rolling it back by itself, and people were told']));
    } finally {
      leases.mockRestore();
    }
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(codepipeline.commandCalls(GetPipelineStateCommand)).toHaveLength(1);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('a routine task event costs one read of the service item: no write, no lease', async () => {
    describeServices({ inFlight: true });
    const replaced = (n: number) => event('ecs/task-stopped-scale-in.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/old${n}` });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(replaced(1)); // teaches the old deployment's task definition: one write
    const before = dynamo.requests;
    await invoke(replaced(2));
    expect(dynamo.requests - before).toBe(1);
  });

  it('rolls back when the failures arrive out of order, and changes nothing more when the events come again', async () => {
    describeServices({ inFlight: true });
    const events = [crash(2), crash(1), event('ecs/deployment-in-progress.json')];
    for (const e of events) await invoke(e);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    for (const e of [...events].reverse()) await invoke(e);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });
});

describe('rollback: choosing how', () => {
  it('rolls a failed deployment back to the last good revision with UpdateService, and reports the outcome when it completes', async () => {
    describeServices({ inFlight: false });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(event('ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' }));
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ cluster: 'payments-prod', service, taskDefinition: GOOD_REVISION }),
    ]);
    await invoke(event('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/5555555555555555555', updatedAt: '2099-01-01T00:00:00.000Z' }));
    const subjects = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
    expect(subjects).toEqual([expect.stringMatching(/rolled back/), expect.stringMatching(/rollback completed/)]);
  });

  it('without taskDefinitionFamily, a service running another family is warned about when a deployment completes, and an alarm after it alerts instead of an UpdateService IAM would deny', async () => {
    const [settings] = getConfig().rollback.services;
    const { taskDefinitionFamily: _runs, ...byServiceName } = settings!;
    setConfig({ ...getConfig(), rollback: { ...getConfig().rollback, services: [byServiceName] } });
    describeServices({ inFlight: false });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(event('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/1234567890123456789' }));
    await invoke(event('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/1234567890123456789' }));
    const subjects = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
    expect(subjects()).toEqual([expect.stringMatching(/runs task definition family payments-api: cicd-guardian could not roll it back/)]);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message).toContain(`Set taskDefinitionFamily: payments-api for payments-prod/${service} in guardian.yml`);
    const alarm = event('cloudwatch/alarm-5xx-alarm.json');
    ((alarm.detail as JsonObject).state as JsonObject).timestamp = '2025-06-12T14:25:00.000+0000';
    await invoke(alarm);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(subjects()).toEqual([expect.anything(), expect.stringMatching(/needs a rollback cicd-guardian may not deploy \(task definition family\)/)]);
  });

  it('stands down when the circuit breaker is rolling back, and says so', async () => {
    describeServices({ inFlight: false, circuitBreaker: true });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(event('ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' }));
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toMatch(/being rolled back by ECS/);
  });

  it('replies in the thread of the pipeline execution that deployed the service', async () => {
    describeServices({ inFlight: true });
    const scenario = freshScenario();
    const executionId = (scenario[0]!.detail as JsonObject)['execution-id'] as string;
    for (const e of scenario.slice(0, 11)) await notifyHandler(e, lambdaContext({ functionName: 'cicd-guardian-test-notify', budgetMs: 30_000 }));
    const pipelineMessage = slack.calls.find((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(executionId));
    codepipeline.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'Deploy', latestExecution: { pipelineExecutionId: executionId, status: 'InProgress' } }] });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(crash(1));
    await invoke(crash(2));
    const reply = slackAbout().find((c) => c.body.thread_ts);
    expect(reply).toBeDefined();
    expect(pipelineMessage?.ts).toBeDefined();
    expect(reply!.body.thread_ts).toBe(pipelineMessage!.ts);
    expect(String(reply!.body.reply_broadcast)).toBe('true');
    // The outcome lands in the same thread.
    ecs.on(UpdateServiceCommand).resolves({});
    // ECS starts the rollback deployment right after the stop, and finishes it a few minutes later.
    const soon = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    await invoke(event('ecs/deployment-in-progress.json', { deploymentId: 'ecs-svc/4444', updatedAt: soon(10) }));
    await invoke(event('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/4444', updatedAt: soon(240) }));
    const outcome = slackAbout().filter((c) => c.body.thread_ts).at(-1);
    expect(JSON.stringify(outcome?.body)).toMatch(/rollback completed/);
    expect(outcome!.body.thread_ts).toBe(pipelineMessage!.ts);
  });
});

describe('rollback: when AWS says no', () => {
  it('alerts with the service and what to do, fails for a retry, and succeeds on the retry without a second rollback', async () => {
    describeServices({ inFlight: false });
    ecs
      .on(UpdateServiceCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }))
      .resolves({ service: { deployments: [{ id: 'ecs-svc/5555555555555555555', status: 'PRIMARY', taskDefinition: GOOD_REVISION }] } });
    await invoke(event('ecs/deployment-in-progress.json'));
    const failed = event('ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' });
    await expect(invoke(failed)).rejects.toThrow(/actions failed.*ecs:UpdateService/);
    const alert = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(alert).toHaveLength(1);
    expect(alert[0]!.Subject).toMatch(/rollback FAILED/);
    expect(alert[0]!.Message).toContain(`payments-prod/${service}`);
    await invoke(failed);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(2);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toEqual([expect.stringMatching(/rollback FAILED/), expect.stringMatching(/rolled back/)]);
    await invoke(failed);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(2);
  });

  it('when the email fails once after the rollback succeeded, the retry sends it, with no second rollback; a later failure of that deployment sends nothing', async () => {
    describeServices({ inFlight: true });
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} })).resolves({ MessageId: 'm-2' });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(crash(1));
    const second = crash(2);
    await expect(invoke(second)).rejects.toThrow(/Rate exceeded/);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    // Lambda retries the invocation with the same event.
    await invoke(second);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toEqual([expect.stringMatching(/rolled back by cicd-guardian/), expect.stringMatching(/rolled back by cicd-guardian/)]);
    expect(slackAbout().filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    await invoke(crash(3));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(slackAbout().filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('when disabling the transition fails once after the rollback succeeded, the retry disables it, with no second rollback', async () => {
    describeServices({ inFlight: true });
    const [settings] = getConfig().rollback.services;
    setConfig({ ...getConfig(), rollback: { ...getConfig().rollback, services: [{ ...settings!, disableTransition: true }] } });
    codepipeline
      .on(DisableStageTransitionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }))
      .resolves({});
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(crash(1));
    const second = crash(2);
    await expect(invoke(second)).rejects.toThrow(/codepipeline:DisableStageTransition/);
    await invoke(second);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect(codepipeline.commandCalls(DisableStageTransitionCommand)).toHaveLength(2);
    expect(codepipeline.commandCalls(DisableStageTransitionCommand)[1]!.args[0].input).toMatchObject({ pipelineName: 'payments-api', stageName: 'Deploy', transitionType: 'Inbound' });
  });

  it('says clearly when the service does not exist', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'x', reason: 'MISSING' }] });
    await invoke(event('ecs/deployment-in-progress.json'));
    await expect(invoke(event('ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' }))).rejects.toThrow(/not found \(MISSING\)/);
    const alert = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(alert).toHaveLength(1);
    // Nothing was attempted: the service could not even be read.
    expect(alert[0]!.Subject).not.toMatch(/rollback FAILED/);
    expect(alert[0]!.Subject).toMatch(/could not be read: no rollback attempted/);
    expect(alert[0]!.Message).toContain('Check rollback.services in guardian.yml');
  });
});

describe('rollback: where the service is', () => {
  /** A sample event as EventBridge would deliver it from `where`. */
  const from = (where: { account?: string; region?: string }, path: string, detail: JsonObject = {}) => ({ ...event(path, detail), ...where });

  it("reads and rolls back in the event's region, with the function's own credentials", async () => {
    describeServices({ inFlight: true });
    const east2 = { region: 'us-east-2' };
    await invoke(from(east2, 'ecs/deployment-in-progress.json'));
    await invoke(from(east2, 'ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' }));
    const [stop] = ecs.commandCalls(StopServiceDeploymentCommand);
    expect(stop).toBeDefined();
    for (const call of [...ecs.commandCalls(DescribeServicesCommand), stop!]) expect(await (call.thisValue as ECSClient).config.region()).toBe('us-east-2');
  });

  it('rejects an event from an account the policy does not serve at the entry: reads, records and changes nothing', async () => {
    describeServices({ inFlight: true });
    const member = { account: '210987654321' };
    await expect(invoke(from(member, 'ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' }))).resolves.toMatchObject({
      status: 'rejected',
      reason: 'account 210987654321 (region us-east-1) is not served: cicd-guardian runs in account 123456789012 and guardian.yml has no organization section naming other accounts',
    });
    expect(ecs.calls()).toHaveLength(0);
    expect(slackAbout()).toHaveLength(0);
    expect(await stateStore(process.env.GUARDIAN_TABLE, () => new Date()).get(serviceKey({ account: '210987654321', region: 'us-east-1', cluster: 'payments-prod', service }))).toBeUndefined();
  });

  // Before any test in this file lets STS answer: the function's own identity is kept per container.
  it('offline (no function ARN, no credentials): a dry-run plans as if in its own account and says so; a real run stops, saying why', async () => {
    offline();
    const failed = () => event('ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' });
    await expect(invokeLocally(failed())).rejects.toThrow("cannot handle the ecs-deployment event from account 123456789012: the function's own account is unknown");
    expect(ecs.calls()).toHaveLength(0);

    process.env.GUARDIAN_DRY_RUN = 'true';
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const result = await invokeLocally(failed());
    const plan = result.status === 'handled' && result.services[0]!.status === 'dry-run' ? result.services[0]!.plan : undefined;
    expect(plan?.skipped[0]).toMatch(/^the function's own account is unknown: .*; planned as if in the function's own account$/);
  });
});

describe('rollback: by hand', () => {
  it('in dry-run returns the plan and touches nothing', async () => {
    describeServices({ inFlight: true });
    const request = { cluster: 'payments-prod', service, reason: 'errors after release', dryRun: true };
    const result = await invoke(request);
    expect(result.status).toBe('handled');
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toMatch(/would be rolled back \(dry-run\)/);
    // The rollback it would make, with its parameters, from the recording sink.
    const recorded = result.status === 'handled' ? result.services.flatMap((s) => (s.status === 'dry-run' ? s.recorded : (s.recorded ?? []))) : [];
    expect(recorded).toEqual([{ to: 'aws', api: 'ecs:StopServiceDeployment', input: { serviceDeploymentArn: expect.any(String), stopType: 'ROLLBACK' } }]);
  });

  it('in a global dry-run, a deployment whose tasks crash shows the rollback that would happen: the call with its parameters and the messages in full, nothing changed or stored', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    describeServices({ inFlight: true });
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: SERVICE_DEPLOYMENT(service), status: 'IN_PROGRESS' }] });
    const recorded: RecordedCall[] = [];
    for (const e of [event('ecs/deployment-in-progress.json'), crash(1), crash(2)]) {
      const result = await invoke(e);
      if (result.status === 'handled') for (const s of result.services) if (s.status === 'dry-run') recorded.push(...s.recorded);
    }
    const changes = recorded.filter((c) => c.to === 'aws');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ api: expect.stringMatching(/^ecs:(StopServiceDeployment|UpdateService)$/) });
    expect(recorded.some((c) => c.to === 'slack' || c.to === 'email' || c.to === 'webhook')).toBe(true);
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('offline in dry-run (sls invoke local), still answers with a plan that says what could not be read', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const result = await invoke({ cluster: 'payments-prod', service, reason: 'errors after release' });
    expect(result).toMatchObject({ status: 'handled', services: [{ status: 'dry-run' }] });
    const plan = result.status === 'handled' && result.services[0]!.status === 'dry-run' ? result.services[0]!.plan : undefined;
    expect(plan?.skipped.join()).toMatch(/would decide a rollback, but the service could not be read/);
  });

  it('rolls back on request', async () => {
    describeServices({ inFlight: true });
    await invoke({ cluster: 'payments-prod', service, reason: 'errors after release' });
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
  });

  // Before any test lets STS answer: a container remembers its identity once known.
  it('offline in dry-run (no function ARN, no credentials), plans and says the account is unknown', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    offline();
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const result = await invokeLocally({ cluster: 'payments-prod', service, reason: 'errors after release' });
    expect(result).toMatchObject({ status: 'handled', services: [{ status: 'dry-run' }] });
    const plan = result.status === 'handled' && result.services[0]!.status === 'dry-run' ? result.services[0]!.plan : undefined;
    expect(plan?.skipped[0]).toMatch(/^the function's own account is unknown: .*STS GetCallerIdentity failed \(Could not load credentials from any providers\); planned from the request alone$/);
  });

  it('for real, refuses to act when the account is unknown, saying why, and changes nothing', async () => {
    offline();
    describeServices({ inFlight: true });
    await expect(invokeLocally({ cluster: 'payments-prod', service, reason: 'errors after release' })).rejects.toThrow(
      `cannot handle the request for payments-prod/${service}: the function's own account is unknown`,
    );
    expect(ecs.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('run by `sls invoke local` (no function ARN), keys the service by the account STS names: it finds the rollback the ECS events led to, and does not roll back twice', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/deployer/alice' });
    describeServices({ inFlight: false });
    await invoke(event('ecs/deployment-in-progress.json'));
    await invoke(event('ecs/deployment-failed.json', { deploymentId: 'ecs-svc/1234567890123456789' }));
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    const result = await invokeLocally({ cluster: 'payments-prod', service, reason: 'still failing' });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(result).toMatchObject({ services: [{ plans: [{ actions: [], skipped: ['already rolled back for ecs-svc/1234567890123456789'] }] }] });
  });

  it('refuses a service the policy does not list (its role may not touch it)', async () => {
    await expect(invoke({ cluster: 'payments-prod', service: 'someone-elses', reason: 'x' })).rejects.toThrow(/not in rollback.services of guardian.yml/);
    expect(ecs.calls()).toHaveLength(0);
  });

  it('rejects a malformed request naming the bad field', async () => {
    await expect(invoke({ cluster: 'payments-prod', service, reason: 'x', dryrun: true })).rejects.toThrow(/Failed to parse/);
  });
});

describe('rollback: the environment and the clock it is given', () => {
  const context = () => lambdaContext({ functionName: 'cicd-guardian-test-rollback', budgetMs: 30_000 });

  it('takes GUARDIAN_DRY_RUN from the environment it is given, not from the process', async () => {
    describeServices({ inFlight: true });
    const dryRun = createRollbackHandler({ env: readEnv({ ...process.env, GUARDIAN_DRY_RUN: 'true' }) });
    const result = (await dryRun({ cluster: 'payments-prod', service, reason: 'errors after release' }, context())) as RollbackResult;
    expect(result).toMatchObject({ status: 'handled', services: [{ status: 'dry-run' }] });
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
  });

  it('does what a request by hand asks at the time its clock tells, and records the change at that time', async () => {
    describeServices({ inFlight: true });
    const at = new Date('2025-06-12T14:04:09.000Z');
    const timed = createRollbackHandler({ env: readEnv(), now: () => at });
    await timed({ cluster: 'payments-prod', service, reason: 'errors after release' }, context());
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    const pk = serviceKey({ account: '123456789012', region: 'us-east-1', cluster: 'payments-prod', service });
    const stored = await stateStore(process.env.GUARDIAN_TABLE, () => at).get<ServiceView>(pk);
    expect(stored?.delivery.changes?.map((c) => c.at)).toEqual([at.toISOString()]);
  });
});
