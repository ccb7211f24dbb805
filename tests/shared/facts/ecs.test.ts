import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type DescribeServicesCommandOutput,
  type Service,
  type ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import { CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { RollbackError } from '../../../shared/runtime/aws-errors';
import { ecsFacts, pipelineStateFacts, EcsFacts } from '../../../shared/facts/ecs';

const ecs = mockClient(ECSClient);
const codedeploy = mockClient(CodeDeployClient);
const codepipeline = mockClient(CodePipelineClient);

const ACCOUNT = '123456789012';
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/payments-prod`;
const SERVICE_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/payments-prod/payments-api`;
const td = (revision: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/payments-api:${revision}`;
const revisionArn = (id: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:service-revision/payments-prod/payments-api/${id}`;
const deploymentArn = (id: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:service-deployment/payments-prod/payments-api/${id}`;
const meta = { $metadata: { httpStatusCode: 400 } };
/** The service's account and region: the function's own. */
const PLACE = { account: ACCOUNT, region: 'us-east-1' };

/** DescribeServices answer for payments-api (rolling update, circuit breaker with rollback) while td:42 is being deployed. */
function service(overrides: Partial<Service> = {}): DescribeServicesCommandOutput {
  return {
    $metadata: {},
    failures: [],
    services: [
      {
        serviceArn: SERVICE_ARN,
        serviceName: 'payments-api',
        clusterArn: CLUSTER_ARN,
        status: 'ACTIVE',
        desiredCount: 4,
        taskDefinition: td(42),
        deploymentController: { type: 'ECS' },
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          alarms: { alarmNames: [], enable: false, rollback: false },
        },
        deployments: [
          {
            id: 'ecs-svc/3141592653589793238',
            status: 'PRIMARY',
            taskDefinition: td(42),
            desiredCount: 4,
            runningCount: 1,
            failedTasks: 2,
            createdAt: new Date('2025-06-12T14:05:00Z'),
            rolloutState: 'IN_PROGRESS',
            rolloutStateReason: 'ECS deployment ecs-svc/3141592653589793238 in progress.',
          },
          {
            id: 'ecs-svc/9876543210987654321',
            status: 'ACTIVE',
            taskDefinition: td(41),
            desiredCount: 4,
            runningCount: 4,
            failedTasks: 0,
            createdAt: new Date('2025-06-10T09:00:00Z'),
            rolloutState: 'COMPLETED',
            rolloutStateReason: 'ECS deployment ecs-svc/9876543210987654321 completed.',
          },
        ],
        ...overrides,
      },
    ],
  };
}

const brief = (id: string, status: ServiceDeploymentBrief['status'], revision: string, finishedAt?: string): ServiceDeploymentBrief => ({
  serviceDeploymentArn: deploymentArn(id),
  serviceArn: SERVICE_ARN,
  clusterArn: CLUSTER_ARN,
  createdAt: new Date(finishedAt ? Date.parse(finishedAt) - 120_000 : Date.parse('2025-06-12T14:04:58Z')),
  startedAt: new Date(finishedAt ? Date.parse(finishedAt) - 110_000 : Date.parse('2025-06-12T14:05:00Z')),
  ...(finishedAt ? { finishedAt: new Date(finishedAt) } : {}),
  targetServiceRevisionArn: revisionArn(revision),
  status,
});

/** Service revision -> task definition, as DescribeServiceRevisions answers for the ARNs it is asked about. */
function revisions(map: Record<string, string>) {
  ecs.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => ({
    serviceRevisions: input.serviceRevisionArns
      .filter((arn) => map[arn.split('/').pop() ?? ''])
      .map((arn) => ({ serviceRevisionArn: arn, serviceArn: SERVICE_ARN, clusterArn: CLUSTER_ARN, taskDefinition: map[arn.split('/').pop() ?? ''] })),
    failures: [],
  }));
}

function taskDefinitionStatuses(statuses: Record<string, 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS'>) {
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    const status = statuses[input.taskDefinition];
    if (!status) throw new ClientException({ message: 'Unable to describe task definition.', ...meta });
    return { taskDefinition: { taskDefinitionArn: input.taskDefinition, family: 'payments-api', status } };
  });
}

const errors: { call: string; error: unknown }[] = [];
const onError = (call: string, error: unknown) => errors.push({ call, error });
const describe_ = (opts: Parameters<EcsFacts['describe']>[2] = {}) => ecsFacts(PLACE).describe('payments-prod', 'payments-api', opts, onError);

beforeEach(() => {
  ecs.reset();
  codedeploy.reset();
  codepipeline.reset();
  errors.length = 0;
});

describe('facts about an ECS service', () => {
  it('reads a rolling-update service with circuit breaker and rollback, its in-flight deployment and its history', async () => {
    ecs.on(DescribeServicesCommand).resolves(service());
    ecs.on(ListServiceDeploymentsCommand, { status: ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'] }).resolves({
      serviceDeployments: [brief('r9i43YFjvgF_xlg7m2eJ1r', 'IN_PROGRESS', '42')],
    });
    ecs.on(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'] }).resolves({
      serviceDeployments: [brief('NCWGC2ZR-taawPAYrIaU5', 'SUCCESSFUL', '41', '2025-06-10T09:03:00Z'), brief('ejGvqq2ilnbKT9qj0vLJe', 'SUCCESSFUL', '40', '2025-06-01T12:00:00Z')],
    });
    revisions({ '42': td(42), '41': td(41), '40': td(40) });
    taskDefinitionStatuses({ [td(41)]: 'ACTIVE', [td(40)]: 'ACTIVE' });

    const facts = await describe_();
    expect(errors).toEqual([]);
    expect(facts).toEqual({
      controller: 'ECS',
      nativeRollbackEnabled: true,
      nativeRollbackInProgress: false,
      deployments: [
        {
          id: 'ecs-svc/3141592653589793238',
          status: 'PRIMARY',
          taskDefinition: td(42),
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/3141592653589793238 in progress.',
          createdAt: '2025-06-12T14:05:00.000Z',
        },
        {
          id: 'ecs-svc/9876543210987654321',
          status: 'ACTIVE',
          taskDefinition: td(41),
          rolloutState: 'COMPLETED',
          rolloutStateReason: 'ECS deployment ecs-svc/9876543210987654321 completed.',
          createdAt: '2025-06-10T09:00:00.000Z',
        },
      ],
      inFlight: { serviceDeploymentArn: deploymentArn('r9i43YFjvgF_xlg7m2eJ1r'), status: 'IN_PROGRESS', targetTaskDefinition: td(42) },
      successfulTaskDefinitions: [
        { taskDefinition: td(41), finishedAt: '2025-06-10T09:03:00.000Z' },
        { taskDefinition: td(40), finishedAt: '2025-06-01T12:00:00.000Z' },
      ],
      taskDefinitionStatus: { [td(41)]: 'ACTIVE', [td(40)]: 'ACTIVE' },
    });
    // One DescribeServiceRevisions call for the in-flight target and the history.
    expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input.serviceRevisionArns)).toEqual([
      [revisionArn('42'), revisionArn('41'), revisionArn('40')],
    ]);
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({ cluster: 'payments-prod', services: ['payments-api'] });
  });

  it('knows AWS rolls back by itself when deployment alarms have rollback on', async () => {
    ecs.on(DescribeServicesCommand).resolves(
      service({
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: false, rollback: false },
          alarms: { alarmNames: ['payments-api-5xx'], enable: true, rollback: true },
        },
      }),
    );
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    const facts = await describe_();
    expect(facts.nativeRollbackEnabled).toBe(true);
    expect(facts.inFlight).toBeUndefined();
  });

  it('sees a native rollback in progress in the service deployments (ROLLBACK_IN_PROGRESS)', async () => {
    ecs.on(DescribeServicesCommand).resolves(service());
    ecs.on(ListServiceDeploymentsCommand, { status: ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'] }).resolves({
      serviceDeployments: [brief('r9i43YFjvgF_xlg7m2eJ1r', 'ROLLBACK_IN_PROGRESS', '42')],
    });
    ecs.on(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'] }).resolves({ serviceDeployments: [] });
    revisions({ '42': td(42) });
    const facts = await describe_();
    expect(facts.nativeRollbackInProgress).toBe(true);
    expect(facts.inFlight).toBeUndefined();
  });

  it('sees a native rollback in progress in the rolloutStateReason, even when the service deployments cannot be read', async () => {
    ecs.on(DescribeServicesCommand).resolves(
      service({
        deployments: [
          {
            id: 'ecs-svc/2718281828459045235',
            status: 'PRIMARY',
            taskDefinition: td(41),
            createdAt: new Date('2025-06-12T14:13:41Z'),
            rolloutState: 'IN_PROGRESS',
            rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/9876543210987654321.',
          },
          { id: 'ecs-svc/3141592653589793238', status: 'ACTIVE', taskDefinition: td(42), rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' },
        ],
      }),
    );
    ecs.on(ListServiceDeploymentsCommand).rejects(new AccessDeniedException({ message: 'not authorized to perform: ecs:ListServiceDeployments', ...meta }));
    const facts = await describe_();
    expect(facts.nativeRollbackInProgress).toBe(true);
    expect(errors.map((e) => e.call)).toEqual(['ListServiceDeployments', 'ListServiceDeployments']);
  });

  it('lists successful task definitions newest first, skipping other statuses and repeats, across pages', async () => {
    ecs.on(DescribeServicesCommand).resolves(service({ deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: td(44), rolloutState: 'COMPLETED' }] }));
    ecs.on(ListServiceDeploymentsCommand, { status: ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'] }).resolves({ serviceDeployments: [] });
    // Out of order, with statuses the filter should have excluded and a forced redeploy of td:43.
    ecs
      .on(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'], nextToken: undefined })
      .resolves({
        serviceDeployments: [
          brief('a', 'SUCCESSFUL', 'r41', '2025-05-01T10:00:00Z'),
          brief('b', 'ROLLBACK_SUCCESSFUL', 'r42', '2025-05-20T10:00:00Z'),
          brief('c', 'SUCCESSFUL', 'r44', '2025-06-10T10:00:00Z'),
        ],
        nextToken: 'page-2',
      })
      .on(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'], nextToken: 'page-2' })
      .resolves({
        serviceDeployments: [brief('d', 'STOPPED', 'r45', '2025-06-11T10:00:00Z'), brief('e', 'SUCCESSFUL', 'r43b', '2025-06-01T10:00:00Z'), brief('f', 'SUCCESSFUL', 'r43', '2025-05-25T10:00:00Z')],
      });
    revisions({ r41: td(41), r42: td(42), r43: td(43), r43b: td(43), r44: td(44), r45: td(45) });
    taskDefinitionStatuses({ [td(43)]: 'ACTIVE', [td(41)]: 'INACTIVE' });

    const facts = await describe_();
    expect(facts.successfulTaskDefinitions).toEqual([
      { taskDefinition: td(44), finishedAt: '2025-06-10T10:00:00.000Z' },
      { taskDefinition: td(43), finishedAt: '2025-06-01T10:00:00.000Z' },
      { taskDefinition: td(41), finishedAt: '2025-05-01T10:00:00.000Z' },
    ]);
    // td:44 is running: only the older ones are candidates to roll back to.
    expect(facts.taskDefinitionStatus).toEqual({ [td(43)]: 'ACTIVE', [td(41)]: 'INACTIVE' });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([td(43), td(41)]);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'] })).toHaveLength(2);
  });

  it('reads the status of a recorded known-good task definition, and reports one it cannot describe', async () => {
    ecs.on(DescribeServicesCommand).resolves(service());
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    taskDefinitionStatuses({ 'payments-api:39': 'INACTIVE' });
    const facts = await describe_({ candidates: ['payments-api:39', 'payments-api:12'] });
    expect(facts.taskDefinitionStatus).toEqual({ 'payments-api:39': 'INACTIVE' });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.call).toBe('DescribeTaskDefinition');
  });

  it('finds the in-progress CodeDeploy deployment of a CODE_DEPLOY service, without reading ECS history', async () => {
    ecs.on(DescribeServicesCommand).resolves(
      service({
        deploymentController: { type: 'CODE_DEPLOY' },
        deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
        deployments: [],
        taskSets: [],
      }),
    );
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-ABCDEF123'] });
    const facts = await describe_({ codeDeploy: { application: 'AppECS-payments', deploymentGroup: 'DgpECS-payments-api' } });
    expect(facts.controller).toBe('CODE_DEPLOY');
    expect(facts.nativeRollbackEnabled).toBe(false);
    expect(facts.codeDeployDeploymentId).toBe('d-ABCDEF123');
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0]?.args[0].input).toEqual({
      applicationName: 'AppECS-payments',
      deploymentGroupName: 'DgpECS-payments-api',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'],
    });
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(0);
    expect(errors).toEqual([]);
  });

  it('reports a CODE_DEPLOY service without a configured deployment group, and never builds the CodeDeploy client', async () => {
    let built = 0;
    const facts = new EcsFacts(new ECSClient({}), () => (built++, new CodeDeployClient({})));
    ecs.on(DescribeServicesCommand).resolves(service({ deploymentController: { type: 'CODE_DEPLOY' }, deployments: [] }));
    const result = await facts.describe('payments-prod', 'payments-api', {}, onError);
    expect(result.codeDeployDeploymentId).toBeUndefined();
    expect(built).toBe(0);
    expect(errors[0]?.call).toBe('ListDeployments');
    expect((errors[0]?.error as RollbackError).hint).toMatch(/codeDeploy \{application, deploymentGroup\}/);
  });

  it('reads an EXTERNAL service without any history or CodeDeploy call', async () => {
    ecs.on(DescribeServicesCommand).resolves(service({ deploymentController: { type: 'EXTERNAL' }, deploymentConfiguration: {}, deployments: [] }));
    const facts = await describe_();
    expect(facts).toEqual({
      controller: 'EXTERNAL',
      nativeRollbackEnabled: false,
      nativeRollbackInProgress: false,
      deployments: [],
      successfulTaskDefinitions: [],
      taskDefinitionStatus: {},
    });
    expect(ecs.calls()).toHaveLength(1);
    expect(codedeploy.calls()).toHaveLength(0);
  });

  it('throws a RollbackError naming cluster and service when the service is missing', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
    const error = await describe_().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackError);
    expect(error).toMatchObject({ service: 'payments-prod/payments-api', retryable: false });
    expect((error as RollbackError).message).toBe(
      'ECS service payments-prod/payments-api not found (MISSING). Check rollback.services in guardian.yml: ECS service "payments-api" must exist in cluster "payments-prod" in the function\'s region.',
    );
  });

  it('throws a RollbackError when the service was deleted (INACTIVE) or the cluster does not exist', async () => {
    ecs.on(DescribeServicesCommand).resolves(service({ status: 'INACTIVE' }));
    await expect(describe_()).rejects.toThrow(/payments-prod\/payments-api not found \(the service is INACTIVE \(deleted\)\)/);
    ecs.on(DescribeServicesCommand).rejects(new ClusterNotFoundException({ message: 'Cluster not found.', ...meta }));
    await expect(describe_()).rejects.toMatchObject({ name: 'RollbackError', retryable: false, service: 'payments-prod/payments-api' });
  });

  it('degrades when the history cannot be read: facts without history, the error reported', async () => {
    ecs.on(DescribeServicesCommand).resolves(service());
    ecs.on(ListServiceDeploymentsCommand, { status: ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'] }).resolves({
      serviceDeployments: [brief('r9i43YFjvgF_xlg7m2eJ1r', 'IN_PROGRESS', '42')],
    });
    ecs.on(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'] }).resolves({ serviceDeployments: [brief('x', 'SUCCESSFUL', '41', '2025-06-10T09:03:00Z')] });
    ecs.on(DescribeServiceRevisionsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', ...meta }));
    const facts = await describe_({ candidates: [td(41)] });
    expect(errors.map((e) => e.call)).toEqual(['DescribeServiceRevisions', 'DescribeTaskDefinition']);
    expect(facts.successfulTaskDefinitions).toEqual([]);
    // The PRIMARY deployment of a rolling update stands in for the in-flight target.
    expect(facts.inFlight).toEqual({ serviceDeploymentArn: deploymentArn('r9i43YFjvgF_xlg7m2eJ1r'), status: 'IN_PROGRESS', targetTaskDefinition: td(42) });
  });
});

describe('the task definition of a deployment', () => {
  it('is read from DescribeServices while the deployment is listed', async () => {
    ecs.on(DescribeServicesCommand).resolves(service());
    const errors: string[] = [];
    const onError = (call: string) => errors.push(call);
    expect(await ecsFacts(PLACE).deployedTaskDefinition('payments-prod', 'payments-api', 'ecs-svc/9876543210987654321', onError)).toBe(td(41));
    expect(await ecsFacts(PLACE).deployedTaskDefinition('payments-prod', 'payments-api', 'ecs-svc/0', onError)).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('is best-effort: an error is reported, not thrown', async () => {
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: {} }));
    const errors: string[] = [];
    expect(await ecsFacts(PLACE).deployedTaskDefinition('payments-prod', 'payments-api', 'ecs-svc/1', (call) => errors.push(call))).toBeUndefined();
    expect(errors).toEqual(['DescribeServices']);
  });
});

describe('the pipeline execution deploying a stage', () => {
  it('is the latest execution of that stage', async () => {
    codepipeline.on(GetPipelineStateCommand, { name: 'payments-pipeline' }).resolves({
      pipelineName: 'payments-pipeline',
      pipelineVersion: 3,
      stageStates: [
        { stageName: 'Source', latestExecution: { pipelineExecutionId: 'c3f1a3b2-0000-4000-8000-000000000002', status: 'Succeeded' } },
        {
          stageName: 'Deploy',
          inboundTransitionState: { enabled: true },
          latestExecution: { pipelineExecutionId: 'c3f1a3b2-0000-4000-8000-000000000001', status: 'InProgress' },
        },
      ],
    });
    expect(await pipelineStateFacts(PLACE).deployingExecution('payments-pipeline', 'Deploy')).toBe('c3f1a3b2-0000-4000-8000-000000000001');
    expect(await pipelineStateFacts(PLACE).deployingExecution('payments-pipeline', 'Test')).toBeUndefined();
  });
});
