import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { ACCOUNT, REGION } from './environment';

interface LambdaContextOptions {
  functionName: string;
  /** The invocation's time budget: getRemainingTimeInMillis() counts down from it. */
  budgetMs: number;
  memoryMB?: number;
  requestId?: string;
}

/** A Lambda context as the runtime passes it to a handler, for local runs, the bench and tests. */
export function lambdaContext({ functionName, budgetMs, memoryMB = 512, requestId = randomUUID() }: LambdaContextOptions): Context {
  const end = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(memoryMB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
