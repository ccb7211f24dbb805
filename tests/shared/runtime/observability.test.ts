import https from 'node:https';

// Tracing on Lambda: every AWS SDK call is a subsegment; raw HTTPS requests
// are not captured, because their URLs can be secrets (a Slack webhook URL).

/** Loads `module` afresh as the Lambda runtime would (tracing on), and gives the environment back afterwards. */
function loadOnLambda<T>(module: string): T {
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_FUNCTION_NAME: 'cicd-guardian-prod-notify', POWERTOOLS_TRACE_ENABLED: 'true' });
  try {
    let loaded: T | undefined;
    jest.isolateModules(() => {
      loaded = require(module) as T;
    });
    return loaded!;
  } finally {
    process.env = saved;
  }
}

describe('tracing on Lambda', () => {
  it('traces the calls of every AWS SDK client the functions use', () => {
    const aws = loadOnLambda<typeof import('../../../shared/runtime/aws')>('../../../shared/runtime/aws');
    for (const client of [aws.codeDeployClient(), aws.codePipelineClient(), aws.dynamoClient(), aws.ecsClient(), aws.snsClient()]) {
      expect(client.middlewareStack.identify()).toContainEqual(expect.stringMatching(/^XRaySDKInstrumentation/));
    }
  });

  it('does not capture raw HTTPS requests (the Slack webhook URL would land in the trace)', () => {
    const request = https.request;
    const tracer = loadOnLambda<typeof import('../../../shared/runtime/observability')>('../../../shared/runtime/observability').tracer;
    expect(tracer.isTracingEnabled()).toBe(true);
    expect(https.request).toBe(request);
  });
});
