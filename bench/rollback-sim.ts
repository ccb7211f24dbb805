import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../shared/config/load.js';
import { parseRollbackEvent } from '../shared/events/parse-rollback.js';
import type { RollbackEvent } from '../shared/events/types.js';
import { findTrigger, rollbackSettings } from '../shared/policies/rollback.js';
import { applyServiceEvent, emptyServiceView } from '../shared/views/service-view.js';

// Time to rollback: cicd-guardian beside the ECS deployment circuit breaker.
//
// Each scenario is a timeline of EventBridge events built from the samples in
// events/ (the same files the rollback tests use: a fresh task ARN per task,
// `startedBy` = the deployment id, only ids and times changed), parsed by
// parseRollbackEvent and replayed, in time order, through the real pure
// functions: applyServiceEvent, then findTrigger with the default settings
// (failureThreshold 2, failureWindowMinutes 10, bakeMinutes 15, conclusiveFirst on). cicd-guardian
// starts its rollback at the time of the first event for which findTrigger
// returns a trigger. The circuit breaker is the small model below. Everything is
// deterministic: no randomness, no clock reads.
//
// MODEL of a failing rolling update (times from the moment ECS reports the
// deployment IN_PROGRESS):
// - Batches. ECS launches the new revision's tasks in batches of
//   floor(desired x maximumPercent / 100) - ceil(desired x minimumHealthyPercent / 100)
//   tasks, i.e. `desired` with the defaults 200% / 100% (ECS starts replacements
//   up to maximumPercent, default 200% [5]). Tasks of a batch are created 1 s
//   apart (the samples' tasks were created ~0.2 s apart; 1 s allows for jitter).
// - Failure timing, from each task's creation: image-not-found = never RUNNING,
//   STOPPED at 75 s (the sample's own times: the pull is retried, then the task stops);
//   crash-on-start = RUNNING after 60 s
//   (ENI + image pull + container start), exit 1 at 100 s, STOPPED at 120 s;
//   failing health checks = RUNNING after 60 s, marked unhealthy at 180 s (60 s
//   health check grace period + 2 failed ELB checks at the default 30 s interval
//   [6]), STOPPED at 210 s (deregistration and SIGTERM). The samples in events/ecs
//   show 2:50 and 5:35 from creation to STOPPED; we use the shorter times.
// - Backoff. After a batch has failed, the next batch is launched after a
//   backoff that doubles from 30 s, capped at 15 min (the service throttle logic:
//   "incrementally increased up to" 15 min, 27 min in the current guide [4]).
//   Caveat: the guide says the throttle applies to tasks that never reach
//   RUNNING; tasks stopped after RUNNING (both failing scenarios here) are not
//   throttled [4]. Without the backoff the breaker would trip sooner, so this
//   assumption favours cicd-guardian.
// - Circuit breaker: threshold = min(200, max(3, ceil(0.5 x desired))) [1][2];
//   it counts CONSECUTIVE failed tasks of the deployment (a healthy task resets
//   the count) [2][3], trips on the threshold-th failure and then starts the
//   rollback. It stops watching once the deployment is COMPLETED [3], so a
//   regression after COMPLETED is never caught.
// - Healthy deployment (scenario 3): tasks RUNNING after 60 s and healthy after 5
//   passing ELB checks at 30 s (the ALB defaults [6]); ECS reports COMPLETED once
//   the old tasks are drained: the last new task healthy + the default 300 s
//   deregistration delay. The 5xx alarm fires 6 minutes after COMPLETED.
// Not modelled: EventBridge delivery and Lambda latency (seconds), ECS's
// SERVICE_TASK_START_IMPAIRED events (a further signal to cicd-guardian), and how
// long either rollback then takes to finish (the same ECS rollback for both).
//
// Sources:
// [1] ServiceDeploymentCircuitBreaker, ECS API Reference: threshold 0.5 x desired count, min 3, max 200.
//     https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
// [2] "Amazon ECS improves deployment monitoring responsiveness" (Jan 2024): consecutive failures; minimum
//     threshold lowered from 10 to 3. https://aws.amazon.com/about-aws/whats-new/2024/01/amazon-ecs-deployment-monitoring-responsiveness-services/
// [3] How the Amazon ECS deployment circuit breaker detects failures (two stages: reaching RUNNING, then health checks).
//     https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
// [4] Amazon ECS service throttle logic. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html
// [5] ECS starts a replacement before stopping an unhealthy task, bounded by maximumPercent (default 200%).
//     https://aws.amazon.com/about-aws/whats-new/2023/10/amazon-ecs-applications-resiliency-unpredictable-load-spikes/
// [6] Why the circuit breaker does not roll back (health check interval 30 s delays detection).
//     https://repost.aws/knowledge-center/ecs-deployment-roll-back-failure
// Reports of slow trips (thresholds before 2024): https://github.com/aws/containers-roadmap/issues/1573,
// https://github.com/aws/copilot-cli/issues/2608 (about an hour for ~10 failing health-check tasks).

export const DESIRED_COUNTS = [1, 4, 10, 50] as const;
/** Aim: cicd-guardian starts its rollback at least this many times sooner than the breaker. */
export const AIM_SPEED_UP = 3;

export const MODEL = {
  circuitBreaker: { percentOfDesired: 50, min: 3, max: 200, counting: 'consecutive' },
  rollingUpdate: { maximumPercent: 200, minimumHealthyPercent: 100 },
  taskCreationSpacingS: 1,
  backoff: { firstS: 30, factor: 2, maxS: 15 * 60 },
  healthyDeployment: { healthyAfterS: 60 + 5 * 30, deregistrationDelayS: 300, alarmAfterCompletedS: 6 * 60 },
} as const;

/** Seconds after a task's creation at which each timestamp of its task events falls. */
interface TaskPhases {
  connectivityAt: number;
  pullStartedAt: number;
  pullStoppedAt: number;
  startedAt: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
}

const STARTING = { connectivityAt: 8, pullStartedAt: 12, pullStoppedAt: 17, startedAt: 60 };

type FailingScenario = 'crash-on-start' | 'failing-health-checks' | 'image-not-found';
export type ScenarioName = FailingScenario | 'completes-then-5xx';

const FAILING: Record<FailingScenario, { stoppedSample: string; phases: Required<TaskPhases>; what: string; reachesRunning: boolean }> = {
  'crash-on-start': {
    reachesRunning: true,
    stoppedSample: 'ecs/task-stopped-exit-code.json',
    phases: { ...STARTING, stoppingAt: 100, executionStoppedAt: 100, stoppedAt: 120 },
    what: 'every task exits 1 shortly after starting (STOPPED 2:00 after creation)',
  },
  'failing-health-checks': {
    reachesRunning: true,
    stoppedSample: 'ecs/task-stopped-health-check.json',
    phases: { ...STARTING, stoppingAt: 180, executionStoppedAt: 208, stoppedAt: 210 },
    what: 'tasks start, fail ELB health checks and are stopped (STOPPED 3:30 after creation)',
  },
  // The sample's own timing: the pull is retried, the task stops 1:15 after creation, never RUNNING (so the
  // throttle backoff [4] does apply). A conclusive failure: cicd-guardian acts on the first one.
  'image-not-found': {
    reachesRunning: false,
    stoppedSample: 'ecs/task-stopped-cannot-pull.json',
    phases: { ...STARTING, stoppingAt: 45, executionStoppedAt: 45, stoppedAt: 75 },
    what: "the image tag does not exist (CannotPullContainerError ... not found, a conclusive failure): STOPPED 1:15 after creation, never RUNNING",
  },
};

export const SCENARIOS: { name: ScenarioName; what: string }[] = [
  { name: 'crash-on-start', what: FAILING['crash-on-start'].what },
  { name: 'failing-health-checks', what: FAILING['failing-health-checks'].what },
  { name: 'image-not-found', what: FAILING['image-not-found'].what },
  { name: 'completes-then-5xx', what: 'all tasks healthy, deployment COMPLETED, then the 5xx alarm fires 6 min later' },
];

export interface SimRow {
  scenario: ScenarioName;
  desired: number;
  batchSize: number;
  breakerThreshold: number;
  /** Seconds after the deployment started; null: never. */
  guardianS: number | null;
  guardian: string;
  guardianTrigger?: string;
  /** With conclusiveFirst off (waiting for failureThreshold), when that differs; null: never. */
  guardianThresholdOnlyS?: number | null;
  breakerS: number | null;
  breaker: string;
  /** breaker / guardian; null when either never acts. */
  speedUp: number | null;
  aimMet: boolean;
  /** Events replayed through applyServiceEvent + findTrigger until cicd-guardian's trigger (none after the breaker's trip). */
  eventsReplayed: number;
  /** Tasks of the new revision that failed up to the breaker's trip. */
  tasksFailed: number;
  /** The batch (1 = the first) whose failure trips the breaker; null: never. */
  breakerBatch: number | null;
}

export interface RollbackSimReport {
  settings: { failureThreshold: number; failureWindowMinutes: number; bakeMinutes: number; conclusiveFirst: boolean };
  model: typeof MODEL;
  aimSpeedUp: number;
  scenarios: typeof SCENARIOS;
  rows: SimRow[];
}

// ---------------------------------------------------------------------------
// The model

export const breakerThreshold = (desired: number) => {
  const cb = MODEL.circuitBreaker;
  return Math.min(cb.max, Math.max(cb.min, Math.ceil((cb.percentOfDesired / 100) * desired)));
};

export const batchSize = (desired: number) => {
  const r = MODEL.rollingUpdate;
  return Math.max(1, Math.floor((desired * r.maximumPercent) / 100) - Math.ceil((desired * r.minimumHealthyPercent) / 100));
};

const backoffS = (failedBatches: number) => Math.min(MODEL.backoff.maxS, MODEL.backoff.firstS * MODEL.backoff.factor ** (failedBatches - 1));

interface PlannedTask {
  n: number;
  batch: number;
  createdS: number;
  /** When its STOPPED event says it stopped (failing scenarios) or it turned healthy. */
  outcomeS: number;
}

/** Tasks of a failing deployment, in order, batch by batch until the batch in which the breaker's threshold of failures is reached. */
function failingTasks(desired: number, stoppedAfterS: number): PlannedTask[] {
  const threshold = breakerThreshold(desired);
  const size = batchSize(desired);
  const tasks: PlannedTask[] = [];
  let launchS = 0;
  for (let batch = 0; tasks.length < threshold; batch++) {
    for (let i = 0; i < size; i++) {
      const createdS = launchS + i * MODEL.taskCreationSpacingS;
      tasks.push({ n: tasks.length + 1, batch, createdS, outcomeS: createdS + stoppedAfterS });
    }
    launchS = tasks.at(-1)!.outcomeS + backoffS(batch + 1);
  }
  return tasks;
}

/** When the breaker trips: the threshold-th consecutive failure, while the deployment is in progress. */
export function breakerTrip(outcomes: { atS: number; failed: boolean }[], threshold: number, completedS?: number): number | undefined {
  let consecutive = 0;
  for (const o of [...outcomes].sort((a, b) => a.atS - b.atS)) {
    if (completedS !== undefined && o.atS > completedS) break;
    consecutive = o.failed ? consecutive + 1 : 0;
    if (consecutive >= threshold) return o.atS;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Events, from the samples in events/

type Json = Record<string, unknown>;
const EVENTS_DIR = resolve(__dirname, '..', 'events');
const loadSample = (rel: string): Json => JSON.parse(readFileSync(resolve(EVENTS_DIR, rel), 'utf8')) as Json;
const detailOf = (raw: Json) => raw.detail as Json;

const DEPLOYMENT_STARTED = loadSample('ecs/deployment-in-progress.json');
/** The in-flight deployment of the samples (the tests' BAD_DEPLOYMENT) and when it started. */
const DEPLOYMENT_ID = detailOf(DEPLOYMENT_STARTED).deploymentId as string;
const T0 = Date.parse(detailOf(DEPLOYMENT_STARTED).updatedAt as string);
const iso = (s: number) => new Date(T0 + Math.round(s * 1000)).toISOString();

/** Replaces every occurrence of `from` in the event (ARNs, runtime ids, reasons) with `to`. */
const rename = (raw: Json, from: string, to: string): Json => JSON.parse(JSON.stringify(raw).split(from).join(to)) as Json;

interface TimedEvent {
  atS: number;
  event: RollbackEvent;
  facts?: { taskDefinitionArn?: string };
}

function deploymentEvent(sample: string, eventId: string, atS: number): TimedEvent {
  const original = loadSample(sample);
  const raw = rename(original, detailOf(original).deploymentId as string, DEPLOYMENT_ID);
  raw.id = eventId;
  raw.time = iso(atS);
  detailOf(raw).updatedAt = iso(atS);
  return { atS, event: parseRollbackEvent(raw) };
}

/** A task event of the sample, moved to a fresh task of the deployment, with its timestamps from `phases`. */
function taskEvent(sample: string, eventId: string, taskId: string, createdS: number, phases: TaskPhases): TimedEvent {
  const original = loadSample(sample);
  const sampleTaskId = (detailOf(original).taskArn as string).split('/').at(-1)!;
  const raw = rename(original, sampleTaskId, taskId);
  const d = detailOf(raw);
  raw.id = eventId;
  d.startedBy = DEPLOYMENT_ID;
  d.createdAt = iso(createdS);
  let lastS = createdS;
  for (const [key, offset] of Object.entries(phases) as [keyof TaskPhases, number | undefined][]) {
    if (offset === undefined || !(key in d)) continue;
    d[key] = iso(createdS + offset);
    lastS = Math.max(lastS, createdS + offset);
  }
  d.updatedAt = iso(lastS);
  raw.time = iso(lastS);
  return { atS: lastS, event: parseRollbackEvent(raw) };
}

function alarmEvent(eventId: string, atS: number): TimedEvent {
  const raw = loadSample('cloudwatch/alarm-5xx-alarm.json');
  raw.id = eventId;
  raw.time = iso(atS);
  // CloudWatch writes "2025-06-12T14:08:40.566+0000".
  (detailOf(raw).state as Json).timestamp = iso(atS).replace(/Z$/, '+0000');
  return { atS, event: parseRollbackEvent(raw) };
}

/** A deterministic 32-hex task id, like ECS's. */
const taskIdOf = (key: string) => createHash('md5').update(key).digest('hex');

const TASK_DEFINITION = detailOf(loadSample('ecs/task-running.json')).taskDefinitionArn as string;

interface Timeline {
  events: TimedEvent[];
  breakerS?: number;
  breakerBatch?: number;
  tasksFailed: number;
}

function failingTimeline(scenario: FailingScenario, desired: number): Timeline {
  const { stoppedSample, phases, reachesRunning } = FAILING[scenario];
  const key = (what: string) => `sim-${scenario}-${desired}-${what}`;
  const tasks = failingTasks(desired, phases.stoppedAt);
  const events: TimedEvent[] = [deploymentEvent('ecs/deployment-in-progress.json', key('deployment-started'), 0)];
  for (const t of tasks) {
    const taskId = taskIdOf(key(`task-${t.n}`));
    if (reachesRunning) events.push(taskEvent('ecs/task-running.json', key(`task-${t.n}-running`), taskId, t.createdS, { ...STARTING }));
    events.push(taskEvent(stoppedSample, key(`task-${t.n}-stopped`), taskId, t.createdS, phases));
  }
  const breakerS = breakerTrip(
    tasks.map((t) => ({ atS: t.outcomeS, failed: true })),
    breakerThreshold(desired),
  );
  const tripping = tasks.find((t) => t.outcomeS === breakerS);
  const tasksFailed = tasks.filter((t) => breakerS === undefined || t.outcomeS <= breakerS).length;
  return { events, breakerS, breakerBatch: tripping && tripping.batch + 1, tasksFailed };
}

function healthyThen5xxTimeline(desired: number): Timeline {
  const key = (what: string) => `sim-completes-then-5xx-${desired}-${what}`;
  const h = MODEL.healthyDeployment;
  const events: TimedEvent[] = [deploymentEvent('ecs/deployment-in-progress.json', key('deployment-started'), 0)];
  const outcomes: { atS: number; failed: boolean }[] = [];
  for (let n = 1; n <= desired; n++) {
    const createdS = (n - 1) * MODEL.taskCreationSpacingS;
    events.push(taskEvent('ecs/task-running.json', key(`task-${n}-running`), taskIdOf(key(`task-${n}`)), createdS, { ...STARTING }));
    outcomes.push({ atS: createdS + h.healthyAfterS, failed: false });
  }
  const completedS = Math.max(...outcomes.map((o) => o.atS)) + h.deregistrationDelayS;
  const completed = deploymentEvent('ecs/deployment-completed.json', key('deployment-completed'), completedS);
  events.push({ ...completed, facts: { taskDefinitionArn: TASK_DEFINITION } });
  events.push(alarmEvent(key('alarm'), completedS + h.alarmAfterCompletedS));
  return { events, breakerS: breakerTrip(outcomes, breakerThreshold(desired), completedS), tasksFailed: 0 };
}

// ---------------------------------------------------------------------------
// Replay

const CONFIG = parseConfig(
  { rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api', alarms: ['payments-api-5xx'] }] } },
  'rollback simulation',
);
const SETTINGS = rollbackSettings(CONFIG.rollback.services[0]!, CONFIG);

/** The first event, in time order, for which findTrigger returns a trigger; events after the breaker's trip are not replayed. */
function replay(timeline: Timeline, settings = SETTINGS) {
  const events = timeline.events
    .filter((e) => timeline.breakerS === undefined || e.atS <= timeline.breakerS)
    .sort((a, b) => a.atS - b.atS);
  const first = events[0]!.event as Extract<RollbackEvent, { kind: 'ecs-deployment' }>;
  let view = emptyServiceView({ account: first.account, region: first.region, cluster: first.cluster, service: first.service });
  let replayed = 0;
  for (const e of events) {
    replayed++;
    view = applyServiceEvent(view, e.event, e.facts);
    const trigger = findTrigger(view, e.event, settings);
    if (trigger) return { atS: e.atS, trigger, replayed };
  }
  return { atS: undefined, trigger: undefined, replayed };
}

export const mmss = (s: number) => {
  const total = Math.round(s);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
};

export function simulateRollbacks(): RollbackSimReport {
  const rows: SimRow[] = [];
  for (const { name } of SCENARIOS) {
    for (const desired of DESIRED_COUNTS) {
      const timeline = name === 'completes-then-5xx' ? healthyThen5xxTimeline(desired) : failingTimeline(name, desired);
      const g = replay(timeline);
      const thresholdOnly = replay(timeline, { ...SETTINGS, conclusiveFirst: false });
      const b = timeline.breakerS;
      const speedUp = g.atS !== undefined && b !== undefined ? Math.round((b / g.atS) * 10) / 10 : null;
      rows.push({
        scenario: name,
        desired,
        batchSize: batchSize(desired),
        breakerThreshold: breakerThreshold(desired),
        guardianS: g.atS ?? null,
        guardian: g.atS === undefined ? 'never' : mmss(g.atS),
        guardianTrigger: g.trigger?.summary,
        ...(thresholdOnly.atS !== g.atS ? { guardianThresholdOnlyS: thresholdOnly.atS ?? null } : {}),
        breakerS: b ?? null,
        breaker: b === undefined ? 'never' : mmss(b),
        speedUp,
        // Failing scenarios: at least AIM_SPEED_UP times sooner. Scenario 3: caught by cicd-guardian, never by the breaker.
        aimMet: g.atS !== undefined && (b === undefined || (speedUp !== null && b / g.atS >= AIM_SPEED_UP)),
        eventsReplayed: g.replayed,
        tasksFailed: timeline.tasksFailed,
        breakerBatch: timeline.breakerBatch ?? null,
      });
    }
  }
  return {
    settings: { failureThreshold: SETTINGS.failureThreshold, failureWindowMinutes: SETTINGS.failureWindowMinutes, bakeMinutes: SETTINGS.bakeMinutes, conclusiveFirst: SETTINGS.conclusiveFirst },
    model: MODEL,
    aimSpeedUp: AIM_SPEED_UP,
    scenarios: SCENARIOS,
    rows,
  };
}

export function printRollbackSim(r: RollbackSimReport, lines: string[]) {
  const s = r.settings;
  lines.push(
    `  replayed through applyServiceEvent + findTrigger (defaults: ${s.failureThreshold} failed tasks within ${s.failureWindowMinutes} min, or the first conclusive one (conclusiveFirst ${s.conclusiveFirst}), bake ${s.bakeMinutes} min); times are mm:ss after the deployment started`,
  );
  const row = (cells: string[]) =>
    lines.push(`  ${cells[0]!.padEnd(23)}${cells[1]!.padStart(7)}${cells[2]!.padStart(11)}${cells[3]!.padStart(7)}${cells[4]!.padStart(17)}${cells[5]!.padStart(17)}${cells[6]!.padStart(10)}  ${cells[7]}`);
  row(['scenario', 'desired', 'threshold', 'batch', 'guardian starts', 'circuit breaker', 'speed-up', `aim >= ${r.aimSpeedUp}x sooner`]);
  for (const x of r.rows) {
    const verdict = x.aimMet ? (x.breakerS === null ? 'ok (breaker never)' : 'ok') : 'MISS';
    row([x.scenario, String(x.desired), String(x.breakerThreshold), String(x.batchSize), x.guardian, x.breaker, x.speedUp === null ? '-' : `${x.speedUp.toFixed(1)}x`, verdict]);
  }
  for (const sc of r.scenarios) lines.push(`  ${sc.name}: ${sc.what}`);
  for (const sc of r.scenarios) {
    const rows = r.rows.filter((x) => x.scenario === sc.name && x.guardianThresholdOnlyS !== undefined);
    if (rows.length === 0) continue;
    const at = rows.map((x) => `${x.guardianThresholdOnlyS === null ? 'never' : mmss(x.guardianThresholdOnlyS!)} (desired ${x.desired})`).join(', ');
    lines.push(`  ${sc.name} with conclusiveFirst off (waiting for ${r.settings.failureThreshold} failures), cicd-guardian would start at ${at}`);
  }
  const inFirst = r.rows.filter((x) => x.breakerBatch === 1);
  const later = r.rows.filter((x) => x.breakerBatch !== null && x.breakerBatch > 1);
  const counts = (rows: SimRow[]) => [...new Set(rows.map((x) => x.desired))].join(', ');
  if (inFirst.length > 0) {
    lines.push(
      `  note: with desired ${counts(inFirst)} the breaker's threshold is reached within the first batch of failing tasks, so it acts within seconds of cicd-guardian ` +
        `(which needs ${r.settings.failureThreshold} failures)${later.length > 0 ? `; only with desired ${counts(later)} does it need later batches, delayed by the backoff` : ''}`,
    );
  }
  const m = r.model;
  lines.push(
    `  model: the breaker trips on the threshold-th consecutive failed task, threshold = min(${m.circuitBreaker.max}, max(${m.circuitBreaker.min}, ceil(${m.circuitBreaker.percentOfDesired / 100} x desired))) [1][2]; ` +
      `it stops watching at COMPLETED [3]`,
  );
  lines.push(
    `         tasks launch in batches of desired x (maximumPercent ${m.rollingUpdate.maximumPercent}% - minimumHealthyPercent ${m.rollingUpdate.minimumHealthyPercent}%) [5], created ${m.taskCreationSpacingS} s apart; ` +
      `after a failed batch, a backoff doubling from ${m.backoff.firstS} s (max ${m.backoff.maxS / 60} min) [4]`,
  );
  lines.push(
    `         crash: RUNNING 1:00, STOPPED 2:00 after creation; health checks: RUNNING 1:00, unhealthy 3:00 (60 s grace + 2 x 30 s checks) [6], STOPPED 3:30; ` +
      `image not found: never RUNNING, STOPPED 1:15 after creation (the sample's times); healthy: COMPLETED = last task healthy (1:00 + 5 x 30 s) + 300 s deregistration delay, alarm 6 min later`,
  );
  lines.push(
    `  caveats: [4] says the throttle backoff applies to tasks that never reach RUNNING, not to tasks stopped after RUNNING as in the crash and health-check scenarios (without it the breaker trips sooner there); ` +
      `EventBridge/Lambda latency and ECS SERVICE_TASK_START_IMPAIRED events are not modelled`,
  );
  lines.push(
    `  sources: [1] docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html ` +
      `[2] aws.amazon.com/about-aws/whats-new/2024/01/amazon-ecs-deployment-monitoring-responsiveness-services/ ` +
      `[3] docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html ` +
      `[4] docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html ` +
      `[5] aws.amazon.com/about-aws/whats-new/2023/10/amazon-ecs-applications-resiliency-unpredictable-load-spikes/ ` +
      `[6] repost.aws/knowledge-center/ecs-deployment-roll-back-failure`,
  );
}

// `npx tsx bench/rollback-sim.ts` prints this section alone.
if (require.main === module) {
  const lines: string[] = [];
  printRollbackSim(simulateRollbacks(), lines);
  console.log(lines.join('\n'));
}
