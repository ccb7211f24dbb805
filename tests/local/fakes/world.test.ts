// The fake AWS world (local/fakes), installed in this process and called by
// the real SDK clients the functions use: what they get back must have the
// shapes the API references document, or a local run proves nothing about AWS.
// Each test gets a fresh world, as each local run does.
import {
  CodePipelineClient,
  DeletePipelineCommand,
  DisableStageTransitionCommand,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  PipelineExecutionNotFoundException,
  StageNotFoundException,
  ValidationException,
} from '@aws-sdk/client-codepipeline';
import {
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ServiceDeploymentNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CreateTagsCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { BuildFacts } from '../../../shared/facts/codebuild';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcsFacts } from '../../../shared/facts/ecs';
import { loadScenario } from '../../../local/scenario';
import { installFakeAws, type FakeAws } from '../../../local/fakes/world';

// The payments-api world of local/fakes/payments/, as events/scenarios/ tell it.
const PAYMENTS_COMMIT = '4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7';
const PAYMENTS_COMMIT_MESSAGE = 'Add idempotency keys to the refund endpoint';
const PAYMENTS_EXECUTION_ID = '2626f4d3-6125-49ec-b3c8-3074348bc840';
const PAYMENTS_IN_FLIGHT_DEPLOYMENT = 'ecs-svc/1234567890123456789';
const PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/Qm3xK8vT2pL9wR4nB7cYdE';
const PAYMENTS_PREVIOUS_DEPLOYMENT = 'ecs-svc/9876543210987654321';
const PAYMENTS_ROLLBACK_DEPLOYMENT = 'ecs-svc/5647382910564738291';
const paymentsTaskDefinitionArn = (revision: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:${revision}`;

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-local';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let aws: FakeAws;
let sns: SNSClient;
let codepipeline: CodePipelineClient;

beforeEach(() => {
  aws = installFakeAws();
});
afterEach(() => aws.close());

beforeAll(() => {
  sns = new SNSClient({ region: 'us-east-1', credentials });
  codepipeline = new CodePipelineClient({ region: 'us-east-1', credentials });
});
afterAll(() => {
  sns.destroy();
  codepipeline.destroy();
});

describe('SNS Publish', () => {
  it('returns a MessageId and records the email', async () => {
    const res = await sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'payments-api FAILED', Message: 'body\nline 2' }));
    expect(res.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.$metadata.requestId).toBeTruthy();
    expect(aws.published.at(-1)).toEqual({ topicArn: TOPIC, subject: 'payments-api FAILED', message: 'body\nline 2', messageId: res.MessageId });
  });

  it('rejects what SNS rejects: a subject of 100 characters or with a line break', async () => {
    const count = aws.published.length;
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'x'.repeat(100), Message: 'm' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'a\nb', Message: 'm' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(aws.published).toHaveLength(count);
  });

  it('fails as scripted (throttling, then access denied), then answers again', async () => {
    aws.failNext('Publish', { status: 400, code: 'Throttled', message: 'Rate exceeded' });
    aws.failNext('Publish', { status: 403, code: 'AuthorizationError', message: 'not authorized to perform: SNS:Publish' });
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }))).rejects.toMatchObject({
      name: 'ThrottledException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }))).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }))).resolves.toHaveProperty('MessageId');
    expect(aws.calls.filter((c) => c.operation === 'Publish').slice(-3).map((c) => c.errorCode)).toEqual(['Throttled', 'AuthorizationError', undefined]);
  });
});

describe('STS GetCallerIdentity', () => {
  it('names the local account, as whoever signs with the local credentials (`sls invoke local` asks it for its own account)', async () => {
    const sts = new STSClient({ region: 'us-east-1', credentials });
    try {
      const res = await sts.send(new GetCallerIdentityCommand({}));
      expect({ account: res.Account, arn: res.Arn, userId: res.UserId }).toEqual({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/local', userId: expect.any(String) });
      expect(aws.calls.at(-1)).toMatchObject({ service: 'sts', operation: 'GetCallerIdentity', status: 200 });
    } finally {
      sts.destroy();
    }
  });
});

describe('CodeBuild BatchGetBuilds', () => {
  it("gives the failed build a pipeline action names its phases, through the notify function's own reader", async () => {
    const codebuild = new CodeBuildClient({ region: 'us-east-1', credentials });
    const onError = jest.fn();
    try {
      const failure = await new BuildFacts(codebuild).failure('payments-api-build:719caa98-f5d7-47e4-a09e-3753cb98f760', onError);
      expect(onError).not.toHaveBeenCalled();
      expect(failure).toMatchObject({
        buildId: 'payments-api-build:719caa98-f5d7-47e4-a09e-3753cb98f760',
        phase: 'BUILD',
        code: 'COMMAND_EXECUTION_ERROR',
        message: 'Error while executing command: npm run build. Reason: exit status 2',
        logsUrl: expect.stringMatching(/^https:\/\/console\.aws\.amazon\.com\/cloudwatch\/.*stream=719caa98/),
      });
    } finally {
      codebuild.destroy();
    }
  });

  it('lists ids it does not know in buildsNotFound, as CodeBuild does, so the reader says nothing rather than fail', async () => {
    const codebuild = new CodeBuildClient({ region: 'us-east-1', credentials });
    const onError = jest.fn();
    try {
      expect(await new BuildFacts(codebuild).failure('other-project:00000000-0000-0000-0000-000000000000', onError)).toBeUndefined();
      expect(onError).not.toHaveBeenCalled();
      expect(aws.calls.at(-1)).toMatchObject({ service: 'codebuild', operation: 'BatchGetBuilds', status: 200 });
    } finally {
      codebuild.destroy();
    }
  });
});

describe('CodePipeline', () => {
  it('GetPipelineExecution: the execution with its source revision', async () => {
    const { pipelineExecution } = await codepipeline.send(
      new GetPipelineExecutionCommand({ pipelineName: 'payments-api', pipelineExecutionId: PAYMENTS_EXECUTION_ID }),
    );
    expect(pipelineExecution).toMatchObject({
      pipelineName: 'payments-api',
      pipelineExecutionId: PAYMENTS_EXECUTION_ID,
      pipelineVersion: 13,
      status: 'Failed',
      trigger: { triggerType: 'StartPipelineExecution' },
    });
    const [revision] = pipelineExecution!.artifactRevisions!;
    expect(revision!.revisionId).toBe(PAYMENTS_COMMIT);
    // The same commit, summary and link as the scenario's source action reports, so a local run tells one story.
    const sourceEvent = loadScenario()
      .map(({ event }) => event.detail as Record<string, unknown>)
      .find((d) => d.stage === 'Source' && d.action !== undefined && d.state === 'SUCCEEDED');
    expect(sourceEvent).toMatchObject({
      'execution-id': PAYMENTS_EXECUTION_ID,
      'execution-result': {
        'external-execution-id': revision!.revisionId,
        'external-execution-summary': revision!.revisionSummary,
        'external-execution-url': revision!.revisionUrl,
      },
    });
    expect(JSON.parse(revision!.revisionSummary!)).toEqual({ ProviderType: 'GitHub', CommitMessage: PAYMENTS_COMMIT_MESSAGE });
    expect(revision!.revisionUrl).toMatch(/^https:\/\//);
    // awsJson timestamps travel as epoch seconds; the SDK makes Dates of them.
    expect(revision!.created).toEqual(new Date('2025-06-12T13:58:40Z'));
  });

  it('GetPipeline: stages in pipeline order', async () => {
    const res = await codepipeline.send(new GetPipelineCommand({ name: 'payments-api' }));
    expect(res.pipeline!.stages!.map((s) => s.name)).toEqual(['Source', 'Build', 'Deploy']);
    expect(res.pipeline!.stages![2]!.actions![0]).toMatchObject({ name: 'DeployToEcs', actionTypeId: { category: 'Deploy', provider: 'ECS' } });
    expect(res.metadata!.pipelineArn).toBe('arn:aws:codepipeline:us-east-1:123456789012:payments-api');
    expect(res.metadata!.updated).toBeInstanceOf(Date);
  });

  it('ListActionExecutions: source variables and the failed Deploy action with its error details', async () => {
    const { actionExecutionDetails } = await codepipeline.send(
      new ListActionExecutionsCommand({ pipelineName: 'payments-api', filter: { pipelineExecutionId: PAYMENTS_EXECUTION_ID }, maxResults: 100 }),
    );
    const source = actionExecutionDetails!.find((d) => d.input?.actionTypeId?.category === 'Source');
    expect(source!.output!.outputVariables).toMatchObject({
      BranchName: 'main',
      CommitId: PAYMENTS_COMMIT,
      CommitMessage: PAYMENTS_COMMIT_MESSAGE,
      FullRepositoryName: 'example-org/payments-api',
      AuthorDisplayName: expect.any(String),
    });
    const failed = actionExecutionDetails!.filter((d) => d.status === 'Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      stageName: 'Deploy',
      actionName: 'DeployToEcs',
      output: { executionResult: { errorDetails: { code: 'JobFailed', message: expect.stringContaining('tasks failed to start') } } },
    });
    expect(failed[0]!.startTime).toBeInstanceOf(Date);
  });

  it('an unknown execution is PipelineExecutionNotFoundException', async () => {
    await expect(
      codepipeline.send(new GetPipelineExecutionCommand({ pipelineName: 'payments-api', pipelineExecutionId: '00000000-0000-4000-8000-000000000000' })),
    ).rejects.toBeInstanceOf(PipelineExecutionNotFoundException);
  });

  it('fails as scripted: throttling, access denied', async () => {
    aws.failNext('GetPipelineExecution', { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    aws.failNext('ListActionExecutions', { status: 400, code: 'AccessDeniedException', message: 'not authorized' });
    await expect(
      codepipeline.send(new GetPipelineExecutionCommand({ pipelineName: 'payments-api', pipelineExecutionId: PAYMENTS_EXECUTION_ID })),
    ).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    await expect(codepipeline.send(new ListActionExecutionsCommand({ pipelineName: 'payments-api' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // One failure each: the next calls succeed.
    await expect(
      codepipeline.send(new GetPipelineExecutionCommand({ pipelineName: 'payments-api', pipelineExecutionId: PAYMENTS_EXECUTION_ID })),
    ).resolves.toHaveProperty('pipelineExecution');
  });
});

describe('CodePipeline for the rollback function', () => {
  it('GetPipelineState: each stage with its latest execution and inbound transition', async () => {
    const res = await codepipeline.send(new GetPipelineStateCommand({ name: 'payments-api' }));
    expect(res.pipelineName).toBe('payments-api');
    expect(res.pipelineVersion).toBe(13);
    expect(res.stageStates!.map((st) => st.stageName)).toEqual(['Source', 'Build', 'Deploy']);
    const deploy = res.stageStates!.find((st) => st.stageName === 'Deploy')!;
    expect(deploy.latestExecution).toEqual({ pipelineExecutionId: PAYMENTS_EXECUTION_ID, status: 'Failed' });
    expect(deploy.inboundTransitionState).toEqual({ enabled: true });
    expect(deploy.actionStates![0]).toMatchObject({ actionName: 'DeployToEcs', latestExecution: { status: 'Failed', errorDetails: { code: 'JobFailed' } } });
    expect(deploy.actionStates![0]!.latestExecution!.lastStatusChange).toBeInstanceOf(Date);
    expect(res.created).toBeInstanceOf(Date);
  });

  it('DisableStageTransition: disables the transition, records the change, and validates what CodePipeline validates', async () => {
    const client = new CodePipelineClient({ region: 'us-east-1', credentials });
    try {
      const seen: unknown[] = [];
      aws.onChange = (change) => seen.push(change);
      await expect(
        client.send(new DisableStageTransitionCommand({ pipelineName: 'payments-api', stageName: 'Deploy', transitionType: 'Inbound', reason: 'cicd-guardian rolled back payments-prod payments-api' })),
      ).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
      const change = { service: 'codepipeline', operation: 'DisableStageTransition', target: 'payments-api/Deploy', detail: { transitionType: 'Inbound', reason: 'cicd-guardian rolled back payments-prod payments-api' } };
      expect(aws.changes).toEqual([change]);
      expect(seen).toEqual([change]);
      const state = await client.send(new GetPipelineStateCommand({ name: 'payments-api' }));
      expect(state.stageStates!.find((st) => st.stageName === 'Deploy')!.inboundTransitionState).toMatchObject({
        enabled: false,
        disabledReason: 'cicd-guardian rolled back payments-prod payments-api',
        lastChangedAt: expect.any(Date),
      });

      await expect(
        client.send(new DisableStageTransitionCommand({ pipelineName: 'payments-api', stageName: 'Verify', transitionType: 'Inbound', reason: 'x' })),
      ).rejects.toBeInstanceOf(StageNotFoundException);
      // "/" is not in the reason's pattern [a-zA-Z0-9!@ ().*?-]+.
      await expect(
        client.send(new DisableStageTransitionCommand({ pipelineName: 'payments-api', stageName: 'Deploy', transitionType: 'Inbound', reason: 'rolled back payments-prod/payments-api' })),
      ).rejects.toBeInstanceOf(ValidationException);
      expect(aws.changes).toHaveLength(1);
    } finally {
      client.destroy();
    }
  });
});

describe('ECS', () => {
  let ecs: ECSClient;
  beforeAll(() => {
    ecs = new ECSClient({ region: 'us-east-1', credentials });
  });
  afterAll(() => ecs.destroy());

  it('records each call: service, operation, input, and the access key of the credentials the client signs with', async () => {
    await ecs.send(new DescribeServicesCommand({ cluster: 'payments-prod', services: ['payments-api'] }));
    expect(aws.calls.at(-1)).toEqual({ service: 'ecs', operation: 'DescribeServices', input: { cluster: 'payments-prod', services: ['payments-api'] }, status: 200, signedBy: 'test' });
  });

  it('DescribeServices: the ECS controller, circuit breaker without rollback, the in-flight PRIMARY deployment on :42', async () => {
    const res = await ecs.send(new DescribeServicesCommand({ cluster: 'payments-prod', services: ['payments-api'] }));
    expect(res.failures).toEqual([]);
    const [service] = res.services!;
    expect(service).toMatchObject({
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/payments-prod/payments-api',
      serviceName: 'payments-api',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/payments-prod',
      status: 'ACTIVE',
      taskDefinition: paymentsTaskDefinitionArn(42),
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
      currentServiceDeployment: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT,
    });
    expect(service!.createdAt).toBeInstanceOf(Date);
    expect(service!.deployments).toEqual([
      expect.objectContaining({ id: PAYMENTS_IN_FLIGHT_DEPLOYMENT, status: 'PRIMARY', taskDefinition: paymentsTaskDefinitionArn(42), rolloutState: 'IN_PROGRESS', createdAt: expect.any(Date) }),
      expect.objectContaining({ id: PAYMENTS_PREVIOUS_DEPLOYMENT, status: 'ACTIVE', taskDefinition: paymentsTaskDefinitionArn(41), rolloutState: 'COMPLETED' }),
    ]);
    // The cluster and service may be given by ARN.
    const byArn = await ecs.send(new DescribeServicesCommand({ cluster: service!.clusterArn, services: [service!.serviceArn!] }));
    expect(byArn.services![0]!.serviceName).toBe('payments-api');
  });

  it('DescribeServices: an unknown service is a MISSING failure, an unknown cluster ClusterNotFoundException', async () => {
    const res = await ecs.send(new DescribeServicesCommand({ cluster: 'payments-prod', services: ['refunds-api'] }));
    expect(res.services).toEqual([]);
    expect(res.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/payments-prod/refunds-api', reason: 'MISSING' }]);
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'payments-staging', services: ['payments-api'] }))).rejects.toBeInstanceOf(ClusterNotFoundException);
  });

  it('ListServiceDeployments: in-flight and SUCCESSFUL history by status filter, newest first, paginated', async () => {
    const inFlight = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'], maxResults: 100 }),
    );
    expect(inFlight.serviceDeployments).toEqual([
      expect.objectContaining({
        serviceDeploymentArn: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT,
        serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/payments-prod/payments-api',
        clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/payments-prod',
        status: 'IN_PROGRESS',
        startedAt: expect.any(Date),
        targetServiceRevisionArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:123456789012:service-revision\/payments-prod\/payments-api\/\d+$/),
      }),
    ]);
    expect(inFlight.nextToken).toBeUndefined();

    const history = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['SUCCESSFUL'] }));
    expect(history.serviceDeployments!.map((d) => d.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    const finished = history.serviceDeployments!.map((d) => d.finishedAt!.getTime());
    expect(finished).toEqual([...finished].sort((a, b) => b - a));

    const first = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['SUCCESSFUL'], maxResults: 1 }));
    expect(first.serviceDeployments).toHaveLength(1);
    const second = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['SUCCESSFUL'], maxResults: 1, nextToken: first.nextToken }));
    expect(second.nextToken).toBeUndefined();
    expect([...first.serviceDeployments!, ...second.serviceDeployments!]).toEqual(history.serviceDeployments);
  });

  it('DescribeServiceRevisions and DescribeTaskDefinition: the revisions behind the deployments and whether they can still be deployed', async () => {
    const history = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['SUCCESSFUL'] }));
    const arns = history.serviceDeployments!.map((d) => d.targetServiceRevisionArn!);
    const res = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...arns, 'arn:aws:ecs:us-east-1:123456789012:service-revision/payments-prod/payments-api/1'] }));
    expect(res.serviceRevisions!.map((r) => r.taskDefinition)).toEqual([paymentsTaskDefinitionArn(41), paymentsTaskDefinitionArn(40)]);
    expect(res.serviceRevisions![0]).toMatchObject({ serviceRevisionArn: arns[0], launchType: 'FARGATE', createdAt: expect.any(Date) });
    expect(res.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service-revision/payments-prod/payments-api/1', reason: 'MISSING' }]);

    const good = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: paymentsTaskDefinitionArn(41) }));
    expect(good.taskDefinition).toMatchObject({ family: 'payments-api', revision: 41, status: 'ACTIVE', registeredAt: expect.any(Date) });
    const old = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'payments-api:40' }));
    expect(old.taskDefinition).toMatchObject({ revision: 40, status: 'INACTIVE' });
    // A family alone names its latest ACTIVE revision.
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'payments-api' }))).taskDefinition!.revision).toBe(42);
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'payments-api:7' }))).rejects.toBeInstanceOf(ClientException);
  });

  it('the rollback function\'s facts module reads the service as the scenario describes it', async () => {
    const errors: unknown[] = [];
    const facts = await new EcsFacts(ecs, () => new CodeDeployClient({})).describe('payments-prod', 'payments-api', {}, (call, error) => errors.push({ call, error }));
    expect(errors).toEqual([]);
    expect(facts).toMatchObject({
      controller: 'ECS',
      nativeRollbackEnabled: false,
      nativeRollbackInProgress: false,
      inFlight: { serviceDeploymentArn: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT, status: 'IN_PROGRESS', targetTaskDefinition: paymentsTaskDefinitionArn(42) },
      successfulTaskDefinitions: [{ taskDefinition: paymentsTaskDefinitionArn(41) }, { taskDefinition: paymentsTaskDefinitionArn(40) }].map(expect.objectContaining),
      taskDefinitionStatus: { [paymentsTaskDefinitionArn(41)]: 'ACTIVE', [paymentsTaskDefinitionArn(40)]: 'INACTIVE' },
    });
  });

  describe('changes', () => {
    let client: ECSClient;
    beforeEach(() => {
      client = new ECSClient({ region: 'us-east-1', credentials });
    });
    afterEach(() => client.destroy());

    it('StopServiceDeployment (ROLLBACK): the deployment reads ROLLBACK_REQUESTED, ECS rolls back to :41 under the scenario\'s deployment id, the change is recorded', async () => {
      const seen: unknown[] = [];
      aws.onChange = (change) => seen.push(change);
      const res = await client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' }));
      expect(res.serviceDeploymentArn).toBe(PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT);
      const change = { service: 'ecs', operation: 'StopServiceDeployment', target: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT, detail: { stopType: 'ROLLBACK' } };
      expect(aws.changes).toEqual([change]);
      expect(seen).toEqual([change]);

      const active = await client.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['ROLLBACK_REQUESTED'] }));
      expect(active.serviceDeployments).toEqual([expect.objectContaining({ serviceDeploymentArn: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT, status: 'ROLLBACK_REQUESTED' })]);
      const inProgress = await client.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['IN_PROGRESS'] }));
      expect(inProgress.serviceDeployments).toEqual([]);

      const { services } = await client.send(new DescribeServicesCommand({ cluster: 'payments-prod', services: ['payments-api'] }));
      expect(services![0]!.taskDefinition).toBe(paymentsTaskDefinitionArn(41));
      expect(services![0]!.deployments![0]).toMatchObject({ id: PAYMENTS_ROLLBACK_DEPLOYMENT, status: 'PRIMARY', taskDefinition: paymentsTaskDefinitionArn(41), rolloutState: 'IN_PROGRESS' });
      expect(services![0]!.deployments!.find((d) => d.id === PAYMENTS_IN_FLIGHT_DEPLOYMENT)).toMatchObject({ status: 'ACTIVE', rolloutState: 'FAILED' });

      // Stopped once: stopping it again is a conflict; an unknown deployment is not found.
      await expect(client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' }))).rejects.toBeInstanceOf(ConflictException);
      await expect(
        client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: `${PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT.replace(/[^/]+$/, '')}nope`, stopType: 'ROLLBACK' })),
      ).rejects.toBeInstanceOf(ServiceDeploymentNotFoundException);
      expect(aws.changes).toHaveLength(1);
    });

    it('UpdateService: deploys an ACTIVE task definition as the new PRIMARY, refuses an INACTIVE one', async () => {
      await expect(client.send(new UpdateServiceCommand({ cluster: 'payments-prod', service: 'payments-api', taskDefinition: paymentsTaskDefinitionArn(40) }))).rejects.toMatchObject({
        name: 'ClientException',
        message: expect.stringMatching(/inactive/i),
      });
      const res = await client.send(new UpdateServiceCommand({ cluster: 'payments-prod', service: 'payments-api', taskDefinition: paymentsTaskDefinitionArn(41), forceNewDeployment: false }));
      const primary = res.service!.deployments!.find((d) => d.status === 'PRIMARY')!;
      expect(primary).toMatchObject({ id: expect.stringMatching(/^ecs-svc\/\d{19}$/), taskDefinition: paymentsTaskDefinitionArn(41), rolloutState: 'IN_PROGRESS' });
      expect(primary.id).not.toBe(PAYMENTS_IN_FLIGHT_DEPLOYMENT);
      expect(res.service!.taskDefinition).toBe(paymentsTaskDefinitionArn(41));
      expect(aws.changes).toEqual([
        {
          service: 'ecs',
          operation: 'UpdateService',
          target: 'arn:aws:ecs:us-east-1:123456789012:service/payments-prod/payments-api',
          detail: { taskDefinition: paymentsTaskDefinitionArn(41), forceNewDeployment: 'false' },
        },
      ]);
      // The deployment it replaced was superseded; the new one is in flight.
      const listed = await client.send(new ListServiceDeploymentsCommand({ cluster: 'payments-prod', service: 'payments-api', status: ['IN_PROGRESS', 'STOPPED'] }));
      expect(listed.serviceDeployments!.map((d) => [d.status, d.serviceDeploymentArn === PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT])).toEqual([
        ['IN_PROGRESS', false],
        ['STOPPED', true],
      ]);
    });
  });
});

describe('EC2 changes for the remediate function', () => {
  it('names what a call on a list of resources acts on: CreateTags its instances, as the local runner prints the change', async () => {
    const ec2 = new EC2Client({ region: 'us-east-1', credentials });
    try {
      await ec2.send(new CreateTagsCommand({ Resources: ['i-0a1b2c3d4e5f60789'], Tags: [{ Key: 'guardian:finding', Value: 'a4c9e8f1b2d3c4e5f6a7b8c9d0e1f2a3' }] }));
      await ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0a1b2c3d4e5f60789', 'i-0b2c3d4e5f6071890'] }));
      expect(aws.changes.map((c) => `${c.operation} ${c.target}`)).toEqual(['CreateTags i-0a1b2c3d4e5f60789', 'StopInstances i-0a1b2c3d4e5f60789, i-0b2c3d4e5f6071890']);
    } finally {
      ec2.destroy();
    }
  });
});

describe('events/scenarios/ecs-crash-on-start tells the story the ECS data describes', () => {
  const dir = join(__dirname, '..', '..', '..', 'events', 'scenarios', 'ecs-crash-on-start');
  const events = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; time: string; detail: Record<string, unknown> });

  it('has unique event ids and increasing times', () => {
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const times = events.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('its tasks belong to the in-flight deployment on :42, its last events to the rollback deployment', () => {
    const tasks = events.filter((e) => 'taskArn' in e.detail);
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    for (const t of tasks) expect(t.detail).toMatchObject({ startedBy: PAYMENTS_IN_FLIGHT_DEPLOYMENT, taskDefinitionArn: paymentsTaskDefinitionArn(42) });
    expect(events[0]!.detail).toMatchObject({ eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS', deploymentId: PAYMENTS_IN_FLIGHT_DEPLOYMENT });
    expect(events.slice(-2).map((e) => [e.detail.eventName, e.detail.deploymentId])).toEqual([
      ['SERVICE_DEPLOYMENT_IN_PROGRESS', PAYMENTS_ROLLBACK_DEPLOYMENT],
      ['SERVICE_DEPLOYMENT_COMPLETED', PAYMENTS_ROLLBACK_DEPLOYMENT],
    ]);
  });
});

it('answers an operation it does not serve with the error AWS gives an unknown operation, so nothing reaches AWS', async () => {
  const ssm = new SSMClient({ region: 'us-east-1', credentials });
  try {
    await expect(ssm.send(new GetParameterCommand({ Name: '/cicd-guardian/slack/bot-token', WithDecryption: true }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
  } finally {
    ssm.destroy();
  }
  await expect(codepipeline.send(new DeletePipelineCommand({ name: 'payments-api' }))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  // awsQuery services name it InvalidAction.
  await expect(sns.send(new CreateTopicCommand({ Name: 'other' }))).rejects.toMatchObject({ name: 'InvalidAction', $metadata: { httpStatusCode: 400 } });
  expect(aws.calls.map((c) => `${c.service} ${c.operation} ${c.errorCode}`)).toEqual([
    'ssm GetParameter UnknownOperationException',
    'codepipeline DeletePipeline UnknownOperationException',
    'sns CreateTopic InvalidAction',
  ]);
});
