import '../runtime/zod-messages.js';
import * as z from 'zod/mini';

// The one place that reads the environment. Each function reads it once, at
// its first invocation, validated: a bad value fails with the variable's name
// and what is wrong, instead of a surprise far away. Everything else takes
// the values from here; tests and the local runner pass their own.

/** A variable of the environment has a value the service cannot use. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
}

export interface GuardianEnv {
  /** GUARDIAN_TABLE: the state table; unset offline, where only a dry-run works (it plans from the event alone). */
  table?: string;
  /** GUARDIAN_DRY_RUN: true|false (or 1|0) overrides guardian.yml's `dryRun`; unset or empty leaves it to guardian.yml. */
  dryRun?: boolean;
  /** GUARDIAN_TOPIC_ARN (local runs) names the stack's topic outright; else GUARDIAN_TOPIC_NAME in the function's own account. */
  topicArn?: string;
  topicName?: string;
  /** GUARDIAN_CONFIG: the policy file where none is embedded (local runs); unset: ./guardian.yml. */
  configFile?: string;
  /** AWS_REGION, as the Lambda runtime (or the caller) sets it. */
  region?: string;
  /** SLACK_API_URL: the Slack Web API's base URL (a local stand-in); ignored on Lambda, where the token and response_url go only to Slack. */
  slackApiUrl?: string;
  /**
   * SLACK_BOT_TOKEN / SLACK_WEBHOOK_URL / SLACK_SIGNING_SECRET, for local runs only: on the Lambda
   * runtime (AWS_EXECUTION_ENV is reserved there and reads AWS_Lambda_<runtime>)
   * they are ignored, so a token pasted into the function's configuration is never used.
   */
  slackOverrides: { token?: string; webhookUrl?: string; signingSecret?: string };
  /** GUARDIAN_OWN_ROLES: the names of cicd-guardian's own roles (comma-separated; serverless.yml names them), whose calls are never tampering. */
  ownRoles: string[];
  /** POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (Powertools reads its other POWERTOOLS_* variables itself). */
  serviceName: string;
  metricsNamespace: string;
}

export type EnvVars = Readonly<Record<string, string | undefined>>;

const optional = z.optional;
const text = (pattern: RegExp, what: string) => z.string().check(z.regex(pattern, `expected ${what}`));

// Patterns from the AWS documentation of each name.
const EnvSchema = z.object({
  GUARDIAN_TABLE: optional(text(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)')),
  GUARDIAN_DRY_RUN: optional(text(/^(true|false|1|0)$/i, 'true, false, 1 or 0 (or empty to follow guardian.yml)')),
  GUARDIAN_TOPIC_ARN: optional(text(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)')),
  GUARDIAN_TOPIC_NAME: optional(text(/^[A-Za-z0-9_-]{1,256}$/, 'an SNS topic name (1-256 of A-Z a-z 0-9 _ -)')),
  GUARDIAN_CONFIG: optional(z.string()),
  GUARDIAN_OWN_ROLES: optional(text(/^[\w+=.@-]{1,64}(,[\w+=.@-]{1,64})*$/, 'IAM role names separated by commas')),
  AWS_REGION: optional(text(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'a Region name such as us-east-1')),
  AWS_EXECUTION_ENV: optional(z.string()),
  SLACK_API_URL: optional(text(/^https?:\/\/\S+$/, 'an http(s) URL')),
  SLACK_BOT_TOKEN: optional(z.string()),
  SLACK_WEBHOOK_URL: optional(text(/^https?:\/\/\S+$/, 'an http(s) URL')),
  SLACK_SIGNING_SECRET: optional(z.string()),
  POWERTOOLS_SERVICE_NAME: optional(z.string()),
  POWERTOOLS_METRICS_NAMESPACE: optional(z.string()),
});

/**
 * The names logs and metrics go under, for the logger and metrics made at
 * import (before any invocation); they need no validation to be usable.
 */
export function observabilityEnv(vars: EnvVars = process.env): Pick<GuardianEnv, 'serviceName' | 'metricsNamespace'> {
  return { serviceName: vars.POWERTOOLS_SERVICE_NAME?.trim() || 'cicd-guardian', metricsNamespace: vars.POWERTOOLS_METRICS_NAMESPACE?.trim() || 'CicdGuardian' };
}

/** The service's settings from `vars` (default: the process environment), validated; throws an EnvError naming each bad variable. */
export function readEnv(vars: EnvVars = process.env): GuardianEnv {
  // Only our variables; empty counts as unset (serverless.yml sets GUARDIAN_DRY_RUN to '' when no dryRun param is given).
  const set = Object.fromEntries(Object.keys(EnvSchema.shape).flatMap((name) => (vars[name]?.trim() ? [[name, vars[name]!.trim()]] : [])));
  const result = EnvSchema.safeParse(set);
  if (!result.success) {
    // A secret never lands in the message: only the name and what was expected.
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`the environment is invalid:\n${problems.join('\n')}`);
  }
  const e = result.data;
  const onLambda = e.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_') ?? false;
  const dryRun = e.GUARDIAN_DRY_RUN === undefined ? undefined : /^(true|1)$/i.test(e.GUARDIAN_DRY_RUN);
  return {
    ...(e.GUARDIAN_TABLE ? { table: e.GUARDIAN_TABLE } : {}),
    ...(dryRun === undefined ? {} : { dryRun }),
    ...(e.GUARDIAN_TOPIC_ARN ? { topicArn: e.GUARDIAN_TOPIC_ARN } : {}),
    ...(e.GUARDIAN_TOPIC_NAME ? { topicName: e.GUARDIAN_TOPIC_NAME } : {}),
    ...(e.GUARDIAN_CONFIG ? { configFile: e.GUARDIAN_CONFIG } : {}),
    ...(e.AWS_REGION ? { region: e.AWS_REGION } : {}),
    ...(e.SLACK_API_URL && !onLambda ? { slackApiUrl: e.SLACK_API_URL } : {}),
    ownRoles: e.GUARDIAN_OWN_ROLES ? e.GUARDIAN_OWN_ROLES.split(',') : [],
    slackOverrides: onLambda
      ? {}
      : {
          ...(e.SLACK_BOT_TOKEN ? { token: e.SLACK_BOT_TOKEN } : {}),
          ...(e.SLACK_WEBHOOK_URL ? { webhookUrl: e.SLACK_WEBHOOK_URL } : {}),
          ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
        },
    ...observabilityEnv(e),
  };
}
