// The local AWS stand-in, spoken to by the real SDK clients the function uses:
// what they get back must have the shapes the API references document, or a
// local run proves nothing about AWS.
import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  PipelineExecutionNotFoundException,
} from '@aws-sdk/client-codepipeline';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadScenario } from '../../local/scenario';
import { PAYMENTS_COMMIT, PAYMENTS_COMMIT_MESSAGE, PAYMENTS_EXECUTION_ID, startAwsStandIn, type AwsStandIn } from '../../local/aws-stand-in';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-local';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let aws: AwsStandIn;
let sns: SNSClient;
let codepipeline: CodePipelineClient;

beforeAll(async () => {
  aws = await startAwsStandIn();
  // maxAttempts 1: scripted failures reach the test instead of being retried away.
  sns = new SNSClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  codepipeline = new CodePipelineClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  sns.destroy();
  codepipeline.destroy();
  await aws.close();
});

describe('SNS Publish (awsQuery)', () => {
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

describe('CodePipeline (awsJson1_1)', () => {
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

it('answers an operation it does not serve with UnknownOperationException', async () => {
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    await expect(ssm.send(new GetParameterCommand({ Name: '/cicd-guardian/slack/bot-token', WithDecryption: true }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
  } finally {
    ssm.destroy();
  }
  const res = await fetch(`${aws.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodePipeline_20150709.DeletePipeline' },
    body: JSON.stringify({ name: 'payments-api' }),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ __type: 'UnknownOperationException', message: expect.any(String) });
});
