import type { GuardianConfig, SecretRef } from '../config/schema.js';
import type { SlackMode } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';

// The Slack bot token or webhook URL lives in SSM Parameter Store
// (SecureString) or Secrets Manager, is fetched at run time, cached by
// Powertools parameters, and never logged. For local runs (npm start, tests,
// `sls invoke local`) SLACK_BOT_TOKEN and SLACK_WEBHOOK_URL override the config
// (config/env.ts); on Lambda they are ignored, so a token pasted into the function's plain
// configuration is never used (nor does it need to be).
//
// IAM: ssm:GetParameter or secretsmanager:GetSecretValue on the named secret,
// kms:Decrypt through that service.

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
