import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalDynamo } from '../local/dynamo.js';
import { applyEnv, localTopicArn, standInEnv } from '../local/environment.js';
import { lambdaContext } from '../local/lambda-context.js';
import { installFakeAws } from '../local/fakes/world.js';
import { startAwsFront } from '../local/fakes/http-front.js';
import { startSlackStandIn } from '../local/slack-stand-in.js';
import { captureOutput } from '../local/capture-output.js';
import { importHandler } from '../local/service-definition.js';

// The rollback function under a rolling deployment's burst of task events:
// every event invoked at once, as EventBridge would fan them out, against
// dynalite with added latency (conflicting writes happen over a network, not
// on loopback), the fake AWS world for ECS (its HTTP front) and the Slack stand-in. Events are the
// samples in events/ with fresh ids and task ARNs: routine replacements of the
// old deployment's tasks (which the deployed rule filters out; here they reach
// the handler anyway) and crashing tasks of the deployment in flight.

type Json = Record<string, unknown>;

export const BURST = { replacements: 180, failures: 20, dynamoLatencyMs: 5, timeoutS: 60 } as const;

export interface BurstResult {
  events: number;
  replacements: number;
  failures: number;
  dynamoLatencyMs: number;
  failedInvocations: number;
  errors: string[];
  rollbacks: number;
  dynamoRequests: number;
  dynamoRequestsPerEvent: number;
  /** From the first invocation to the rollback's change reaching ECS; null: none. */
  msUntilRollback: number | null;
  /** Until every invocation returned. */
  msUntilAllDone: number;
}

const EVENTS_DIR = resolve(__dirname, '..', 'events');
const sample = (rel: string): Json => JSON.parse(readFileSync(resolve(EVENTS_DIR, rel), 'utf8')) as Json;

function taskEvent(rel: string, task: string, stoppedAt?: string): Json {
  const e = sample(rel);
  const detail = e.detail as Json;
  e.id = randomUUID();
  detail.taskArn = `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/${task}`;
  if (stoppedAt) detail.stoppedAt = stoppedAt;
  return e;
}

export async function measureRollbackBurst(handlerSpec: { name: string; file: string; exportName: string }, configFile: string): Promise<BurstResult> {
  const dynamo = await startLocalDynamo('cicd-guardian-bench-burst-state');
  const aws = installFakeAws();
  const front = await startAwsFront(aws);
  const slack = await startSlackStandIn();
  applyEnv({
    ...standInEnv({ dynamo, aws: front, slack: { apiUrl: slack.apiUrl, token: 'xoxb-bench' }, topicArn: localTopicArn('cicd-guardian-bench-notifications'), configFile }),
    AWS_LAMBDA_FUNCTION_NAME: 'cicd-guardian-bench-rollback',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.GUARDIAN_DRY_RUN;
  const handler = await importHandler(handlerSpec, handlerSpec.name);
  const invoke = (e: Json) => handler(e, lambdaContext({ functionName: 'cicd-guardian-bench-rollback', budgetMs: BURST.timeoutS * 1000 }));

  let rollbackAt: number | undefined;
  aws.onChange = (change) => {
    if (change.operation === 'StopServiceDeployment' || change.operation === 'UpdateService') rollbackAt ??= performance.now();
  };
  const output = captureOutput();
  try {
    const started = sample('ecs/deployment-in-progress.json');
    started.id = randomUUID();
    await invoke(started);
    // Failures spread through the burst, as they land among the replacements.
    const burst: Json[] = [];
    for (let i = 0; i < BURST.replacements; i++) burst.push(taskEvent('ecs/task-stopped-scale-in.json', `old${i}`));
    const every = Math.floor(burst.length / BURST.failures);
    for (let i = BURST.failures - 1; i >= 0; i--) {
      burst.splice(i * every, 0, taskEvent('ecs/task-stopped-exit-code.json', `crash${i}`, `2025-06-12T14:05:${String(i).padStart(2, '0')}.000Z`));
    }
    dynamo.latencyMs = BURST.dynamoLatencyMs;
    const requestsBefore = dynamo.requests;
    const t0 = performance.now();
    const results = await Promise.allSettled(burst.map((e) => invoke(e)));
    const msUntilAllDone = performance.now() - t0;
    const dynamoRequests = dynamo.requests - requestsBefore;
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    return {
      events: burst.length,
      replacements: BURST.replacements,
      failures: BURST.failures,
      dynamoLatencyMs: BURST.dynamoLatencyMs,
      failedInvocations: rejected.length,
      errors: [...new Set(rejected.map((r) => String((r.reason as Error).message ?? r.reason)))].slice(0, 5),
      rollbacks: aws.changes.filter((c) => c.operation === 'StopServiceDeployment' || c.operation === 'UpdateService').length,
      dynamoRequests,
      dynamoRequestsPerEvent: Math.round((dynamoRequests / burst.length) * 100) / 100,
      msUntilRollback: rollbackAt === undefined ? null : Math.round(rollbackAt - t0),
      msUntilAllDone: Math.round(msUntilAllDone),
    };
  } finally {
    output.restore();
    await slack.close();
    await front.close();
    await aws.close();
    await dynamo.close();
  }
}

export function printRollbackBurst(b: BurstResult, lines: string[]) {
  lines.push(
    `  ${b.events} task events of one service invoked at once (${b.replacements} routine replacements of old tasks, which the deployed task rule filters out, and ${b.failures} crashing new tasks), DynamoDB (dynalite) ${b.dynamoLatencyMs} ms away`,
  );
  lines.push(
    `  failed invocations ${b.failedInvocations} (aim 0: ${b.failedInvocations === 0 ? 'ok' : 'MISS'})   rollbacks ${b.rollbacks} (aim 1: ${b.rollbacks === 1 ? 'ok' : 'MISS'})   ` +
      `DynamoDB requests ${b.dynamoRequests} (${b.dynamoRequestsPerEvent} per event)`,
  );
  lines.push(`  rollback started ${b.msUntilRollback === null ? 'never' : `${b.msUntilRollback} ms`} after the burst began; all invocations done after ${b.msUntilAllDone} ms`);
  for (const e of b.errors) lines.push(`  ! ${e}`);
}

// The handler's SDK clients are created once per process, on the first call:
// `npm run bench` runs this in a fresh process (runRollbackBurst), so they
// point at this burst's stand-ins. `npx tsx bench/rollback-burst.ts` prints it alone.
if (require.main === module) {
  const [file, exportName, configFile, json] = process.argv.slice(2);
  const root = resolve(__dirname, '..');
  measureRollbackBurst({ name: 'rollback', file: file ?? resolve(root, 'functions/rollback.ts'), exportName: exportName ?? 'handler' }, configFile ?? resolve(root, 'guardian.yml'))
    .then((result) => {
      if (json === '--json') return console.log(JSON.stringify(result));
      const lines: string[] = [];
      printRollbackBurst(result, lines);
      console.log(lines.join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

/** measureRollbackBurst in a child process of its own (fresh SDK clients). */
export function runRollbackBurst(handlerSpec: { file: string; exportName: string }, configFile: string): BurstResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, handlerSpec.file, handlerSpec.exportName, configFile, '--json'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`rollback burst failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(last) as BurstResult;
}
