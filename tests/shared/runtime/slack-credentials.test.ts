import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { parseConfig } from '../../../shared/config/load';
import { readEnv } from '../../../shared/config/env';
import { slackCredentials, slackMode } from '../../../shared/runtime/slack-credentials';

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const withSlack = (slack: object) => parseConfig({ slack }, 'test');

beforeEach(() => {
  ssm.reset();
  secrets.reset();
  clearCaches();
});

describe('reading the Slack secret', () => {
  it('decrypts the bot token from SSM Parameter Store, and serves it from cache afterwards', async () => {
    ssm.on(GetParameterCommand, { Name: '/cicd-guardian/slack/bot-token', WithDecryption: true }).resolves({ Parameter: { Value: 'xoxb-from-ssm' } });
    const config = withSlack({ botToken: { ssm: '/cicd-guardian/slack/bot-token' } });
    expect(await slackCredentials(config, readEnv({}))).toEqual({ mode: 'bot', token: 'xoxb-from-ssm' });
    expect(await slackCredentials(config, readEnv({}))).toEqual({ mode: 'bot', token: 'xoxb-from-ssm' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('reads the token again past the cache when asked for a fresh one (Slack said invalid_auth: it may have been rotated)', async () => {
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: 'xoxb-before-rotation' } }).resolves({ Parameter: { Value: 'xoxb-rotated' } });
    const config = withSlack({ botToken: { ssm: '/cicd-guardian/slack/bot-token' } });
    expect((await slackCredentials(config, readEnv({}))).token).toBe('xoxb-before-rotation');
    expect((await slackCredentials(config, readEnv({}), { fresh: true })).token).toBe('xoxb-rotated');
    expect((await slackCredentials(config, readEnv({}))).token).toBe('xoxb-rotated');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('reads a fresh secret from Secrets Manager past the cache too', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify({ token: 'xoxb-1' }) }).resolves({ SecretString: JSON.stringify({ token: 'xoxb-2' }) });
    const config = withSlack({ botToken: { secretsManager: 'cicd-guardian/slack', jsonKey: 'token' } });
    expect((await slackCredentials(config, readEnv({}))).token).toBe('xoxb-1');
    expect((await slackCredentials(config, readEnv({}), { fresh: true })).token).toBe('xoxb-2');
  });

  it('reads a webhook URL from a JSON secret in Secrets Manager by key', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'cicd-guardian/slack' }).resolves({ SecretString: JSON.stringify({ url: 'https://hooks.slack.com/services/T/B/x' }) });
    const config = withSlack({ webhookUrl: { secretsManager: 'cicd-guardian/slack', jsonKey: 'url' } });
    expect(await slackCredentials(config, readEnv({}))).toEqual({ mode: 'webhook', webhookUrl: 'https://hooks.slack.com/services/T/B/x' });
  });

  it('fails with the secret named (never its value) when it is empty or the key is missing', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ other: 'xoxb-secret-value' }) });
    const config = withSlack({ botToken: { secretsManager: 'cicd-guardian/slack', jsonKey: 'token' } });
    const failure = slackCredentials(config, readEnv({}));
    await expect(failure).rejects.toThrow('Slack bot token: secret cicd-guardian/slack (key token) is empty or not a string');
    await expect(slackCredentials(config, readEnv({}))).rejects.not.toThrow(/xoxb-secret-value/);
  });

  it('lets SLACK_BOT_TOKEN and SLACK_WEBHOOK_URL override the config without any AWS call', async () => {
    const config = withSlack({ botToken: { ssm: '/x' } });
    expect(await slackCredentials(config, readEnv({ SLACK_BOT_TOKEN: 'xoxb-local' }))).toEqual({ mode: 'bot', token: 'xoxb-local', local: true });
    expect(slackMode(parseConfig({}, 'test'), readEnv({ SLACK_WEBHOOK_URL: 'http://127.0.0.1/hook' }))).toBe('webhook');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('on Lambda, ignores SLACK_BOT_TOKEN and SLACK_WEBHOOK_URL in the environment (plain function configuration): the secret is read', async () => {
    ssm.on(GetParameterCommand, { Name: '/cicd-guardian/slack/bot-token', WithDecryption: true }).resolves({ Parameter: { Value: 'xoxb-from-ssm' } });
    const onLambda = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', SLACK_BOT_TOKEN: 'xoxb-console-hotfix', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/hotfix' };
    const config = withSlack({ botToken: { ssm: '/cicd-guardian/slack/bot-token' } });
    expect(await slackCredentials(config, readEnv(onLambda))).toEqual({ mode: 'bot', token: 'xoxb-from-ssm' });
    expect(slackMode(parseConfig({}, 'test'), readEnv(onLambda))).toBe('off');
    expect(await slackCredentials(parseConfig({}, 'test'), readEnv(onLambda))).toEqual({ mode: 'off' });
  });

  it('honours the overrides in `sls invoke local`, which runs outside the Lambda runtime (IS_LOCAL, no AWS_EXECUTION_ENV)', async () => {
    const invokeLocal = { IS_LOCAL: 'true', AWS_LAMBDA_FUNCTION_NAME: 'cicd-guardian-dev-notify', SLACK_BOT_TOKEN: 'xoxb-local' };
    expect(await slackCredentials(withSlack({ botToken: { ssm: '/x' } }), readEnv(invokeLocal))).toEqual({ mode: 'bot', token: 'xoxb-local', local: true });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('knows Slack is off when neither the config nor the environment names a secret', async () => {
    expect(await slackCredentials(parseConfig({}, 'test'), readEnv({}))).toEqual({ mode: 'off' });
  });
});
