// The environment the function reads on AWS, pointed at the local stand-ins
// (dynalite, the fake AWS world's HTTP front, the Slack stand-in), for the local runner
// (scripts/local.ts), the bench and the tests. Each caller adds its extras
// (log level, dry run, Lambda variables) to what standInEnv returns and
// applies the result with applyEnv before importing a handler: module scope
// may read the environment.

// The local runner's own SDK clients (dynalite's table) start before any function
// code: the SDK's Node 22 notice is off here too (see shared/runtime/aws.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The account and region every local ARN and fake's answer uses. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** An SNS topic ARN in the local account and region. */
export const localTopicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

interface StandInEnvOptions {
  /** dynalite (local/dynamo.ts): AWS_ENDPOINT_URL_DYNAMODB, GUARDIAN_TABLE. */
  dynamo: { endpoint: string; tableName: string };
  /**
   * The fake AWS world's HTTP front (local/fakes/http-front.ts), for SNS,
   * CodePipeline, SSM and Secrets Manager and every other service
   * (AWS_ENDPOINT_URL), so none reaches AWS: what a process without the
   * in-process fakes (`sls invoke local`) calls. Left out when only mocked SDK clients are called.
   */
  aws?: { endpoint: string };
  /** The Slack stand-in (local/slack-stand-in.ts): SLACK_API_URL and a bot token. Left out for real Slack. */
  slack?: { apiUrl: string; token: string };
  /** GUARDIAN_TOPIC_ARN (the service takes it over GUARDIAN_TOPIC_NAME). */
  topicArn: string;
  /** GUARDIAN_CONFIG, when the caller reads the policy from a file. */
  configFile?: string;
}

/** Variables that would override the dummy credentials or the endpoints below; applyEnv removes them. */
const OVERRIDING = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'];

/** Everything the function reads from its environment, pointed at the stand-ins given. */
export function standInEnv(o: StandInEnvOptions): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    // Dummy credentials: dynalite checks that requests are signed, not by whom.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: o.dynamo.endpoint,
    ...(o.aws
      ? {
          // A service without a fake gets the error AWS gives an unknown operation instead of reaching AWS.
          AWS_ENDPOINT_URL: o.aws.endpoint,
          AWS_ENDPOINT_URL_SNS: o.aws.endpoint,
          AWS_ENDPOINT_URL_CODEPIPELINE: o.aws.endpoint,
          AWS_ENDPOINT_URL_SSM: o.aws.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: o.aws.endpoint,
        }
      : {}),
    ...(o.slack ? { SLACK_API_URL: o.slack.apiUrl, SLACK_BOT_TOKEN: o.slack.token } : {}),
    GUARDIAN_TABLE: o.dynamo.tableName,
    GUARDIAN_TOPIC_ARN: o.topicArn,
    ...(o.configFile ? { GUARDIAN_CONFIG: o.configFile } : {}),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
}

/** Sets `env` on process.env, first removing what would take precedence over it in the SDK's chains (a profile, a session token). */
export function applyEnv(env: Record<string, string>): void {
  for (const name of OVERRIDING) delete process.env[name];
  Object.assign(process.env, env);
}
