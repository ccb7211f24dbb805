import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';

// One way to call AWS: one client per service per container, created on first
// use, so a function only initialises the clients it actually calls (and the
// bundler drops the ones it never imports). Endpoints follow the SDK's
// standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables (local
// stand-ins). Short timeouts and adaptive retries keep a slow dependency
// inside the Lambda's time budget instead of eating it.
export const awsClientConfig = {
  maxAttempts: 3,
  retryMode: 'adaptive' as const,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
};

function lazy<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}

export const codeBuildClient = /* @__PURE__ */ lazy(() => new CodeBuildClient(awsClientConfig));
export const codeDeployClient = /* @__PURE__ */ lazy(() => new CodeDeployClient(awsClientConfig));
export const codePipelineClient = /* @__PURE__ */ lazy(() => new CodePipelineClient(awsClientConfig));
export const dynamoClient = /* @__PURE__ */ lazy(() => new DynamoDBClient(awsClientConfig));
export const ecsClient = /* @__PURE__ */ lazy(() => new ECSClient(awsClientConfig));
export const snsClient = /* @__PURE__ */ lazy(() => new SNSClient(awsClientConfig));
