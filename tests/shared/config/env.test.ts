import { EnvError, readEnv } from '../../../shared/config/env';

// The environment is read in one place, validated, with errors that name the
// variable and what it should hold, and never its value (it may be a secret).

/** What serverless.yml deploys (provider.environment), as the Lambda runtime adds to it. */
const DEPLOYED = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_SERVICE_NAME: 'cicd-guardian',
  POWERTOOLS_METRICS_NAMESPACE: 'CicdGuardian',
  GUARDIAN_TABLE: 'cicd-guardian-prod-state',
  GUARDIAN_TOPIC_NAME: 'cicd-guardian-prod-notifications',
  GUARDIAN_DRY_RUN: '',
  NODE_OPTIONS: '--enable-source-maps',
};

describe('the environment', () => {
  it('reads what the deployed function is given', () => {
    expect(readEnv(DEPLOYED)).toEqual({
      table: 'cicd-guardian-prod-state',
      topicName: 'cicd-guardian-prod-notifications',
      region: 'eu-west-1',
      ownRoles: [],
      slackOverrides: {},
      serviceName: 'cicd-guardian',
      metricsNamespace: 'CicdGuardian',
    });
  });

  it("reads cicd-guardian's own role names (the tamper function's GUARDIAN_OWN_ROLES), and refuses what no role is named", () => {
    expect(readEnv({ GUARDIAN_OWN_ROLES: 'cicd-guardian-prod-notify-eu-west-1,cicd-guardian-prod-rollback-eu-west-1' }).ownRoles).toEqual([
      'cicd-guardian-prod-notify-eu-west-1',
      'cicd-guardian-prod-rollback-eu-west-1',
    ]);
    expect(() => readEnv({ GUARDIAN_OWN_ROLES: 'a role,b' })).toThrow(/GUARDIAN_OWN_ROLES: expected IAM role names separated by commas/);
  });

  it('leaves dry-run to guardian.yml when GUARDIAN_DRY_RUN is unset or empty, and overrides it otherwise', () => {
    expect(readEnv({}).dryRun).toBeUndefined();
    expect(readEnv({ GUARDIAN_DRY_RUN: ' ' }).dryRun).toBeUndefined();
    expect(readEnv({ GUARDIAN_DRY_RUN: 'true' }).dryRun).toBe(true);
    expect(readEnv({ GUARDIAN_DRY_RUN: 'TRUE' }).dryRun).toBe(true);
    expect(readEnv({ GUARDIAN_DRY_RUN: '1' }).dryRun).toBe(true);
    expect(readEnv({ GUARDIAN_DRY_RUN: 'false' }).dryRun).toBe(false);
    expect(readEnv({ GUARDIAN_DRY_RUN: '0' }).dryRun).toBe(false);
  });

  it('rejects a GUARDIAN_DRY_RUN that is neither true nor false, naming it, instead of silently acting for real', () => {
    expect(() => readEnv({ GUARDIAN_DRY_RUN: 'yes' })).toThrow(EnvError);
    expect(() => readEnv({ GUARDIAN_DRY_RUN: 'yes' })).toThrow(/GUARDIAN_DRY_RUN: expected true, false, 1 or 0/);
  });

  it('names every bad variable and what it should hold', () => {
    const read = () => readEnv({ GUARDIAN_TABLE: 'a b', GUARDIAN_TOPIC_ARN: 'arn:aws:sqs:us-east-1:123456789012:q', AWS_REGION: 'evil.example', SLACK_API_URL: 'file:///etc/passwd' });
    expect(read).toThrow(/GUARDIAN_TABLE: expected a DynamoDB table name/);
    expect(read).toThrow(/GUARDIAN_TOPIC_ARN: expected an SNS topic ARN/);
    expect(read).toThrow(/AWS_REGION: expected a Region name/);
    expect(read).toThrow(/SLACK_API_URL: expected an http\(s\) URL/);
  });

  it('never puts a value in its error (a webhook URL is a secret)', () => {
    const secret = 'hooks.slack.com/services/T000/B000/very-secret';
    expect(() => readEnv({ SLACK_WEBHOOK_URL: secret })).toThrow(/SLACK_WEBHOOK_URL/);
    expect(() => readEnv({ SLACK_WEBHOOK_URL: secret })).not.toThrow(/very-secret/);
  });

  it('takes the local Slack overrides off the Lambda runtime, and ignores them on it', () => {
    const local = { SLACK_BOT_TOKEN: 'xoxb-local', SLACK_WEBHOOK_URL: 'http://127.0.0.1:3000/hook', SLACK_API_URL: 'http://127.0.0.1:3000/api' };
    expect(readEnv(local)).toMatchObject({ slackOverrides: { token: 'xoxb-local', webhookUrl: 'http://127.0.0.1:3000/hook' }, slackApiUrl: 'http://127.0.0.1:3000/api' });
    const onLambda = readEnv({ ...local, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' });
    expect(onLambda.slackOverrides).toEqual({});
    // The bot token and response_url answers go to Slack only: no base URL set in the Lambda's configuration redirects them.
    expect(onLambda.slackApiUrl).toBeUndefined();
  });

  it('takes the topic ARN and the policy file of a local run', () => {
    expect(readEnv({ GUARDIAN_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-local', GUARDIAN_CONFIG: '/tmp/guardian.yml' })).toMatchObject({
      topicArn: 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-local',
      configFile: '/tmp/guardian.yml',
    });
  });
});
