import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { logger, metrics, tracer } from './observability.js';

/** Log-and-return-the-plan mode: GUARDIAN_DRY_RUN=true|false overrides the config's `dryRun`. */
export function isDryRun(configured: boolean): boolean {
  const env = process.env.GUARDIAN_DRY_RUN?.trim().toLowerCase();
  if (env === 'true' || env === '1') return true;
  if (env === 'false' || env === '0') return false;
  return configured;
}

/**
 * The one middy stack every function uses: structured logs with the Lambda
 * context, metrics flushed per invocation, X-Ray tracing, the event validated
 * and normalized by `schema` (Powertools parser), and a final word on failures:
 * logged with the event id and what was wrong, counted, then rethrown so Lambda
 * retries and, after that, the event lands in the function's dead-letter queue.
 */
export function guardedHandler<E, R>(name: string, schema: StandardSchemaV1<unknown, E>, handler: (event: E, context: Context) => Promise<R>) {
  return middy<unknown, R, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use({
      onError: async (request) => {
        const raw = request.event as { id?: unknown; 'detail-type'?: unknown } | undefined;
        const error = request.error as Error;
        if (error?.name === 'ParseError') {
          const issues = error.cause as StandardSchemaV1.Issue[] | undefined;
          // Retrying cannot fix it, but failing puts it in the dead-letter queue: nothing is dropped unseen.
          logger.error('invalid event: no action taken; failing so that it ends in the dead-letter queue', {
            eventId: raw?.id,
            detailType: raw?.['detail-type'],
            issues: issues?.map((i) => `${i.path?.join('.') || '(root)'}: ${i.message}`),
          });
          metrics.addMetric('InvalidEvent', MetricUnit.Count, 1);
          return;
        }
        logger.error(`${name} failed`, { eventId: raw?.id, error });
        metrics.addMetric(`${name}Failed`, MetricUnit.Count, 1);
      },
    })
    .use(parser({ schema }))
    .handler(handler as unknown as (event: unknown, context: Context) => Promise<R>);
}
