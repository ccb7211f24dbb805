import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// One logger, metrics and tracer per function container, configured by the
// POWERTOOLS_* environment variables set in serverless.yml.
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cicd-guardian' });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CicdGuardian', logger });
// AWS SDK clients are traced one by one (runtime/aws.ts); raw HTTPS requests are
// not captured: their URLs can be secrets (a Slack webhook URL) and would land in X-Ray.
export const tracer = new Tracer({ captureHTTPsRequests: false });
