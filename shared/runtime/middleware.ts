import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { logger, metrics, tracer } from './observability.js';
import { readEnv, type GuardianEnv } from '../config/env.js';
import { systemClock } from './clock.js';
import { functionUrlRequestSchema, plainAnswer, type HttpRequest, type HttpResponse } from './http.js';
import { getConfig } from '../config/load.js';
import { refusal } from '../config/organization.js';
import { ownIdentity } from './identity.js';

export type { HttpRequest, HttpResponse } from './http.js';

/** What a handler is given besides its input: the environment, read once, and the clock it reads the time from. */
export interface Runtime {
  env: GuardianEnv;
  now: () => Date;
}

/** Log-and-return-the-plan mode: GUARDIAN_DRY_RUN=true|false overrides the config's `dryRun`. */
export function isDryRun(configured: boolean, env: GuardianEnv): boolean {
  return env.dryRun ?? configured;
}

/** How a face of the stack names an invocation in its logs and answers a failure. */
interface Face<R> {
  /** Keys that identify the invocation in the failure's log line (never secrets: no body, no headers); the input as sent, or as parsed when the handler failed. */
  keys(input: unknown): Record<string, unknown>;
  /** Said when the input does not have the expected shape. */
  invalid: { message: string; metric: string };
  /** The answer to a failure; without one, the invocation fails (rethrown). */
  answer?(failure: 'invalid' | 'failed'): R;
  /** Checked once the input is parsed: an answer here ends the invocation without the handler. */
  admit?(input: unknown, context: Context, runtime: Runtime): Promise<R | undefined>;
}

/**
 * The one middy stack every function uses: structured logs with the Lambda
 * context, metrics flushed per invocation, X-Ray tracing, the input validated
 * and normalized by `schema` (Powertools parser), and a final word on failures:
 * logged with what identifies the invocation and what was wrong, counted, then
 * answered by the face (HTTP) or rethrown (EventBridge).
 */
function handlerStack<E, R>(
  name: string,
  schema: StandardSchemaV1<unknown, E>,
  face: Face<R>,
  handler: (input: E, context: Context, runtime: Runtime) => Promise<R>,
  given: Partial<Runtime>,
) {
  // Read at the first invocation (the container's start), not at import: tests and the local runner set it up first.
  let runtime: Runtime | undefined;
  const runtimeOnce = () => (runtime ??= { env: given.env ?? readEnv(), now: given.now ?? systemClock });
  const withRuntime = (input: E, context: Context) => handler(input, context, runtimeOnce());
  const admit = face.admit ?? (async () => undefined);
  return middy<unknown, R, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use({
      // Sets the response without returning it, so the metrics, logger and tracer still see the failure.
      onError: async (request) => {
        const error = request.error as Error;
        const invalid = error?.name === 'ParseError';
        if (invalid) {
          const issues = (error.cause as StandardSchemaV1.Issue[] | undefined)?.map((i) => `${i.path?.join('.') || '(root)'}: ${i.message}`);
          logger.error(face.invalid.message, { ...face.keys(request.event), issues });
          // Whoever invoked by hand (`sls invoke -d`) reads the message: it says what was wrong, and where.
          if (issues?.length) error.message = `${error.message}: ${issues.join('; ')}`;
          metrics.addMetric(face.invalid.metric, MetricUnit.Count, 1);
        } else {
          logger.error(`${name} failed`, { ...face.keys(request.event), error });
          metrics.addMetric(`${name}Failed`, MetricUnit.Count, 1);
        }
        if (face.answer) request.response = face.answer(invalid ? 'invalid' : 'failed');
      },
    })
    .use(parser({ schema }))
    .use({ before: (request) => admit(request.event, request.context, runtimeOnce()) })
    .handler(withRuntime as unknown as (event: unknown, context: Context) => Promise<R>);
}

/**
 * The EventBridge face: a failure fails the invocation so Lambda retries and,
 * after that, the event lands in the function's dead-letter queue. A malformed
 * event cannot be fixed by a retry, but failing puts it in the dead-letter
 * queue: nothing is dropped unseen.
 */
export function guardedHandler<E, R>(
  name: string,
  schema: StandardSchemaV1<unknown, E>,
  handler: (event: E, context: Context, runtime: Runtime) => Promise<R>,
  /** Tests and the local runner pass their own environment or clock; by default the process's, read once. */
  given: Partial<Runtime> = {},
) {
  return handlerStack<E, R | Rejected>(
    name,
    schema,
    {
      keys: (input) => {
        const event = input as { id?: unknown; eventId?: unknown; 'detail-type'?: unknown } | undefined;
        return { eventId: event?.id ?? event?.eventId, detailType: event?.['detail-type'] };
      },
      invalid: { message: 'invalid event: no action taken; failing so that it ends in the dead-letter queue', metric: 'InvalidEvent' },
      admit: rejectForeign,
    },
    handler,
    given,
  );
}

/** What a function answers an event from an account or region it does not serve: nothing was done. */
export interface Rejected {
  status: 'rejected';
  reason: string;
}

/**
 * Every EventBridge event's entry, once parsed (a malformed event still fails, into the dead-letter queue):
 * one from an account (or a member account's region) the policy does not serve is rejected before the
 * handler reads anything, logged and counted (ForeignAccountRejected), never acted on, and not failed
 * (a retry or the dead-letter queue would not make it ours). The function's own account is always served;
 * a request by hand that names no account is the function's own. Where the function's own account is
 * unknown (`sls invoke local` without credentials), the handler decides, as it does then.
 */
async function rejectForeign(input: unknown, context: Context, runtime: Runtime): Promise<Rejected | undefined> {
  const event = input as { account?: unknown; region?: unknown; eventId?: unknown; kind?: unknown } | undefined;
  if (typeof event?.account !== 'string' || typeof event.region !== 'string') return undefined;
  const where = { account: event.account, region: event.region };
  const own = await ownIdentity(context.invokedFunctionArn).catch(() => undefined);
  if (!own) return undefined;
  const reason = refusal(getConfig(runtime.env.configFile).organization, where, own.account);
  if (!reason) return undefined;
  logger.warn('event rejected: not from an account and region the policy serves; nothing done', { ...where, eventId: event.eventId, eventKind: event.kind, reason });
  metrics.addMetric('ForeignAccountRejected', MetricUnit.Count, 1);
  return { status: 'rejected', reason };
}

/**
 * The HTTP face, for a Lambda Function URL: the handler gets the request with
 * its body's exact bytes (for signature checks) and answers with a status
 * code; it answers bad requests (a wrong signature, a stale timestamp) itself
 * with a 4xx. A request that is not a Function URL event is answered 400, a
 * handler failure 500; neither says why (the log does).
 */
export function httpHandler(
  name: string,
  handler: (request: HttpRequest, context: Context, runtime: Runtime) => Promise<HttpResponse>,
  given: Partial<Runtime> = {},
) {
  return handlerStack<HttpRequest, HttpResponse>(
    name,
    functionUrlRequestSchema(),
    {
      keys: (input) => {
        if (input && typeof input === 'object' && 'rawBody' in input) {
          const { requestId, method, path } = input as HttpRequest;
          return { requestId, method, path };
        }
        const raw = input as { rawPath?: unknown; requestContext?: { requestId?: unknown; http?: { method?: unknown } } } | undefined;
        return { requestId: raw?.requestContext?.requestId, method: raw?.requestContext?.http?.method, path: raw?.rawPath };
      },
      invalid: { message: 'invalid request: not a Function URL request; answered 400', metric: 'InvalidRequest' },
      answer: (failure) => plainAnswer(failure === 'invalid' ? 400 : 500),
    },
    handler,
    given,
  );
}
