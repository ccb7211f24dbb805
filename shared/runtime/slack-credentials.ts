import type { GuardianConfig, SecretRef } from '../config/schema.js';
import type { SlackMode } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import type { IamNeed, IamScopeList } from './iam.js';

// The Slack bot token or webhook URL, and the signing secret of Slack's
// interaction requests, live in SSM Parameter Store (SecureString) or Secrets
// Manager, are fetched at run time, cached by Powertools parameters, and never
// logged. For local runs (npm start, tests, `sls invoke local`)
// SLACK_BOT_TOKEN, SLACK_WEBHOOK_URL and SLACK_SIGNING_SECRET override the config
// (config/env.ts); on Lambda they are ignored, so a token pasted into the function's plain
// configuration is never used (nor does it need to be).
//
// IAM: ssm:GetParameter or secretsmanager:GetSecretValue on the named secret,
// kms:Decrypt through that service (secretReadIam).

const CACHE_SECONDS = 300;

export interface SlackCredentials {
  mode: SlackMode;
  token?: string;
  webhookUrl?: string;
  /** Given by the environment (a local run), not read from SSM or Secrets Manager: no fresh read can change it. */
  local?: boolean;
}

/** How Slack will be reached, known without fetching any secret (for planning and dry-run). */
export function slackMode(config: GuardianConfig, env: Pick<GuardianEnv, 'slackOverrides'>): SlackMode {
  const local = env.slackOverrides;
  if (local.token) return 'bot';
  if (local.webhookUrl) return 'webhook';
  if (config.slack?.botToken) return 'bot';
  if (config.slack?.webhookUrl) return 'webhook';
  return 'off';
}

async function readSecret(ref: SecretRef, what: string, forceFetch: boolean): Promise<string> {
  let value: unknown;
  // Loaded on first use: most invocations after the first hit the cache, and
  // a function never pays to initialise the client it does not use.
  if ('ssm' in ref) {
    const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
    value = await getParameter(ref.ssm, { decrypt: true, maxAge: CACHE_SECONDS, forceFetch });
  } else {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    value = await getSecret(ref.secretsManager, { maxAge: CACHE_SECONDS, forceFetch });
    if (ref.jsonKey && typeof value === 'string') value = (JSON.parse(value) as Record<string, unknown>)[ref.jsonKey];
  }
  if (typeof value !== 'string' || value.length === 0) {
    const where = 'ssm' in ref ? `SSM parameter ${ref.ssm}` : `secret ${ref.secretsManager}${ref.jsonKey ? ` (key ${ref.jsonKey})` : ''}`;
    throw new Error(`${what}: ${where} is empty or not a string`);
  }
  return value;
}

/**
 * The IAM to read the secrets of two scope lists (SSM parameters, Secrets
 * Manager secrets): only those, decrypted only through their service.
 */
export const secretReadIam = (parameters: IamScopeList, secrets: IamScopeList): IamNeed[] => [
  { actions: ['ssm:GetParameter'], resources: parameters },
  { actions: ['secretsmanager:GetSecretValue'], resources: secrets },
  {
    actions: ['kms:Decrypt'],
    resources: 'anyKey',
    conditions: { StringEquals: { 'kms:ViaService': 'ssmService' }, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameters } },
    why: 'only through SSM, and only for the parameter named (its encryption context)',
  },
  {
    actions: ['kms:Decrypt'],
    resources: 'anyKey',
    conditions: { StringEquals: { 'kms:ViaService': 'secretsManagerService' }, StringLike: { 'kms:EncryptionContext:SecretARN': secrets } },
    why: 'only through Secrets Manager, and only for the secret named (its encryption context)',
  },
];

/** What reading approvals.signingSecret needs (the slack-interactions function). */
export const SIGNING_SECRET_IAM = secretReadIam('signingSecretParameters', 'signingSecretSecrets');

/**
 * Slack's signing secret for interaction requests: SLACK_SIGNING_SECRET locally, else
 * approvals.signingSecret; undefined when neither is set (no request can then be verified).
 * `fresh`: past the cache (a signature that fails may have been made with a rotated secret).
 */
export async function slackSigningSecret(config: GuardianConfig, env: Pick<GuardianEnv, 'slackOverrides'>, { fresh = false } = {}): Promise<string | undefined> {
  if (env.slackOverrides.signingSecret) return env.slackOverrides.signingSecret;
  const ref = config.approvals.signingSecret;
  return ref ? readSecret(ref, 'Slack signing secret', fresh) : undefined;
}

/** `fresh`: read the secret past the cache (after Slack said invalid_auth, the token may have been rotated). */
export async function slackCredentials(config: GuardianConfig, env: Pick<GuardianEnv, 'slackOverrides'>, { fresh = false } = {}): Promise<SlackCredentials> {
  const mode = slackMode(config, env);
  const local = env.slackOverrides;
  if (mode === 'bot') return local.token ? { mode, token: local.token, local: true } : { mode, token: await readSecret(config.slack!.botToken!, 'Slack bot token', fresh) };
  if (mode === 'webhook') {
    return { mode, webhookUrl: local.webhookUrl || (await readSecret(config.slack!.webhookUrl!, 'Slack webhook URL', fresh)) };
  }
  return { mode };
}
