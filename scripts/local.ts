// `npm start`: runs the service on this machine, no AWS account needed.
//
//   npm start                                        the scenario events/scenarios/pipeline-fails-in-deploy/ (notify)
//   npm start -- events/scenarios/ecs-crash-on-start the ECS rollback scenario (rollback)
//   npm start -- events/codebuild/build-failed.json  these files or folders (folders: their .json files, in name order)
//   npm start -- --dry-run                           the recording sink: what would be posted, sent and changed, in full; nothing is stored or sent
//   npm start -- --full                              show whole Slack messages on updates, not just what changed
//   npm start -- --wall-clock                        run every event at the real time, not at the event's own
//
// DynamoDB is dynalite in this process; SNS, STS, CodePipeline, CodeBuild and
// ECS are the fake AWS world of local/fakes/ (data files, answering the SDK
// clients in this process; it records the changes a rollback makes:
// StopServiceDeployment, UpdateService, DisableStageTransition), and any other
// AWS endpoint is its HTTP front, so nothing reaches AWS; Slack is a local stand-in,
// unless SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL is set, and then messages really
// go to Slack. Each event goes to the functions whose EventBridge patterns in
// serverless.yml match it, and the run prints what each function decided,
// changed and delivered.
//
// A scenario is a replay: while an event is handled the clock given to the
// functions (and to the fake AWS world) reads the event's `time` (plus the time
// spent handling it), so what the functions compare with "now" (cooldowns,
// bake windows, whether a deployment finished after the rollback that started
// it) sees the scenario's timeline. The global Date is left alone.

import '../local/observability-defaults';
import type { RecordedCall } from '../shared/executors/recording';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { applyEnv, localTopicArn, standInEnv } from '../local/environment';
import { readEnv } from '../shared/config/env';
import { captureOutput } from '../local/capture-output';
import { lambdaContext } from '../local/lambda-context';
import { SCENARIO_DIR } from '../local/scenario';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamo';
import { installFakeAws } from '../local/fakes/world';
import { startAwsFront } from '../local/fakes/http-front';
import type { AwsChange, PublishedEmail } from '../local/fakes/service-fake';
import { startSlackStandIn, type SlackCall } from '../local/slack-stand-in';
import { buttonFor, messagesSeen, openedModal, scenarioClick, signedClickRequest, signedSubmissionRequest, type SeenMessage } from '../local/slack-click';
import {
  configFileFor,
  functionsFor,
  handlerLocation,
  importHandler,
  readServerlessYaml,
  readServiceDefinition,
  SERVICE_DIR,
  type FunctionDefinition,
  type Handler,
} from '../local/service-definition';
import {
  assumedRoleLines,
  awsChangeLines,
  decisionLines,
  httpAnswerLines,
  describeEvent,
  emailLines,
  errorLines,
  logLines,
  makeStyle,
  recordedCalls,
  recordedLines,
  SlackPrinter,
  slackCallKind,
  wantsColor,
} from '../local/print';

const TOPIC_ARN = localTopicArn('cicd-guardian-local');
/** What the runner signs scenario clicks with, and the functions verify them with, unless SLACK_SIGNING_SECRET says otherwise. */
const LOCAL_SIGNING_SECRET = 'local-signing-secret-not-for-production';
const STAGE = 'local';

const USAGE = `usage: npm start -- [--dry-run] [--full] [--wall-clock] [event.json | folder ...]
  default: ${SCENARIO_DIR}/ (in file order); events/scenarios/ecs-crash-on-start/ is the rollback scenario
  --dry-run     GUARDIAN_DRY_RUN=true: show what would be posted, sent and changed; store, post, send or change nothing
  --full        print whole Slack messages on updates
  --wall-clock  handle each event at the real time instead of at its own \`time\`
  env: SLACK_BOT_TOKEN / SLACK_WEBHOOK_URL post to real Slack; GUARDIAN_CONFIG picks the policy (default guardian.yml)`;

type Delivery = { slack: SlackCall } | { email: PublishedEmail } | { change: AwsChange };

const s = makeStyle(wantsColor());
const print = (...lines: string[]) => lines.forEach((l) => process.stdout.write(`${l}\n`));

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const paths = argv.filter((a) => !a.startsWith('--'));
  if (flags.has('--help')) return print(USAGE), 0;
  const unknown = [...flags].filter((f) => !['--dry-run', '--full', '--wall-clock'].includes(f));
  if (unknown.length) return console.error(`unknown option ${unknown.join(', ')}\n${USAGE}`), 2;

  const files = eventFiles(paths.length ? paths : [resolve(SERVICE_DIR, SCENARIO_DIR)]);
  if (files.length === 0) return console.error(`no .json events in ${paths.join(', ') || SCENARIO_DIR}`), 2;

  const local = readEnv().slackOverrides;
  const realSlack = Boolean(local.token || local.webhookUrl);
  const started: { close(): Promise<void> }[] = [];
  const start = async <T extends { close(): Promise<void> }>(service: Promise<T>) => {
    const running = await service;
    started.push(running);
    return running;
  };
  try {
    const dynamo = await start(startLocalDynamo(`cicd-guardian-${STAGE}-state`));
    const clock = flags.has('--wall-clock') ? undefined : replayClock();
    const aws = await start(Promise.resolve(installFakeAws(clock ? { now: clock.now } : {})));
    const front = await start(startAwsFront(aws));
    const slack = realSlack ? undefined : await start(startSlackStandIn());
    configureEnvironment({ dynamo, aws: front, slackApi: slack?.apiUrl, dryRun: flags.has('--dry-run') });
    const policy = readEnv().configFile!;
    const functions = readServiceDefinition();
    const service = String(readServerlessYaml().service ?? 'service');

    print(
      s.bold(`${service} local run`) + s.dim(` · ${files.length} event${files.length === 1 ? '' : 's'}${flags.has('--dry-run') ? ' · dry run' : ''}`),
      s.dim(`  DynamoDB  dynalite ${dynamo.endpoint}, table ${dynamo.tableName}`),
      s.dim(`  AWS       fakes of local/fakes/ in this process (data in local/fakes/payments/, domain reactions in local/fakes/*.ts); other endpoints ${front.endpoint}`),
      s.dim(slack ? `  Slack     stand-in ${slack.apiUrl} (set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL to post for real)` : `  Slack     REAL Slack (${local.token ? 'SLACK_BOT_TOKEN' : 'SLACK_WEBHOOK_URL'})`),
      s.dim(`  Policy    ${relative(process.cwd(), policy) || policy}`),
      s.dim(flags.has('--wall-clock') ? '  Clock     real time' : "  Clock     each event's own time (a replay; --wall-clock for real time)"),
    );

    const deliveries: Delivery[] = [];
    if (slack) slack.onCall = (call) => deliveries.push({ slack: call });
    aws.onPublish = (email) => deliveries.push({ email });
    aws.onChange = (change) => deliveries.push({ change });

    const handlers = new Map<string, Handler>();
    const slackPrinter = new SlackPrinter(s, flags.has('--full'));
    const stats: Stats = { events: 0, unmatched: 0, invocations: 0, errors: 0, byFunction: new Map() };
    const seenLogs = new Set<string>();
    const rehearsed: RecordedCall[] = [];
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
        let click;
        try {
          click = scenarioClick(event);
        } catch (error) {
          print('', `${s.bold(`▶ ${n + 1}/${files.length}`)} ${displayPath(file)}`, ...errorLines(error, s).map((l) => `  ${l}`));
          stats.errors++;
          continue;
        }
        const time = click ? click.time : (event as { time?: unknown }).time;
        print('', `${s.bold(`▶ ${n + 1}/${files.length}`)} ${displayPath(file)}${typeof time === 'string' ? s.dim(` · ${time}`) : ''}`, `  ${click ? `Slack click: ${s.bold(click.user)} presses ${s.bold(click.button)}` : describeEvent(event, s)}`);
        if (typeof time === 'string') clock?.setTo(time);
        if (click) {
          // Sent as Slack sends it: a signed request to the function with a Function URL, for the newest message with that button.
          const endpoint = functions.find((f) => f.url);
          const button = buttonFor(click, seenMessages(slack?.calls ?? [], rehearsed));
          if (!endpoint || !button) {
            stats.errors++;
            print(`  ${s.red('✗')} ${!endpoint ? 'no function in serverless.yml has a Function URL to send the click to' : `no message with a ${click.button} button has been posted yet`}`);
            continue;
          }
          const secret = process.env.SLACK_SIGNING_SECRET ?? LOCAL_SIGNING_SECRET;
          const before = { slack: slack?.calls.length ?? 0, rehearsed: rehearsed.length };
          await runFunction(endpoint, signedClickRequest(click, button, secret, clock?.now() ?? new Date()));
          if (click.reason !== undefined) {
            // The click opened the modal asking why (views.open): the reason is typed in and submitted, as Slack would send it.
            const modal = openedModal([...(slack?.calls.slice(before.slack) ?? []), ...rehearsed.slice(before.rehearsed).flatMap((c) => (c.to === 'slack' ? [c] : []))]);
            if (!modal && flags.has('--dry-run')) {
              // A dry-run click's calls are rehearsed inside the function (its log has them): no modal is really opened to submit.
              print(`  ${s.dim(`a dry-run opens no modal: the reason "${click.reason}" is not submitted`)}`);
              continue;
            }
            if (!modal) {
              stats.errors++;
              print(`  ${s.red('✗')} the Reject opened no modal to give the reason "${click.reason}" in`);
              continue;
            }
            print(`  Slack modal: ${s.bold(click.user)} submits the reason ${s.bold(JSON.stringify(click.reason))}`);
            await runFunction(endpoint, signedSubmissionRequest({ ...click, reason: click.reason }, modal, secret, clock?.now() ?? new Date()));
          }
          continue;
        }
        const matched = functionsFor(event, functions);
        if (matched.length === 0) {
          stats.unmatched++;
          print(`  ${s.dim('→ no function: the EventBridge rules filter it out')}`);
          continue;
        }
        for (const fn of matched) await runFunction(fn, event);
      }
    }

    /** One invocation of a function, and what it decided, changed and delivered. */
    async function runFunction(fn: FunctionDefinition, input: unknown): Promise<void> {
      const { name } = fn;
      print(`  ${s.cyan('→')} ${s.bold(name)}`);
      stats.invocations++;
      const counts = stats.byFunction.get(name) ?? { invocations: 0, errors: 0 };
      stats.byFunction.set(name, counts);
      counts.invocations++;
      deliveries.length = 0;
      const callsBefore = aws.calls.length;
      let failed: unknown;
      let result: unknown;
      const output = captureOutput();
      try {
        const handler = handlers.get(name) ?? (await importHandler(handlerLocation(fn), fn.name, clock));
        handlers.set(name, handler);
        result = await invoke(handler, input, fn, service);
      } catch (error) {
        failed = error;
        stats.errors++;
        counts.errors++;
      } finally {
        output.restore();
      }
      print(...logLines(output.text(), s, seenLogs, logCounter));
      // Roles assumed in member accounts: once per role per container, while the credentials last.
      for (const call of aws.calls.slice(callsBefore)) if (call.service === 'sts' && call.operation === 'AssumeRole') print(...assumedRoleLines(call, s));
      if (!failed) print(...(fn.url ? httpAnswerLines(result, s) : decisionLines(result, s)).map((l) => `  ${l}`));
      // A dry-run's calls, from the recording sink: what would be posted, sent and changed.
      const recorded = failed ? [] : recordedCalls(result);
      rehearsed.push(...recorded);
      for (const call of recorded) print(...recordedLines(call, slackPrinter, s));
      for (const d of deliveries) print(...('slack' in d ? slackPrinter.lines(d.slack) : 'email' in d ? emailLines(d.email, s) : awsChangeLines(d.change, s)));
      if (failed) print(`  ${s.red(`✗ ${name} failed`)}`, ...errorLines(failed, s).map((l) => `    ${l}`));
    }

    print('', s.bold('Summary'), ...summary(stats, slack?.calls, aws.published, aws.changes, realSlack), ...rehearsalSummary(rehearsed));
    if (logCounter.hidden) print(s.dim(`  ${logCounter.hidden} log line${logCounter.hidden === 1 ? '' : 's'} repeating an earlier one not shown`));
    return stats.errors > 0 ? 1 : 0;
  } finally {
    await Promise.all(started.map((service) => service.close()));
  }
}

/** The Slack messages posted or updated so far (by the stand-in, or rehearsed in a dry-run), oldest first: where a click finds its button. */
function seenMessages(calls: SlackCall[], rehearsed: RecordedCall[]): SeenMessage[] {
  const seen = messagesSeen(calls);
  for (const call of rehearsed) {
    if (call.to !== 'slack') continue;
    const ts = call.method === 'chat.update' ? call.body.ts : call.ts;
    // A dry-run names channels as configured ("#deployments"); a click carries an id.
    const channel = String(call.body.channel ?? '');
    if (typeof ts === 'string' && Array.isArray(call.body.blocks)) seen.push({ channel: /^[CGD][A-Z0-9]{2,}$/.test(channel) ? channel : 'C0DRYRUN00', ts, blocks: call.body.blocks });
  }
  return seen;
}

// ------------------------------------------------------------------ clock

/**
 * A clock for the functions and the fake AWS world that reads a settable time
 * running on at the real pace, so a scenario's events are handled at their
 * own `time`. Only what is given this clock sees it: the global Date, the
 * SDKs and Node's timers keep real time (timeouts and retries too).
 */
function replayClock(): { now(): Date; setTo(iso: string): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    setTo(iso) {
      const at = Date.parse(iso);
      if (!Number.isNaN(at)) offset = at - Date.now();
    },
  };
}

/** Everything the function reads from its environment on AWS, pointed at the local stand-ins. Set before any handler is imported. */
function configureEnvironment(o: { dynamo: LocalDynamo; aws: { endpoint: string }; slackApi?: string; dryRun: boolean }): void {
  const env = process.env;
  applyEnv({
    ...standInEnv({
      dynamo: o.dynamo,
      aws: o.aws,
      slack: o.slackApi ? { apiUrl: o.slackApi, token: 'xoxb-local-stand-in' } : undefined,
      topicArn: TOPIC_ARN,
      // The policy the EventBridge patterns are resolved from (readServiceDefinition) is the one the function reads.
      configFile: configFileFor(readServerlessYaml()),
    }),
    SLACK_SIGNING_SECRET: env.SLACK_SIGNING_SECRET ?? LOCAL_SIGNING_SECRET,
    POWERTOOLS_SERVICE_NAME: env.POWERTOOLS_SERVICE_NAME ?? 'cicd-guardian',
    POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    ...(o.dryRun ? { GUARDIAN_DRY_RUN: 'true' } : {}),
  });
}

/** One invocation as Lambda makes it: a context with the function's time budget, and its timeout enforced. */
async function invoke(handler: Handler, event: unknown, fn: FunctionDefinition, service: string): Promise<unknown> {
  const functionName = `${service}-${STAGE}-${fn.name}`;
  const timeoutMs = fn.timeout * 1000;
  const context = lambdaContext({ functionName, budgetMs: timeoutMs, memoryMB: fn.memorySize ?? 1024 });
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

interface Stats {
  events: number;
  unmatched: number;
  invocations: number;
  errors: number;
  byFunction: Map<string, { invocations: number; errors: number }>;
}

function summary(stats: Stats, calls: SlackCall[] | undefined, emails: PublishedEmail[], changes: AwsChange[], realSlack: boolean): string[] {
  const lines = [
    `  ${stats.events} event${stats.events === 1 ? '' : 's'} · ${stats.invocations} invocation${stats.invocations === 1 ? '' : 's'} · ${stats.unmatched} matched no function · ${stats.errors ? s.red(`${stats.errors} failed`) : '0 failed'}`,
  ];
  if (stats.byFunction.size > 0) {
    const parts = [...stats.byFunction].map(([name, c]) => `${name} ${c.invocations}${c.errors ? s.red(` (${c.errors} failed)`) : ''}`);
    lines.push(`  By function: ${parts.join(' · ')}`);
  }
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
  if (changes.length > 0 || stats.byFunction.has('rollback')) {
    lines.push(`  AWS changes: ${changes.length}${changes.length ? ` (${changes.map((c) => `${c.service} ${c.operation}`).join(', ')})` : ''}`);
  }
  return lines;
}

/** What a dry-run would have done, counted as the summary counts a real run's calls. */
function rehearsalSummary(calls: RecordedCall[]): string[] {
  if (calls.length === 0) return [];
  const count = (to: RecordedCall['to']) => calls.filter((c) => c.to === to);
  const slackCalls = [...count('slack'), ...count('webhook')] as { method: string }[];
  const byMethod = new Map<string, number>();
  for (const c of slackCalls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
  const aws = count('aws') as { api: string }[];
  return [
    `  ${s.magenta('Dry run, would have made')}: Slack ${[...byMethod].map(([m, n]) => `${m} ${n}`).join(' · ') || 'none'} · emails ${count('email').length} · AWS changes ${aws.length}${aws.length ? ` (${aws.map((c) => c.api).join(', ')})` : ''}`,
  ];
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
