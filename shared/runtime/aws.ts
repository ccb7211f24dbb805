import { NodeHttpHandler } from '@smithy/node-http-handler';

// One way to configure AWS SDK clients. Endpoints follow the SDK's standard
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables (local stand-ins).
// Short timeouts and adaptive retries keep a slow dependency inside the
// Lambda's time budget instead of eating it.
export const awsClientConfig = {
  maxAttempts: 3,
  retryMode: 'adaptive' as const,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
};
