import type { AlarmEvent, EcsDeploymentEvent, RollbackEvent } from '../events/types.js';
import { taskFailure } from '../events/task-failure.js';
import { truncate } from './bounds.js';

// What we know of one ECS service, folded from its events in any order:
// its deployments, the failure signals seen, and its last known-good revision.
// Like the execution view, applying an event is idempotent and never moves a
// deployment back to an older state.

export type DeploymentState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface DeploymentRecord {
  id: string;
  state: DeploymentState;
  /** updatedAt of the event that set `state`. */
  at: string;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  /** Set when ECS said this deployment rolls back to another one. */
  nativeRollbackTo?: string;
  /** This deployment restores an earlier revision (ECS's rollback, or the deployment it rolls back to). */
  isRollback?: boolean;
}

export type SignalKind = 'task-failed' | 'start-impaired' | 'deployment-failed' | 'alarm' | 'check-failed' | 'manual';

/** Evidence that a deployment is bad. */
export interface Signal {
  /** Dedupe key: the same fact arriving twice (or in two events) is one signal. */
  key: string;
  kind: SignalKind;
  at: string;
  /** The deployment the signal is about, when known. */
  deploymentId?: string;
  detail: string;
  /** A failed task no retry can fix: why (TaskFailure.conclusive). */
  conclusive?: string;
}

export interface KnownGood {
  taskDefinitionArn: string;
  deploymentId: string;
  /** When it finished baking. */
  at: string;
}

export interface ServiceView {
  cluster: string;
  service: string;
  account: string;
  region: string;
  deployments: Record<string, DeploymentRecord>;
  /** Task definition of each deployment, as its tasks or ECS named it. */
  taskDefinitions: Record<string, string>;
  /** Newest last; bounded. */
  signals: Signal[];
  knownGood?: KnownGood;
  applied: string[];
}

const MAX_SIGNALS = 200;
const MAX_APPLIED = 200;
const MAX_DEPLOYMENTS = 20;

// Bounds: the view is stored in one DynamoDB item (refused over 400 KB), so
// free text is capped where it enters, signals are pruned by age and count,
// and the whole view is kept within a byte budget (see fitServiceView).
/** Serialized view, at most: with the delivery record, the item stays under 64 KB. */
export const SERVICE_VIEW_BYTES = 44 * 1024;
/** Signal details and deployment reasons (ECS reasons, alarm reasons, stopped reasons). */
const MAX_DETAIL = 500;
/** Older signals than this before the newest one are evidence no policy reads: bake windows are at most 24 h, failure windows 3 h. */
const SIGNAL_HORIZON_MS = 48 * 3_600_000;
/** Messages show the newest few signals in full (5 as evidence); older ones keep a short detail when space runs out. */
const FULL_DETAIL_SIGNALS = 20;

const STATE_OF: Record<EcsDeploymentEvent['eventName'], DeploymentState> = {
  SERVICE_DEPLOYMENT_IN_PROGRESS: 'IN_PROGRESS',
  SERVICE_DEPLOYMENT_COMPLETED: 'COMPLETED',
  SERVICE_DEPLOYMENT_FAILED: 'FAILED',
};
const rank = (s: DeploymentState) => (s === 'IN_PROGRESS' ? 1 : 2);
const ms = (iso: string) => Date.parse(iso);

export const serviceKey = (v: { account: string; region: string; cluster: string; service: string }) =>
  `SVC#${v.account}#${v.region}#${v.cluster}#${v.service}`;

export function emptyServiceView(s: { account: string; region: string; cluster: string; service: string }): ServiceView {
  return { cluster: s.cluster, service: s.service, account: s.account, region: s.region, deployments: {}, taskDefinitions: {}, signals: [], applied: [] };
}

function addSignal(view: ServiceView, signal: Signal): ServiceView {
  if (view.signals.some((s) => s.key === signal.key)) return view;
  const added = { ...signal, detail: truncate(signal.detail, MAX_DETAIL) };
  const last = view.signals.at(-1);
  // Most signals arrive in order: sort only when one does not.
  const sorted = !last || ms(last.at) <= ms(added.at) ? [...view.signals, added] : [...view.signals, added].sort((a, b) => ms(a.at) - ms(b.at));
  const horizon = ms(sorted.at(-1)!.at) - SIGNAL_HORIZON_MS;
  const recent = sorted.filter((s) => ms(s.at) >= horizon);
  let count = recent.length;
  return { ...view, signals: dropOldest(recent, () => count > MAX_SIGNALS, () => count--) };
}

/**
 * Task failures are the signals a burst brings by the hundred, and only the
 * failure window (minutes) reads them; alarms, failed checks, requests and
 * failed deployments are few, and a bake window reads them: losing one could
 * make a deployment that alarmed known-good.
 */
const isTaskFailure = (s: Signal) => s.kind === 'task-failed' || s.kind === 'start-impaired';
/**
 * Task failures kept, in turn, while other signals can still be given up instead: the newest,
 * which the failure window reads (as many as thresholds go; then a message's full details;
 * then the evidence a message shows).
 */
const KEPT_TASK_FAILURES = [100, FULL_DETAIL_SIGNALS, 5];

/**
 * `signals` (oldest first) without the oldest ones while `over()`: task failures first, but the
 * newest 100, then but the newest 20, then but 5, then any signal. `onDrop` sees each one dropped.
 */
function dropOldest(signals: Signal[], over: () => boolean, onDrop: (s: Signal) => void): Signal[] {
  const taskFailures = signals.filter(isTaskFailure);
  const allBut = (kept: number) => new Set(taskFailures.slice(0, Math.max(0, taskFailures.length - kept)));
  const dropped = new Set<Signal>();
  for (const eligible of [...KEPT_TASK_FAILURES.map(allBut), undefined]) {
    for (const s of signals) {
      if (!over()) break;
      if (dropped.has(s) || (eligible && !eligible.has(s))) continue;
      dropped.add(s);
      onDrop(s);
    }
  }
  return dropped.size === 0 ? signals : signals.filter((s) => !dropped.has(s));
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/**
 * The view within `maxBytes`: first older signals keep only the head of their
 * detail, then deployments of their reason, then old event ids go (signals and
 * deployments dedupe on their own keys), then the oldest signals, task
 * failures before the others (see `dropOldest`).
 */
export function fitServiceView(view: ServiceView, maxBytes = SERVICE_VIEW_BYTES): ServiceView {
  if (bytes(view) <= maxBytes) return view;
  // Down to 7/8 of the budget, so the next events fit without compacting again.
  maxBytes = Math.floor((maxBytes * 7) / 8);
  const keep = view.signals.length - FULL_DETAIL_SIGNALS;
  let next: ServiceView = { ...view, signals: view.signals.map((s, i) => (i < keep ? { ...s, detail: truncate(s.detail, 80) } : s)) };
  // No decision reads a stored deployment's reason (they read the event's): kept short.
  const short = (d: DeploymentRecord) => (d.reason && d.reason.length > 80 ? { ...d, reason: truncate(d.reason, 80) } : d);
  if (bytes(next) > maxBytes) next = { ...next, deployments: Object.fromEntries(Object.entries(next.deployments).map(([id, d]) => [id, short(d)])) };
  if (bytes(next) > maxBytes) next = { ...next, applied: next.applied.slice(-50) };
  let size = bytes(next);
  if (size <= maxBytes) return next;
  const signals = dropOldest(next.signals, () => size > maxBytes, (s) => (size -= bytes(s) + 1));
  return { ...next, signals };
}

const RECORD_FIELDS = ['id', 'state', 'at', 'startedAt', 'endedAt', 'reason', 'nativeRollbackTo', 'isRollback'] as const;
const sameRecord = (a: DeploymentRecord, b: DeploymentRecord | undefined) => b !== undefined && RECORD_FIELDS.every((k) => a[k] === b[k]);

function applyDeployment(view: ServiceView, e: EcsDeploymentEvent): ServiceView {
  const current = view.deployments[e.deploymentId];
  const state = STATE_OF[e.eventName];
  const newer = !current || ms(e.updatedAt) > ms(current.at) || (ms(e.updatedAt) === ms(current.at) && rank(state) > rank(current.state));
  const startedAt = state === 'IN_PROGRESS' && (!current?.startedAt || ms(e.updatedAt) < ms(current.startedAt)) ? e.updatedAt : current?.startedAt;
  const record: DeploymentRecord = newer
    ? {
        ...current,
        id: e.deploymentId,
        state,
        at: e.updatedAt,
        startedAt,
        endedAt: state === 'IN_PROGRESS' ? undefined : e.updatedAt,
        reason: e.reason !== undefined ? truncate(e.reason, MAX_DETAIL) : current?.reason,
        nativeRollbackTo: e.nativeRollbackTo ?? current?.nativeRollbackTo,
      }
    : { ...current, startedAt, nativeRollbackTo: current.nativeRollbackTo ?? e.nativeRollbackTo };
  const all: Record<string, DeploymentRecord> = { ...view.deployments, [e.deploymentId]: record };
  if (e.nativeRollbackTo) {
    // ECS may finish its rollback under the id it rolls back to: that one is a rollback too.
    record.isRollback = true;
    const target = all[e.nativeRollbackTo];
    all[e.nativeRollbackTo] = target ? { ...target, isRollback: true } : { id: e.nativeRollbackTo, state: 'IN_PROGRESS', at: e.updatedAt, isRollback: true };
  }
  // The same state reported again changes nothing: keep the view itself, so nothing is written.
  const unchanged = Object.entries(all).every(([id, d]) => sameRecord(d, view.deployments[id]));
  const deployments = Object.fromEntries(
    Object.entries(all)
      .sort(([, a], [, b]) => ms(a.startedAt ?? a.at) - ms(b.startedAt ?? b.at))
      .slice(-MAX_DEPLOYMENTS),
  );
  let next: ServiceView = unchanged ? view : { ...view, deployments };
  if (state === 'FAILED') {
    next = addSignal(next, { key: `deployment-failed:${e.deploymentId}`, kind: 'deployment-failed', at: e.updatedAt, deploymentId: e.deploymentId, detail: e.reason ?? 'deployment failed' });
  }
  return next;
}

function withTaskDefinition(view: ServiceView, deploymentId: string, taskDefinitionArn: string): ServiceView {
  if (view.taskDefinitions[deploymentId]) return view;
  const entries = Object.entries({ ...view.taskDefinitions, [deploymentId]: taskDefinitionArn }).slice(-MAX_DEPLOYMENTS);
  return { ...view, taskDefinitions: Object.fromEntries(entries) };
}

/**
 * The deployment in flight: the newest one still IN_PROGRESS, unless a
 * deployment finished after it started (ECS replaced it, or finished its
 * rollback under another id, without an event saying so for this one).
 */
export function inFlightDeployment(view: ServiceView): DeploymentRecord | undefined {
  const all = Object.values(view.deployments);
  const newest = all.filter((d) => d.state === 'IN_PROGRESS').sort((a, b) => ms(b.startedAt ?? b.at) - ms(a.startedAt ?? a.at))[0];
  if (!newest) return undefined;
  const since = ms(newest.startedAt ?? newest.at);
  return all.some((d) => d.endedAt !== undefined && ms(d.endedAt) > since) ? undefined : newest;
}

/** The newest deployment that completed. */
export function lastCompletedDeployment(view: ServiceView): DeploymentRecord | undefined {
  return Object.values(view.deployments)
    .filter((d) => d.state === 'COMPLETED')
    .sort((a, b) => ms(b.endedAt ?? b.at) - ms(a.endedAt ?? a.at))[0];
}

/**
 * Folds one event into the service view. `facts.taskDefinitionArn` is the task
 * definition of a deployment the event reports COMPLETED (read from ECS).
 * Returns the same object when the event adds no signal and no new fact (a
 * routine task event, a repeat): then nothing is written.
 */
export function applyServiceEvent(view: ServiceView, event: RollbackEvent, facts: { taskDefinitionArn?: string } = {}): ServiceView {
  const next = foldServiceEvent(view, event, facts);
  return next === view ? view : fitServiceView(next);
}

function foldServiceEvent(view: ServiceView, event: RollbackEvent, facts: { taskDefinitionArn?: string }): ServiceView {
  if (view.applied.includes(event.eventId)) return view;
  const next = foldEvent(view, event, facts);
  return next === view ? view : { ...next, applied: [...next.applied, event.eventId].slice(-MAX_APPLIED) };
}

/** What the event teaches; the view itself when nothing. */
function foldEvent(view: ServiceView, event: RollbackEvent, facts: { taskDefinitionArn?: string }): ServiceView {
  switch (event.kind) {
    case 'ecs-deployment': {
      const next = applyDeployment(view, event);
      return facts.taskDefinitionArn ? withTaskDefinition(next, event.deploymentId, facts.taskDefinitionArn) : next;
    }
    case 'ecs-task': {
      const failure = taskFailure(event);
      const deploymentId = event.startedBy?.startsWith('ecs-svc/') ? event.startedBy : undefined;
      // Tasks name their deployment's task definition: learn it even before the deployment's own events.
      const next = deploymentId ? withTaskDefinition(view, deploymentId, event.taskDefinitionArn) : view;
      if (!failure) return next;
      return addSignal(next, {
        key: `task:${event.taskArn}`,
        kind: 'task-failed',
        at: event.stoppedAt ?? event.time,
        deploymentId,
        detail: `${failure.kind}: ${failure.detail}`,
        ...(failure.conclusive ? { conclusive: failure.conclusive } : {}),
      });
    }
    case 'ecs-service-action': {
      if (event.eventName !== 'SERVICE_TASK_START_IMPAIRED') return view;
      const inFlight = inFlightDeployment(view);
      // Without a deployment in flight it is a capacity problem, not a bad revision.
      if (!inFlight) return view;
      return addSignal(view, {
        key: `impaired:${event.eventId}`,
        kind: 'start-impaired',
        at: event.time,
        deploymentId: inFlight.id,
        detail: 'ECS reports the service is unable to start tasks (SERVICE_TASK_START_IMPAIRED)',
      });
    }
    case 'alarm':
      return event.state === 'ALARM' ? addSignal(view, alarmSignal(view, event)) : view;
    case 'action':
      if (event.state !== 'FAILED') return view;
      return addSignal(view, {
        key: `check:${event.executionId}/${event.stage}/${event.action}@${event.time}`,
        kind: 'check-failed',
        at: event.time,
        deploymentId: (inFlightDeployment(view) ?? lastCompletedDeployment(view))?.id,
        detail: `post-deploy check ${event.stage}/${event.action} failed in ${event.pipeline}${event.result?.summary ? `: ${event.result.summary}` : ''}`,
      });
    case 'manual':
      return addSignal(view, {
        key: `manual:${event.eventId}`,
        kind: 'manual',
        at: event.time,
        deploymentId: (inFlightDeployment(view) ?? lastCompletedDeployment(view))?.id,
        detail: `requested by hand: ${event.reason}`,
      });
  }
}

function alarmSignal(view: ServiceView, e: AlarmEvent): Signal {
  return {
    key: `alarm:${e.alarmName}@${e.stateTimestamp}`,
    kind: 'alarm',
    at: e.stateTimestamp,
    deploymentId: (inFlightDeployment(view) ?? lastCompletedDeployment(view))?.id,
    detail: `alarm ${e.alarmName} in ALARM: ${e.reason}`,
  };
}

/**
 * Records the newest deployment that completed and then survived its bake
 * window with no alarm or failed check as known-good.
 */
export function promoteKnownGood(view: ServiceView, bakeMs: number, now: Date): ServiceView {
  /** Evidence against deployment `d` while it baked: an alarm, a failed check, a request by hand, or one of its tasks failing. */
  const times = view.signals.map((s) => ms(s.at)); // parsed once: up to MAX_SIGNALS x MAX_DEPLOYMENTS checks per event
  const bad = (d: DeploymentRecord) => {
    const from = ms(d.endedAt!);
    const to = from + bakeMs;
    return view.signals.some(
      (s, i) =>
        times[i]! >= from &&
        times[i]! <= to &&
        (s.kind === 'alarm' || s.kind === 'check-failed' || s.kind === 'manual' || (s.kind === 'task-failed' && s.deploymentId === d.id)),
    );
  };
  // A late alarm can still land in the bake window of the recorded known-good: it no longer is.
  const recorded = view.knownGood && view.deployments[view.knownGood.deploymentId];
  let next = view;
  if (view.knownGood && recorded?.endedAt && bad(recorded)) next = { ...view, knownGood: undefined };

  const candidate = Object.values(next.deployments)
    .filter((d) => d.state === 'COMPLETED' && next.taskDefinitions[d.id] && d.endedAt)
    .filter((d) => ms(d.endedAt!) + bakeMs <= now.getTime() && !bad(d))
    .sort((a, b) => ms(b.endedAt!) - ms(a.endedAt!))[0];
  if (!candidate) return next;
  const bakedAt = new Date(ms(candidate.endedAt!) + bakeMs).toISOString();
  if (next.knownGood && ms(next.knownGood.at) >= ms(bakedAt)) return next;
  return { ...next, knownGood: { taskDefinitionArn: next.taskDefinitions[candidate.id]!, deploymentId: candidate.id, at: bakedAt } };
}

export interface Trigger {
  kind: 'deployment-failed' | 'task-failures' | 'alarm' | 'check-failed' | 'manual';
  /** The bad deployment, when known. */
  deploymentId?: string;
  evidence: Signal[];
  summary: string;
}

/** What ECS (and CodeDeploy) say of the service right now: read when a rollback is decided. */
export interface ServiceFacts {
  controller: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';
  /** deploymentConfiguration.deploymentCircuitBreaker / alarms: does AWS roll back by itself? */
  nativeRollbackEnabled: boolean;
  /** AWS is rolling back right now (a service deployment in ROLLBACK_REQUESTED/ROLLBACK_IN_PROGRESS, or a deployment whose rolloutStateReason says it is rolling back). */
  nativeRollbackInProgress: boolean;
  /** DescribeServices deployments. */
  deployments: { id: string; status: string; taskDefinition: string; rolloutState?: string; rolloutStateReason?: string; createdAt?: string }[];
  /** The in-flight service deployment (ListServiceDeployments status IN_PROGRESS/PENDING), if any. */
  inFlight?: { serviceDeploymentArn: string; status: string; targetTaskDefinition?: string };
  /** Task definitions of SUCCESSFUL past deployments, newest first (ListServiceDeployments + DescribeServiceRevisions). */
  successfulTaskDefinitions: { taskDefinition: string; finishedAt?: string }[];
  /** Status (ACTIVE / INACTIVE / DELETE_IN_PROGRESS) of the task definitions we may roll back to (DescribeTaskDefinition). */
  taskDefinitionStatus: Record<string, string>;
  /** The in-progress CodeDeploy deployment of the configured deployment group (CODE_DEPLOY services). */
  codeDeployDeploymentId?: string;
}
