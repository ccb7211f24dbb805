import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from './observability.js';

// One way to call AWS: one client per service per container, created on first
// use, so a function only initialises the clients it actually calls (and the
// bundler drops the ones it never imports). Endpoints follow the SDK's
// standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables (local
// stand-ins). Short timeouts and adaptive retries keep a slow dependency
// inside the Lambda's time budget instead of eating it. Each client's calls are
// traced in X-Ray (a no-op where tracing is off: locally, in tests).
// The SDK versions the lockfile pins run on Node 20 (local runs, `sls invoke local`,
// tests; Lambda runs 22), but each process would print their notice that releases
// after January 2027 need Node 22 (README: Node versions). Only that notice is off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const awsClientConfig = {
  maxAttempts: 3,
  retryMode: 'adaptive' as const,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
};

/** An SDK client whose calls are X-Ray subsegments on Lambda. */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);

function lazy<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= traced(make()));
}

export const codeBuildClient = /* @__PURE__ */ lazy(() => new CodeBuildClient(awsClientConfig));
export const codeDeployClient = /* @__PURE__ */ lazy(() => new CodeDeployClient(awsClientConfig));
export const codePipelineClient = /* @__PURE__ */ lazy(() => new CodePipelineClient(awsClientConfig));
export const dynamoClient = /* @__PURE__ */ lazy(() => new DynamoDBClient(awsClientConfig));
export const ecsClient = /* @__PURE__ */ lazy(() => new ECSClient(awsClientConfig));
export const snsClient = /* @__PURE__ */ lazy(() => new SNSClient(awsClientConfig));
