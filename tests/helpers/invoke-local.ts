// `sls invoke local`, as users run it (README), for the tests of every sample
// event: the real CLI in a child process, and, for the many events that would
// each cost a CLI start (~3 s of CPU), the same wrapper the CLI invokes
// handlers with (osls's AwsInvokeLocal: its context, which names no function
// ARN, and its result output) on the bundle the CLI built, in one process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listEvents, loadEvent } from './fixtures';
import { functionsFor, readServiceDefinition } from '../../local/service-definition';

export const REPO = join(__dirname, '..', '..');
/** The stage `sls invoke local` uses by default, and the names serverless.yml derives from it. */
export const DEV = { table: 'cicd-guardian-dev-state', topicName: 'cicd-guardian-dev-notifications' };

export interface Invocation {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the CLI printed as the function's answer: its result, or `{errorMessage, errorType}`. */
  answer: Record<string, unknown> | undefined;
}

/** The CLI's answer: the last block it printed that starts with "{" on a line of its own (log lines are one-line JSON). */
function answerOf(stdout: string): Record<string, unknown> | undefined {
  const start = stdout.lastIndexOf('\n{\n') >= 0 ? stdout.lastIndexOf('\n{\n') + 1 : stdout.startsWith('{\n') ? 0 : -1;
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Variables that would let a test reach a real account, or change what the function reads, whatever the developer's shell holds. */
const HOST_ONLY = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_WEBHOOK_URL', 'SLACK_SIGNING_SECRET', 'SLACK_API_URL', 'GUARDIAN_DRY_RUN', 'GUARDIAN_CONFIG', 'GUARDIAN_TABLE', 'GUARDIAN_TOPIC_ARN', 'GUARDIAN_TOPIC_NAME'];

/** The environment of a run with nothing of the host's AWS setup: no credentials, no config files, no instance metadata. */
export function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of HOST_ONLY) delete env[name];
  return {
    ...env,
    AWS_CONFIG_FILE: join(REPO, '.no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(REPO, '.no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    ...extra,
  };
}

/** `npx sls invoke local -f <fn> -p <file> [args]` in the repository, as a user types it. */
export function slsInvokeLocal(fn: string, file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Invocation> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['sls', 'invoke', 'local', '-f', fn, '-p', file, ...args],
      { cwd: REPO, env, timeout: 60_000, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr, answer: answerOf(stdout) }),
    );
  });
}

/** Runs `tasks` one after another (calls of one function share the bundle serverless-esbuild writes). */
export async function inSequence<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (const task of tasks) results.push(await task());
  return results;
}

/**
 * Invokes `fn` with each event, in order, through osls's own invoke-local
 * wrapper on the bundle the CLI built (tests/helpers/invoke-many.cjs), in one
 * process with `env` (see cliEnvironment): the answers the CLI would print, by file.
 */
export async function invokeMany(fn: string, invocations: { file: string; event: unknown }[], env: NodeJS.ProcessEnv): Promise<Map<string, Record<string, unknown> | null>> {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-invoke-'));
  const list = join(dir, `${fn}.json`);
  writeFileSync(list, JSON.stringify(invocations));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [join(__dirname, 'invoke-many.cjs'), fn, list], { cwd: REPO, env, timeout: 120_000, maxBuffer: 20 * 1024 * 1024 }, (error, out, err) =>
        error ? reject(new Error(`invoke-many ${fn} failed: ${err || error.message}`)) : resolve(out),
      );
    });
    const answers = stdout
      .split('\n')
      .filter((line) => line.startsWith('{"file":'))
      .map((line) => JSON.parse(line) as { file: string; answer: Record<string, unknown> | null });
    return new Map(answers.map((a) => [a.file, a.answer]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What `sls invoke local -f <fn>` puts in the function's environment (osls's
 * loadEnvVars): the Lambda variables, IS_LOCAL, and serverless.yml's provider
 * environment for stage dev. The caller adds its own, as `-e` would.
 */
export function cliEnvironment(fn: string): Record<string, string> {
  return {
    AWS_LAMBDA_FUNCTION_NAME: `cicd-guardian-dev-${fn}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    IS_LOCAL: 'true',
    POWERTOOLS_SERVICE_NAME: 'cicd-guardian',
    POWERTOOLS_METRICS_NAMESPACE: 'CicdGuardian',
    GUARDIAN_TABLE: DEV.table,
    GUARDIAN_TOPIC_NAME: DEV.topicName,
  };
}

/** Which function a user would invoke with an event that no rule lets through (e.g. a build still in progress). */
const FUNCTION_FOR_SOURCE: Record<string, string> = {
  'aws.codepipeline': 'notify',
  'aws.codebuild': 'notify',
  'aws.ecs': 'rollback',
  'aws.cloudwatch': 'rollback',
  // A schedule rule's tick (it has no pattern): the approval gate's reminders (freeze-schedule's CLI call covers its own).
  'aws.events': 'approval-gate',
};

/**
 * Every sample under events/, in name order (scenarios in their order), with
 * the functions it is an input for: those whose rules match it, else the
 * function for its source; a Function URL request is slack-interactions';
 * a request by hand (no `source`) is rollback's, or audit's (a period `from`).
 */
export function sampleInvocations(): { file: string; fn: string; event: Record<string, unknown> }[] {
  const functions = readServiceDefinition();
  return listEvents('.').flatMap((file) => {
    const event = loadEvent<Record<string, unknown>>(file);
    // A scenario's Slack click is the local runner's to sign and send (tests/scripts/local-approvals.test.ts), not an event.
    if ('slack-click' in event) return [];
    const matched = functionsFor(event, functions).map((f) => f.name);
    // A Function URL request (payload format 2.0) is Slack's, for slack-interactions.
    const http = typeof event.requestContext === 'object' && event.requestContext !== null && 'http' in event.requestContext;
    const byHand = 'from' in event ? 'audit' : 'rollback';
    // A CloudTrail call no rule asks for (e.g. PutApprovalResult without approval policies) is still tamper's.
    const bySource = event['detail-type'] === 'AWS API Call via CloudTrail' ? 'tamper' : FUNCTION_FOR_SOURCE[String(event.source)];
    const fns = matched.length > 0 ? matched : http ? ['slack-interactions'] : typeof event.source === 'string' ? [bySource ?? 'unknown'] : [byHand];
    return fns.map((fn) => ({ file, fn, event }));
  });
}
