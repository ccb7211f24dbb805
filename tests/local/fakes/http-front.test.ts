// The HTTP front of the fake AWS world, for callers in another process
// (`sls invoke local` through AWS_ENDPOINT_URL): real SDK clients in a child
// process speak AWS JSON and awsQuery to it, and get what the same fakes
// answer in process. (In this process the SDK clients are the mocked ones,
// so the callers must be elsewhere.)
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startAwsFront, type AwsFront } from '../../../local/fakes/http-front';
import { installFakeAws, type FakeAws } from '../../../local/fakes/world';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { REPO } from '../../helpers/invoke-local';

/** Runs `calls` (CommonJS, top-level await inside an async function) with SDK clients pointed at `endpoint`; resolves to what it prints as JSON. */
function inAnotherProcess(endpoint: string, calls: string): Promise<Record<string, unknown>> {
  const script = `(async () => { const out = {}; const config = { region: 'us-east-1', maxAttempts: 1 };\n${calls}\nprocess.stdout.write(JSON.stringify(out)); })().catch((e) => { console.error(e); process.exit(1); });`;
  const env = { PATH: process.env.PATH, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'AKIDOTHERPROCESS', AWS_SECRET_ACCESS_KEY: 'x', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { cwd: REPO, env, timeout: 15_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Record<string, unknown>))),
  );
}

describe('the payments-api world through the front', () => {
  let world: FakeAws;
  let front: AwsFront;
  let out: Record<string, unknown>;
  beforeAll(async () => {
    world = installFakeAws();
    front = await startAwsFront(world);
    out = await inAnotherProcess(
      front.endpoint,
      `
      const ecs = require('@aws-sdk/client-ecs'), sns = require('@aws-sdk/client-sns'), sts = require('@aws-sdk/client-sts'), cp = require('@aws-sdk/client-codepipeline');
      const service = (await new ecs.ECSClient(config).send(new ecs.DescribeServicesCommand({ cluster: 'payments-prod', services: ['payments-api'] }))).services[0];
      out.deploymentCreatedAt = service.deployments[0].createdAt instanceof Date && service.deployments[0].createdAt.toISOString();
      out.messageId = (await new sns.SNSClient(config).send(new sns.PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Subject: 'payments-api FAILED', Message: 'a & <b>' }))).MessageId;
      out.account = (await new sts.STSClient(config).send(new sts.GetCallerIdentityCommand({}))).Account;
      const assumed = await new sts.STSClient(config).send(new sts.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::210987654321:role/guardian-member', RoleSessionName: 'cicd-guardian', DurationSeconds: 900 }));
      out.assumed = { key: assumed.Credentials.AccessKeyId, expires: assumed.Credentials.Expiration instanceof Date, user: assumed.AssumedRoleUser.Arn };
      for (const [name, send] of [
        ['pipelineError', () => new cp.CodePipelineClient(config).send(new cp.GetPipelineExecutionCommand({ pipelineName: 'payments-api', pipelineExecutionId: 'nope' }))],
        ['queryError', () => new sns.SNSClient(config).send(new sns.PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Subject: 'a\\nb', Message: 'm' }))],
        ['unknownOperation', () => new cp.CodePipelineClient(config).send(new cp.DeletePipelineCommand({ name: 'payments-api' }))],
        ['unknownQueryOperation', () => new sns.SNSClient(config).send(new sns.CreateTopicCommand({ Name: 'x' }))],
      ]) {
        try { await send(); out[name] = 'answered'; } catch (e) { out[name] = { name: e.name, status: e.$metadata.httpStatusCode }; }
      }
      `,
    );
  }, 30_000);
  afterAll(async () => {
    await front.close();
    await world.close();
  });

  it('answers AWS JSON from the same fakes, timestamps as epoch seconds the SDK makes Dates of', () => {
    expect(out.deploymentCreatedAt).toBe('2025-06-12T14:02:09.514Z');
    expect(world.calls[0]).toEqual({ service: 'ecs', operation: 'DescribeServices', input: { cluster: 'payments-prod', services: ['payments-api'] }, status: 200, signedBy: 'AKIDOTHERPROCESS' });
  });

  it('answers awsQuery (SNS, STS) with XML the SDK reads, inputs decoded by the operation schema', () => {
    expect(world.published).toEqual([{ topicArn: 'arn:aws:sns:us-east-1:123456789012:t', subject: 'payments-api FAILED', message: 'a & <b>', messageId: out.messageId }]);
    expect(out.account).toBe('123456789012');
    expect(out.assumed).toEqual({ key: expect.stringMatching(/^ASIA/), expires: true, user: 'arn:aws:sts::210987654321:assumed-role/guardian-member/cicd-guardian' });
    expect(world.calls.find((c) => c.operation === 'AssumeRole')!.input).toEqual({ RoleArn: 'arn:aws:iam::210987654321:role/guardian-member', RoleSessionName: 'cicd-guardian', DurationSeconds: 900 });
  });

  it("passes on the fakes' errors, and answers what no fake serves as AWS answers an unknown operation", () => {
    expect(out).toMatchObject({
      pipelineError: { name: 'PipelineExecutionNotFoundException', status: 400 },
      queryError: { name: 'InvalidParameterException', status: 400 },
      unknownOperation: { name: 'UnknownOperationException', status: 400 },
      unknownQueryOperation: { name: 'InvalidAction', status: 400 },
    });
  });
});

describe('a service faked by data alone (tests/local/fakes/ssm-world/ssm.json, no code)', () => {
  let world: FakeAws;
  beforeEach(() => {
    world = installFakeAws({ dataDir: join(__dirname, 'ssm-world') });
  });
  afterEach(() => world.close());

  it('answers an SDK client in process, by the input the answer names, with Dates where the SDK gives them', async () => {
    const ssm = new SSMClient({ region: 'us-east-1' });
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/cicd-guardian/slack/bot-token', WithDecryption: true }));
    expect(Parameter).toMatchObject({ Value: 'xoxb-from-the-data-file', Version: 3, LastModifiedDate: new Date('2025-06-01T08:30:00Z') });
    await expect(ssm.send(new GetParameterCommand({ Name: '/other' }))).rejects.toBeInstanceOf(ParameterNotFound);
    ssm.destroy();
  });

  it('answers a caller in another process through the front (AWS JSON)', async () => {
    const front = await startAwsFront(world);
    try {
      const out = await inAnotherProcess(
        front.endpoint,
        `
        const ssm = require('@aws-sdk/client-ssm'); const client = new ssm.SSMClient(config);
        const { Parameter } = await client.send(new ssm.GetParameterCommand({ Name: '/cicd-guardian/slack/bot-token', WithDecryption: true }));
        out.value = Parameter.Value; out.modified = Parameter.LastModifiedDate.toISOString();
        try { await client.send(new ssm.GetParameterCommand({ Name: '/other' })); } catch (e) { out.error = e.name; }
        `,
      );
      expect(out).toEqual({ value: 'xoxb-from-the-data-file', modified: '2025-06-01T08:30:00.000Z', error: 'ParameterNotFound' });
    } finally {
      await front.close();
    }
  }, 30_000);
});
