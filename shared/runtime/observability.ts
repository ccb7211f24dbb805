import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { observabilityEnv } from '../config/env.js';

// One logger, metrics and tracer per function container, configured by the
// POWERTOOLS_* environment variables set in serverless.yml.
const names = observabilityEnv();
export const logger = new Logger({ serviceName: names.serviceName });
export const metrics = new Metrics({ namespace: names.metricsNamespace, logger });
// AWS SDK clients are traced one by one (runtime/aws.ts); raw HTTPS requests are
// not captured: their URLs can be secrets (a Slack webhook URL) and would land in X-Ray.
export const tracer = new Tracer({ captureHTTPsRequests: false });
