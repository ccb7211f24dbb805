// `npm start`: runs the service on this machine, no AWS account needed.
//
//   npm start                                      the scenario events/scenarios/pipeline-fails-in-deploy/
//   npm start -- events/codebuild/build-failed.json  these files or folders (folders: their .json files, in name order)
//   npm start -- --dry-run                         plans only: nothing is stored, posted or sent
//   npm start -- --full                            show whole Slack messages on updates, not just what changed
//
// DynamoDB is dynalite in this process; SNS and CodePipeline are a local
// stand-in; Slack is a local stand-in too, unless SLACK_BOT_TOKEN or
// SLACK_WEBHOOK_URL is set, and then messages really go to Slack. Each event
// goes to the functions whose EventBridge patterns in serverless.yml match
// it, and the run prints what each function decided and delivered.

import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { startLocalDynamo } from '../local/dynamo';
import { startAwsStandIn, type PublishedEmail } from '../local/aws-stand-in';
import { startSlackStandIn, type SlackCall } from '../local/slack-stand-in';
import { functionsFor, handlerLocation, readServerlessYaml, readServiceDefinition, SERVICE_DIR, type FunctionDefinition } from '../local/service-definition';
import { decisionLines, describeEvent, emailLines, errorLines, logLines, makeStyle, SlackPrinter, slackCallKind, wantsColor } from '../local/print';

const DEFAULT_EVENTS = join('events', 'scenarios', 'pipeline-fails-in-deploy');
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-local';
const STAGE = 'local';

const USAGE = `usage: npm start -- [--dry-run] [--full] [event.json | folder ...]
  default: ${DEFAULT_EVENTS}/ (in file order)
  --dry-run  GUARDIAN_DRY_RUN=true: decide, do not store, post or send
  --full     print whole Slack messages on updates
  env: SLACK_BOT_TOKEN / SLACK_WEBHOOK_URL post to real Slack; GUARDIAN_CONFIG picks the policy (default guardian.yml)`;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type Delivery = { slack: SlackCall } | { email: PublishedEmail };

const s = makeStyle(wantsColor());
const print = (...lines: string[]) => lines.forEach((l) => process.stdout.write(`${l}\n`));

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const paths = argv.filter((a) => !a.startsWith('--'));
  if (flags.has('--help')) return print(USAGE), 0;
  const unknown = [...flags].filter((f) => !['--dry-run', '--full'].includes(f));
  if (unknown.length) return console.error(`unknown option ${unknown.join(', ')}\n${USAGE}`), 2;

  const files = eventFiles(paths.length ? paths : [resolve(SERVICE_DIR, DEFAULT_EVENTS)]);
  if (files.length === 0) return console.error(`no .json events in ${paths.join(', ') || DEFAULT_EVENTS}`), 2;

  const realSlack = Boolean(process.env.SLACK_BOT_TOKEN || process.env.SLACK_WEBHOOK_URL);
  const started: { close(): Promise<void> }[] = [];
  const start = async <T extends { close(): Promise<void> }>(service: Promise<T>) => {
    const running = await service;
    started.push(running);
    return running;
  };
  try {
    const dynamo = await start(startLocalDynamo(`cicd-guardian-${STAGE}-state`));
    const aws = await start(startAwsStandIn());
    const slack = realSlack ? undefined : await start(startSlackStandIn());
    configureEnvironment({ dynamo: dynamo.endpoint, table: dynamo.tableName, aws: aws.endpoint, slackApi: slack?.apiUrl, dryRun: flags.has('--dry-run') });
    const functions = readServiceDefinition();
    const service = String(readServerlessYaml().service ?? 'service');

    print(
      s.bold(`${service} local run`) + s.dim(` · ${files.length} event${files.length === 1 ? '' : 's'}${flags.has('--dry-run') ? ' · dry run' : ''}`),
      s.dim(`  DynamoDB  dynalite ${dynamo.endpoint}, table ${dynamo.tableName}`),
      s.dim(`  AWS       stand-in ${aws.endpoint} (SNS Publish, CodePipeline reads)`),
      s.dim(slack ? `  Slack     stand-in ${slack.apiUrl} (set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL to post for real)` : `  Slack     REAL Slack (${process.env.SLACK_BOT_TOKEN ? 'SLACK_BOT_TOKEN' : 'SLACK_WEBHOOK_URL'})`),
      s.dim(`  Policy    ${relative(process.cwd(), process.env.GUARDIAN_CONFIG!) || process.env.GUARDIAN_CONFIG}`),
    );

    const deliveries: Delivery[] = [];
    if (slack) slack.onCall = (call) => deliveries.push({ slack: call });
    aws.onPublish = (email) => deliveries.push({ email });

    const handlers = new Map<string, Handler>();
    const slackPrinter = new SlackPrinter(s, flags.has('--full'));
    const stats = { events: 0, unmatched: 0, invocations: 0, errors: 0 };
    const seenLogs = new Set<string>();
    const logCounter = { hidden: 0 };

    for (const [n, file] of files.entries()) {
      let events: unknown[];
      try {
        const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
        events = Array.isArray(parsed) ? parsed : [parsed];
      } catch (error) {
        print('', `${s.bold(`▶ ${n + 1}/${files.length}`)} ${displayPath(file)}`, ...errorLines(error, s).map((l) => `  ${l}`));
        stats.errors++;
        continue;
      }
      for (const event of events) {
        stats.events++;
        const time = (event as { time?: unknown }).time;
        print('', `${s.bold(`▶ ${n + 1}/${files.length}`)} ${displayPath(file)}${typeof time === 'string' ? s.dim(` · ${time}`) : ''}`, `  ${describeEvent(event, s)}`);
        const matched = functionsFor(event, functions);
        if (matched.length === 0) {
          stats.unmatched++;
          print(`  ${s.dim('→ no function: the EventBridge rules filter it out')}`);
          continue;
        }
        for (const name of matched) {
          const fn = functions.find((f) => f.name === name)!;
          print(`  ${s.cyan('→')} ${s.bold(name)}`);
          stats.invocations++;
          deliveries.length = 0;
          let failed: unknown;
          let result: unknown;
          const output = captureOutput();
          try {
            const handler = handlers.get(name) ?? (await loadHandler(fn));
            handlers.set(name, handler);
            result = await invoke(handler, event, fn, service);
          } catch (error) {
            failed = error;
            stats.errors++;
          } finally {
            output.restore();
          }
          print(...logLines(output.text(), s, seenLogs, logCounter));
          if (!failed) print(...decisionLines(result, s).map((l) => `  ${l}`));
          for (const d of deliveries) print(...('slack' in d ? slackPrinter.lines(d.slack) : emailLines(d.email, s)));
          if (failed) print(`  ${s.red(`✗ ${name} failed`)}`, ...errorLines(failed, s).map((l) => `    ${l}`));
        }
      }
    }

    print('', s.bold('Summary'), ...summary(stats, slack?.calls, aws.published, realSlack));
    if (logCounter.hidden) print(s.dim(`  ${logCounter.hidden} log line${logCounter.hidden === 1 ? '' : 's'} repeating an earlier one not shown`));
    return stats.errors > 0 ? 1 : 0;
  } finally {
    await Promise.all(started.map((service) => service.close()));
  }
}

/** Everything the function reads from its environment on AWS, pointed at the local stand-ins. Set before any handler is imported. */
function configureEnvironment(o: { dynamo: string; table: string; aws: string; slackApi?: string; dryRun: boolean }): void {
  const env = process.env;
  // Dummy credentials only: a profile would take precedence over them in the SDK's chain.
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  Object.assign(env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Any service without its own stand-in gets UnknownOperationException instead of reaching AWS.
    AWS_ENDPOINT_URL: o.aws,
    AWS_ENDPOINT_URL_DYNAMODB: o.dynamo,
    AWS_ENDPOINT_URL_SNS: o.aws,
    AWS_ENDPOINT_URL_CODEPIPELINE: o.aws,
    AWS_ENDPOINT_URL_SSM: o.aws,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: o.aws,
    GUARDIAN_TABLE: o.table,
    GUARDIAN_TOPIC_ARN: TOPIC_ARN,
    GUARDIAN_CONFIG: resolve(env.GUARDIAN_CONFIG ?? resolve(SERVICE_DIR, 'guardian.yml')),
    POWERTOOLS_SERVICE_NAME: env.POWERTOOLS_SERVICE_NAME ?? 'cicd-guardian',
    POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  if (o.slackApi) Object.assign(env, { SLACK_API_URL: o.slackApi, SLACK_BOT_TOKEN: 'xoxb-local-stand-in' });
  if (o.dryRun) env.GUARDIAN_DRY_RUN = 'true';
}

async function loadHandler(fn: FunctionDefinition): Promise<Handler> {
  const { file, exportName } = handlerLocation(fn);
  const mod = (await import(file)) as Record<string, unknown> & { default?: Record<string, unknown> };
  const handler = mod[exportName] ?? mod.default?.[exportName];
  if (typeof handler !== 'function') throw new Error(`${relative(SERVICE_DIR, file)} exports no function "${exportName}" (functions.${fn.name}.handler)`);
  return handler as Handler;
}

/** One invocation as Lambda makes it: a context with the function's time budget, and its timeout enforced. */
async function invoke(handler: Handler, event: unknown, fn: FunctionDefinition, service: string): Promise<unknown> {
  const functionName = `${service}-${STAGE}-${fn.name}`;
  const timeoutMs = fn.timeout * 1000;
  const end = Date.now() + timeoutMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(fn.memorySize ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeout.toFixed(2)} seconds`)), timeoutMs);
  });
  try {
    return await Promise.race([handler(event, context), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Collects what the function writes to stdout and stderr while it runs
 * (Powertools writes logs straight to the streams), to show it compactly
 * under its invocation.
 */
function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  return {
    text: () => chunks.join(''),
    restore: () => streams.forEach((stream, i) => (stream.write = originals[i]!)),
  };
}

/** The .json files named, folders expanded to their .json files (recursively, in name order). */
function eventFiles(paths: string[]): string[] {
  const walk = (p: string): string[] => {
    const full = resolve(p);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (!stat.isDirectory()) return [full];
    return readdirSync(full, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.name.endsWith('.json'))
      .map((e) => e.name)
      .sort()
      .flatMap((name) => walk(join(full, name)));
  };
  return paths.flatMap(walk);
}

class UsageError extends Error {}

const displayPath = (file: string) => {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? basename(file) : rel;
};

function summary(stats: { events: number; unmatched: number; invocations: number; errors: number }, calls: SlackCall[] | undefined, emails: PublishedEmail[], realSlack: boolean): string[] {
  const lines = [
    `  ${stats.events} event${stats.events === 1 ? '' : 's'} · ${stats.invocations} invocation${stats.invocations === 1 ? '' : 's'} · ${stats.unmatched} matched no function · ${stats.errors ? s.red(`${stats.errors} failed`) : '0 failed'}`,
  ];
  if (calls) {
    const byMethod = new Map<string, number>();
    for (const c of calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    const replies = calls.filter((c) => slackCallKind(c) === 'reply').length;
    const parts = [...byMethod].map(([m, count]) => `${m} ${count}${m === 'chat.postMessage' && replies ? ` (${replies} thread repl${replies === 1 ? 'y' : 'ies'})` : ''}`);
    lines.push(`  Slack calls: ${parts.join(' · ') || 'none'}`);
  } else if (realSlack) {
    lines.push('  Slack: sent to real Slack (see the decisions above)');
  }
  lines.push(`  Emails: ${emails.length}${emails.length ? ` (${emails.map((e) => `"${e.subject ?? ''}"`).join(', ')})` : ''}`);
  return lines;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else console.error(errorLines(error, s).join('\n'));
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
