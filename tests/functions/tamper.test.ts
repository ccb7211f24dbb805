import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { CloudTrailClient, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CodePipelineClient, GetPipelineCommand, GetPipelineExecutionCommand, GetPipelineStateCommand, ListActionExecutionsCommand, StopPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeServiceRevisionsCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListServiceDeploymentsCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { startLocalDynamo } from '../../local/dynamo';
import { applyEnv, localTopicArn, standInEnv } from '../../local/environment';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { parseConfig, setConfig } from '../../shared/config/load';
import { readEnv } from '../../shared/config/env';
import { createHandler, type TamperResult } from '../../functions/tamper';
import { stateStore } from '../../shared/state/store';
import { emptyServiceView, serviceKey, type ServiceView } from '../../shared/views/service-view';
import type { Rehearsal } from '../../shared/executors/rehearse';
import type { DeliveryResult } from '../../shared/executors/deliver';
import { loadEvent, type JsonObject } from '../helpers/fixtures';

// The tamper function end to end: the CloudTrail samples through the real handler,
// the state table on dynalite (one decision per CloudTrail event, a revert under the
// service's record), the official Slack client against the local Slack, and
// CodePipeline, CloudTrail, ECS and SNS mocked with documented answers.

const ACCOUNT = '123456789012';
const codepipeline = mockClient(CodePipelineClient);
const cloudtrail = mockClient(CloudTrailClient);
const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);
let slack: SlackStandIn;
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const td = (rev: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/payments-api:${rev}`;
const OWN_ROLES = 'cicd-guardian-test-notify-us-east-1,cicd-guardian-test-rollback-us-east-1,cicd-guardian-test-tamper-us-east-1';

const invoke = (file: string, change: (e: JsonObject) => void = () => undefined) => {
  const e = loadEvent(`cloudtrail/${file}`);
  change(e);
  return createHandler({ env: readEnv() })(e, lambdaContext({ functionName: 'cicd-guardian-test-tamper', budgetMs: 30_000 }) as Context) as Promise<TamperResult>;
};
/** A fresh CloudTrail event id, so each test decides anew. */
const fresh = (id: string) => (e: JsonObject) => {
  (e.detail as JsonObject).eventID = id;
};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  applyEnv({ ...standInEnv({ dynamo, slack: { apiUrl: slack.apiUrl, token: 'xoxb-test' }, topicArn: localTopicArn('cicd-guardian-test') }), GUARDIAN_OWN_ROLES: OWN_ROLES });
});

afterAll(async () => {
  await slack.close();
  await dynamo.close();
  setConfig(undefined);
});

beforeEach(() => {
  for (const mock of [codepipeline, cloudtrail, ecs, sns]) mock.reset();
  slack.recover();
  delete process.env.GUARDIAN_DRY_RUN;
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  setConfig(
    parseConfig(
      {
        slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' } },
        people: [{ id: 'alice', principals: [`arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_*/alice@example.com`] }],
        approvals: { policies: [{ name: 'production', pipelines: ['payments-*'], stages: ['Approve'], approvers: { people: ['alice'] } }] },
        rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api' }] },
        protection: {
          slack: { channel: '#security-alerts' },
          pipelines: [{ pipelines: ['payments-*'] }],
          services: [{ cluster: 'payments-prod', service: 'payments-api', deployedBy: [`arn:aws:iam::${ACCOUNT}:role/payments-api-pipeline`], onBypass: 'revert' }],
          trails: [{ trails: ['org-management-events'], onStopLogging: 'restart' }],
        },
      },
      'test',
    ),
  );
});

const posted = (text: string) => slack.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(text));

describe('the tamper function', () => {
  it('restarts a stopped protected trail and alerts once, however often EventBridge delivers the event', async () => {
    cloudtrail.on(StartLoggingCommand).resolves({});
    const first = (await invoke('cloudtrail-stop-logging.json', fresh('trail-1'))) as DeliveryResult;
    expect(first.status).toBe('delivered');
    expect(cloudtrail.commandCalls(StartLoggingCommand).map((c) => c.args[0].input)).toEqual([{ Name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-management-events` }]);
    expect(posted('trail-1')).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);

    await invoke('cloudtrail-stop-logging.json', fresh('trail-1'));
    expect(cloudtrail.commandCalls(StartLoggingCommand)).toHaveLength(1);
    expect(posted('trail-1')).toHaveLength(1);
  });

  it('stops the execution an approval outside cicd-guardian let through (the one whose approval it decided, not the stage\'s latest), with abandon=false and a reason', async () => {
    // exec-10 has reached the stage since; exec-9's approval was decided by the call (its time, its caller).
    codepipeline.on(GetPipelineStateCommand).resolves({ stageStates: [{ stageName: 'Approve', latestExecution: { pipelineExecutionId: 'exec-10', status: 'InProgress' } }] });
    const mallory = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/mallory@example.com`;
    const approval = { stageName: 'Approve', actionName: 'ProductionGate', startTime: new Date('2025-06-12T13:00:00Z') };
    codepipeline.on(ListActionExecutionsCommand, { filter: undefined }).resolves({
      actionExecutionDetails: [
        { ...approval, pipelineExecutionId: 'exec-10', status: 'InProgress', startTime: new Date('2025-06-12T14:05:40Z'), lastUpdateTime: new Date('2025-06-12T14:05:40Z') },
        { ...approval, pipelineExecutionId: 'exec-9', status: 'Succeeded', lastUpdateTime: new Date('2025-06-12T14:05:29Z'), updatedBy: mallory },
      ],
    });
    codepipeline.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { pipelineExecutionId: 'exec-9', trigger: { triggerType: 'StartPipelineExecution', triggerDetail: `arn:aws:sts::${ACCOUNT}:assumed-role/x/y` } } });
    codepipeline.on(GetPipelineCommand).resolves({ pipeline: { name: 'payments-api', roleArn: 'r', stages: [] } });
    codepipeline.on(ListActionExecutionsCommand, { filter: { pipelineExecutionId: 'exec-9' } }).resolves({ actionExecutionDetails: [] });
    codepipeline.on(StopPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-9' });
    await invoke('codepipeline-put-approval-result.json', fresh('approval-1'));
    expect(codepipeline.commandCalls(StopPipelineExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { pipelineName: 'payments-api', pipelineExecutionId: 'exec-9', abandon: false, reason: expect.stringMatching(/^cicd-guardian: approval by arn:aws:sts::.*mallory@example\.com broke policy production$/) },
    ]);
    expect(posted('approval-1')).toHaveLength(1);
  });

  it("reverts a bypass to the service's known-good revision under the service's record, where the rollback sees it", async () => {
    const pk = serviceKey({ account: ACCOUNT, region: 'us-east-1', cluster: 'payments-prod', service: 'payments-api' });
    const view: ServiceView = { ...emptyServiceView({ account: ACCOUNT, region: 'us-east-1', cluster: 'payments-prod', service: 'payments-api' }), knownGood: { taskDefinitionArn: td(42), deploymentId: 'ecs-svc/1', at: '2025-06-11T09:40:05Z' } };
    await stateStore(readEnv().table, () => new Date()).updateView<ServiceView>(pk, () => view);
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'payments-api', status: 'ACTIVE', deploymentController: { type: 'ECS' }, deployments: [{ id: 'ecs-svc/4455667788990011223', status: 'PRIMARY', taskDefinition: td(43), rolloutState: 'IN_PROGRESS' }] }] });
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { status: 'ACTIVE' } });
    ecs.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/7777', status: 'PRIMARY', taskDefinition: td(42) }] } });

    await invoke('ecs-update-service.json', fresh('bypass-1'));
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'payments-prod', service: 'payments-api', taskDefinition: td(42), forceNewDeployment: false }]);
    const record = await stateStore(readEnv().table, () => new Date()).get<ServiceView>(pk);
    expect(record?.delivery.changes).toEqual([expect.objectContaining({ key: 'rollback:ecs-svc/4455667788990011223', type: 'ecs.updateService', detail: 'ecs-svc/7777' })]);

    // A second bypass within the cooldown is only alerted.
    await invoke('ecs-update-service.json', fresh('bypass-2'));
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(posted('bypass-2')).toHaveLength(1);
  });

  it('ignores a failed call and a call of its own roles', async () => {
    expect(await invoke('cloudtrail-stop-logging-denied.json')).toEqual({ status: 'ignored', reason: expect.stringMatching(/failed \(AccessDenied\)/) });
    const own = await invoke('ecs-update-service-by-guardian.json', (e) => {
      const issuer = ((e.detail as JsonObject).userIdentity as JsonObject).sessionContext as JsonObject;
      (issuer.sessionIssuer as JsonObject).arn = `arn:aws:iam::${ACCOUNT}:role/cicd-guardian-test-rollback-us-east-1`;
    });
    expect(own).toEqual({ status: 'ignored', reason: expect.stringMatching(/made by cicd-guardian/) });
  });

  it('in dry-run, shows every call and message it would make and changes nothing', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    const result = (await invoke('cloudtrail-stop-logging.json', fresh('dry-1'))) as Rehearsal;
    expect(result.status).toBe('dry-run');
    expect(result.recorded.map((c) => (c.to === 'aws' ? c.api : c.to))).toEqual(['cloudtrail:StartLogging', 'audit', 'email', 'slack']);
    expect(cloudtrail.commandCalls(StartLoggingCommand)).toHaveLength(0);
    expect(posted('dry-1')).toHaveLength(0);
  });

  it('fails on an event that is not a CloudTrail API call, so it ends in the dead-letter queue', async () => {
    await expect(createHandler({ env: readEnv() })(loadEvent('codepipeline/pipeline-started.json'), lambdaContext({ functionName: 'cicd-guardian-test-tamper', budgetMs: 30_000 }) as Context)).rejects.toThrow();
  });
});
