import https from 'node:https';

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
  it('traces the calls of every AWS SDK client the functions use', async () => {
    const aws = await onLambda(() => import('../../../shared/runtime/aws.js'));
    for (const client of [aws.codeDeployClient(), aws.codePipelineClient(), aws.dynamoClient(), aws.ecsClient(), aws.snsClient()]) {
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
