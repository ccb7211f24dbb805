import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalDynamo } from '../local/dynamo.js';
import { applyEnv, localTopicArn, standInEnv } from '../local/environment.js';
import { lambdaContext } from '../local/lambda-context.js';
import { installFakeAws, PAYMENTS_DATA, type FakeAws } from '../local/fakes/world.js';
import { startAwsFront } from '../local/fakes/http-front.js';
import { startSlackStandIn } from '../local/slack-stand-in.js';
import { buttonFor, messagesSeen, signedClickRequest, type ScenarioClick } from '../local/slack-click.js';
import { captureOutput } from '../local/capture-output.js';
import { handlerLocation, importHandler, readServiceDefinition, type FunctionDefinition, type Handler } from '../local/service-definition.js';
import { summarize, type Summary } from './stats.js';

// Click to PutApprovalResult: the approval gate asks in Slack for the
// approval of events/scenarios/approval-approved-by-two/ (payments-web needs
// two approvers), then bob's click (a vote) and carol's (the deciding one)
// reach the function with a Function URL as Slack's signed requests. Measured
// from the start of each click's request to the handler's answer (Slack shows
// an error after 3 s), and for the deciding click to the PutApprovalResult
// call reaching CodePipeline (the fake's change). In one process: the
// handlers, dynalite a few ms away (as over a network), the fake AWS world
// (in process, and its HTTP front on loopback for the calls that reach an
// endpoint: GetCommit and PutApprovalResult do) and the Slack stand-in on loopback. Each repetition is a fresh
// execution: new execution, action execution and event ids, and a fake world
// installed anew with its approval in progress again.

type Json = Record<string, unknown>;

export const CLICK = { repetitions: 30, warmups: 1, dynamoLatencyMs: 5, slackAnswerLimitMs: 3000 } as const;

const ROOT = resolve(__dirname, '..');
const SCENARIO = join(ROOT, 'events', 'scenarios', 'approval-approved-by-two');
const REQUEST_EVENT = '03-approval-action-started.json';
/** The scenario's execution and its approval action's execution, as the fake data and the event name them. */
const EXECUTION_ID = 'c41d7e2a-9b3f-4e18-a6d5-2f7c0b9e8a14';
const ACTION_EXECUTION_ID = '3d5f7b9d-4e6a-4b8c-8d2e-1f3a5b7c9d4e';
/** guardian.yml people; payments-release needs two of them, and alice authored the commit. */
const VOTE: ScenarioClick = { user: 'U0BOB00001', button: 'approve', time: '2026-12-04T14:08:40Z' };
const DECIDING: ScenarioClick = { user: 'U0CAROL001', button: 'approve', time: '2026-12-04T14:12:03Z' };
const SIGNING_SECRET = 'bench-signing-secret';

export interface ClickResult {
  repetitions: number;
  warmups: number;
  dynamoLatencyMs: number;
  slackAnswerLimitMs: number;
  /** Measured repetitions (after the warm-ups), in ms. */
  voteAnswerMs: Summary;
  decidingAnswerMs: Summary;
  decidingToPutApprovalResultMs: Summary;
  /** The first repetition (fresh handlers: SDK clients created, secrets and config read), in ms. */
  first: { voteAnswerMs: number; decidingAnswerMs: number; decidingToPutApprovalResultMs: number | null };
  /** DynamoDB requests per repetition (gate, vote, deciding click), the last one. */
  dynamoRequests: { gate: number; vote: number; deciding: number };
  /** Repetitions with an answer other than HTTP 200, a PutApprovalResult before the deciding click, or other than one (Approved) after it. */
  failed: number;
  errors: string[];
}

/** The scenario's CodePipeline data and its approval request with the execution keyed anew. */
function freshExecution(): { codepipeline: unknown; requestEvent: Json } {
  const execution = randomUUID();
  const action = randomUUID();
  const rekey = (text: string) => text.replaceAll(EXECUTION_ID, execution).replaceAll(ACTION_EXECUTION_ID, action);
  const codepipeline = JSON.parse(rekey(readFileSync(join(PAYMENTS_DATA, 'codepipeline.json'), 'utf8'))) as unknown;
  const requestEvent = JSON.parse(rekey(readFileSync(join(SCENARIO, REQUEST_EVENT), 'utf8'))) as Json;
  requestEvent.id = randomUUID();
  return { codepipeline, requestEvent };
}

/** As scripts/local.ts replays a scenario: a settable time running on at the real pace, given to the handlers and the fakes. */
function replayClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), setTo: (iso: string) => void (offset = Date.parse(iso) - Date.now()) };
}

export async function measureApprovalClick(repetitions: number = CLICK.repetitions): Promise<ClickResult> {
  const functions = readServiceDefinition();
  const gateFn = functions.find((f) => f.name === 'approval-gate');
  const clickFn = functions.find((f) => f.url);
  if (!gateFn || !clickFn) throw new Error('bench: serverless.yml needs the approval-gate function and one with a Function URL (slack-interactions)');

  const dynamo = await startLocalDynamo('cicd-guardian-bench-approval-state');
  const slack = await startSlackStandIn();
  const clock = replayClock();
  // The world is installed anew each repetition; the HTTP front (for the calls that reach an endpoint) answers from the current one.
  let aws = installFakeAws({ now: clock.now });
  const front = await startAwsFront(new Proxy({} as FakeAws, { get: (_, key) => aws[key as keyof FakeAws] }));
  applyEnv({
    ...standInEnv({
      dynamo,
      aws: front,
      slack: { apiUrl: slack.apiUrl, token: 'xoxb-bench' },
      topicArn: localTopicArn('cicd-guardian-bench-notifications'),
      configFile: resolve(ROOT, 'guardian.yml'),
    }),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.GUARDIAN_DRY_RUN;
  delete process.env.SLACK_WEBHOOK_URL;
  const gate = await importHandler(handlerLocation(gateFn), gateFn.name, clock);
  const clicks = await importHandler(handlerLocation(clickFn), clickFn.name, clock);
  const invoke = (fn: FunctionDefinition, handler: Handler, input: unknown) =>
    handler(input, lambdaContext({ functionName: `cicd-guardian-bench-${fn.name}`, budgetMs: fn.timeout * 1000, memoryMB: fn.memorySize ?? 512 }));

  const samples = { vote: [] as number[], deciding: [] as number[], toPut: [] as number[] };
  const errors: string[] = [];
  let failed = 0;
  let dynamoRequests = { gate: 0, vote: 0, deciding: 0 };
  const output = captureOutput();
  try {
    for (let i = 0; i < CLICK.warmups + repetitions; i++) {
      const { codepipeline, requestEvent } = freshExecution();
      await aws.close();
      aws = installFakeAws({ now: clock.now, data: { codepipeline } });
      slack.reset();
      let putAt: number | undefined;
      aws.onChange = (change) => {
        if (change.operation === 'PutApprovalResult') putAt ??= performance.now();
      };
      dynamo.latencyMs = CLICK.dynamoLatencyMs;

      try {
        const before = dynamo.requests;
        clock.setTo(String(requestEvent.time));
        await invoke(gateFn, gate, requestEvent);
        const afterGate = dynamo.requests;
        const answer = async (click: ScenarioClick) => {
          clock.setTo(click.time!);
          const button = buttonFor(click, messagesSeen(slack.calls));
          if (!button) throw new Error(`no message with a ${click.button} button after the approval gate ran`);
          const request = signedClickRequest(click, button, SIGNING_SECRET, clock.now());
          const t0 = performance.now();
          const response = (await invoke(clickFn, clicks, request)) as { statusCode?: number };
          const ms = performance.now() - t0;
          if (response.statusCode !== 200) throw new Error(`${click.user}'s click answered HTTP ${response.statusCode}`);
          return { t0, ms };
        };
        const vote = await answer(VOTE);
        if (putAt !== undefined) throw new Error('the first vote made PutApprovalResult');
        const afterVote = dynamo.requests;
        const deciding = await answer(DECIDING);
        const puts = aws.changes.filter((c) => c.operation === 'PutApprovalResult');
        if (puts.length !== 1 || puts[0]!.detail?.status !== 'Approved' || putAt === undefined) throw new Error(`the deciding click made ${puts.length} PutApprovalResult (${JSON.stringify(puts.map((p) => p.detail))})`);
        dynamoRequests = { gate: afterGate - before, vote: afterVote - afterGate, deciding: dynamo.requests - afterVote };
        samples.vote.push(vote.ms);
        samples.deciding.push(deciding.ms);
        samples.toPut.push(putAt - deciding.t0);
      } catch (error) {
        failed++;
        errors.push((error as Error).message);
      }
    }
  } finally {
    output.restore();
    await aws.close();
    await front.close();
    await slack.close();
    await dynamo.close();
  }
  const measured = (values: number[]) => summarize(values.slice(CLICK.warmups));
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10);
  return {
    repetitions,
    warmups: CLICK.warmups,
    dynamoLatencyMs: CLICK.dynamoLatencyMs,
    slackAnswerLimitMs: CLICK.slackAnswerLimitMs,
    voteAnswerMs: measured(samples.vote),
    decidingAnswerMs: measured(samples.deciding),
    decidingToPutApprovalResultMs: measured(samples.toPut),
    first: { voteAnswerMs: round(samples.vote[0]) ?? NaN, decidingAnswerMs: round(samples.deciding[0]) ?? NaN, decidingToPutApprovalResultMs: round(samples.toPut[0]) },
    dynamoRequests,
    failed,
    errors: [...new Set(errors)].slice(0, 5),
  };
}

export function printApprovalClick(r: ClickResult, lines: string[]) {
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const row = (label: string, s: Summary, limit?: number) =>
    lines.push(`  ${label.padEnd(46)} p50 ${ms(s.p50).padStart(6)} ms   p99 ${ms(s.p99).padStart(6)} ms   max ${ms(s.max).padStart(6)} ms${limit ? `   aim p99 < ${limit} ms (Slack's limit): ${s.p99 < limit ? 'ok' : 'MISS'}` : ''}`);
  lines.push(
    `  ${r.repetitions} fresh executions (after ${r.warmups} warm-up): approval-gate asks, bob votes, carol decides (2 of 2); DynamoDB (dynalite) ${r.dynamoLatencyMs} ms away, AWS fakes in process and on loopback, Slack stand-in on loopback`,
  );
  row('vote (not deciding): request to answer', r.voteAnswerMs, r.slackAnswerLimitMs);
  row('deciding click: request to answer', r.decidingAnswerMs, r.slackAnswerLimitMs);
  row('deciding click: request to PutApprovalResult', r.decidingToPutApprovalResultMs);
  const first = r.first;
  lines.push(`  first repetition (new handlers, clients created): vote ${ms(first.voteAnswerMs)} ms, deciding ${ms(first.decidingAnswerMs)} ms, to PutApprovalResult ${first.decidingToPutApprovalResultMs === null ? '-' : `${ms(first.decidingToPutApprovalResultMs)} ms`}`);
  lines.push(`  DynamoDB requests: gate ${r.dynamoRequests.gate}, vote ${r.dynamoRequests.vote}, deciding click ${r.dynamoRequests.deciding}   failed repetitions ${r.failed} (aim 0: ${r.failed === 0 ? 'ok' : 'MISS'})`);
  lines.push(`  note: Slack's 3 s counts from its own send; network to the Function URL and Lambda's cold start (section 1) come on top.`);
  for (const e of r.errors) lines.push(`  ! ${e}`);
}

// The handlers' SDK clients are created once per process: `npm run bench` runs this in a fresh
// process (runApprovalClick), so they point at these stand-ins. `npx tsx bench/approval-click.ts` prints it alone.
if (require.main === module) {
  const [count, json] = process.argv.slice(2);
  measureApprovalClick(Number(count) > 0 ? Number(count) : CLICK.repetitions)
    .then((result) => {
      if (json === '--json') return console.log(JSON.stringify(result));
      const lines: string[] = [];
      printApprovalClick(result, lines);
      console.log(lines.join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

/** measureApprovalClick in a child process of its own (fresh SDK clients). */
export function runApprovalClick(repetitions: number): ClickResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, String(repetitions), '--json'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`approval click bench failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(last) as ClickResult;
}
