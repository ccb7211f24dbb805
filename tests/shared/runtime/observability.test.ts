import https from 'node:https';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

// Tracing on Lambda: every AWS SDK call is a subsegment; raw HTTPS requests
// are not captured, because their URLs can be secrets (a Slack webhook URL).

/** Runs `load` on modules loaded afresh as on the Lambda runtime (tracing on), and gives the environment back afterwards. */
async function onLambda<T>(load: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_FUNCTION_NAME: 'cicd-guardian-prod-notify', POWERTOOLS_TRACE_ENABLED: 'true' });
  try {
    let loaded: T | undefined;
    await jest.isolateModulesAsync(async () => {
      loaded = await load();
    });
    return loaded!;
  } finally {
    process.env = saved;
  }
}

describe('tracing on Lambda', () => {
  it('traces the calls of every AWS SDK client the functions use, in every place', async () => {
    const { clientFor } = await onLambda(() => import('../../../shared/runtime/aws.js'));
    const member = { account: '210987654321', region: 'eu-west-1', roleArn: 'arn:aws:iam::210987654321:role/cicd-guardian-member' };
    const clients = [
      ...[{ account: '123456789012', region: 'us-east-1' }, member].flatMap((place) => [
        clientFor(CodeBuildClient, place),
        clientFor(CodeDeployClient, place),
        clientFor(CodePipelineClient, place),
        clientFor(ECSClient, place),
      ]),
      // The function's own table and topic, and its own identity where the invocation names no ARN.
      clientFor(DynamoDBClient),
      clientFor(SNSClient),
      clientFor(STSClient),
    ];
    for (const client of clients) {
      expect(client.middlewareStack.identify()).toContainEqual(expect.stringMatching(/^XRaySDKInstrumentation/));
    }
  });

  it('does not capture raw HTTPS requests (the Slack webhook URL would land in the trace)', async () => {
    const request = https.request;
    const { tracer } = await onLambda(() => import('../../../shared/runtime/observability.js'));
    expect(tracer.isTracingEnabled()).toBe(true);
    expect(https.request).toBe(request);
  });
});
