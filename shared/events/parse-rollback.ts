import { randomUUID } from 'node:crypto';
import { systemClock } from '../runtime/clock.js';
import * as z from 'zod/mini';
import { AlarmStateChangeEventSchema } from './cloudwatch.js';
import {
  DeploymentStateChangeEventSchema,
  ECS_DETAIL_TYPES,
  ServiceActionEventSchema,
  TaskStateChangeEventSchema,
  clusterNameOf,
  serviceArnParts,
} from './ecs.js';
import { EventValidationError, asStandardSchema, check, parseCiEvent } from './parse.js';
import type {
  AlarmEvent,
  EcsDeploymentEvent,
  EcsServiceActionEvent,
  EcsTaskEvent,
  EnvelopeFacts,
  ManualRollbackRequest,
  RollbackEvent,
} from './types.js';

export type { RollbackEvent } from './types.js';

export const ROLLBACK_DETAIL_TYPES = [...ECS_DETAIL_TYPES, 'CloudWatch Alarm State Change', 'CodePipeline Action Execution State Change'] as const;

/** The `detailType` of an EventValidationError about a manual request. */
export const MANUAL_REQUEST = 'manual rollback request';
export const MANUAL_REQUEST_KEYS = ['cluster', 'service', 'reason', 'dryRun'] as const;

const ecsName = (what: string) =>
  z.string().check(z.regex(/^[A-Za-z0-9_-]{1,255}$/, `expected an ECS ${what} name (up to 255 letters, digits, hyphens and underscores)`));

/** What `sls invoke -f rollback -d '{...}'` sends: a bare object, no EventBridge envelope. */
const ManualRequestSchema = z.object({
  cluster: ecsName('cluster'),
  service: ecsName('service'),
  reason: z.string().check(
    z.refine((s) => s.trim().length > 0, 'expected a reason (it is recorded and shown to people)'),
    z.maxLength(1000),
  ),
  dryRun: z.optional(z.boolean()),
});

/** Where a manual request gets the id and time that an EventBridge event brings with it. */
export interface ManualRequestContext {
  now?: () => Date;
  newId?: () => string;
}

type Envelope = { id: string; time: string; account: string; region: string };
const envelopeFacts = (e: Envelope): EnvelopeFacts => ({ eventId: e.id, time: e.time, account: e.account, region: e.region });

/** The optional fields of `o` that have a value: neither undefined nor an empty string. */
const compact = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object that has none of the EventBridge envelope's keys is taken for a manual request. */
const looksManual = (raw: unknown): raw is Record<string, unknown> =>
  isRecord(raw) && !('detail-type' in raw) && !('detail' in raw) && !('source' in raw);

/**
 * Validates an input of the rollback function and normalizes it: an ECS deployment,
 * service action or task event, a CloudWatch alarm state change, a CodePipeline action
 * event (as `parseCiEvent` reads it), or a manual request without an envelope.
 * Throws EventValidationError, naming each bad path, for anything else.
 */
export function parseRollbackEvent(raw: unknown, context: ManualRequestContext = {}): RollbackEvent {
  if (looksManual(raw)) return parseManualRequest(raw, context);

  const dt = (raw as { 'detail-type'?: unknown } | null)?.['detail-type'];
  const detailType = typeof dt === 'string' ? dt.slice(0, 100) : '(no detail-type)';
  switch (detailType) {
    case 'ECS Deployment State Change':
      return toDeploymentEvent(check(DeploymentStateChangeEventSchema, raw, detailType));
    case 'ECS Service Action':
      return toServiceActionEvent(check(ServiceActionEventSchema, raw, detailType));
    case 'ECS Task State Change':
      return toTaskEvent(check(TaskStateChangeEventSchema, raw, detailType));
    case 'CloudWatch Alarm State Change':
      return toAlarmEvent(check(AlarmStateChangeEventSchema, raw, detailType));
    case 'CodePipeline Action Execution State Change': {
      const e = parseCiEvent(raw);
      if (e.kind === 'action') return e;
      break; // unreachable: parseCiEvent reads this detail-type as an action event
    }
  }
  throw new EventValidationError(detailType, [
    {
      path: 'detail-type',
      message: `expected one of: ${ROLLBACK_DETAIL_TYPES.join(', ')}; or, without an envelope, a manual request {${MANUAL_REQUEST_KEYS.join(', ')}}`,
    },
  ]);
}

/** The id ECS's own rollback goes back to: "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/123." */
const ROLLING_BACK_TO = /rolling back to deploymentId\s+(\S*[^\s.])/i;

function toDeploymentEvent(e: z.output<typeof DeploymentStateChangeEventSchema>): EcsDeploymentEvent {
  const serviceArn = e.resources[0];
  // The schema admits only long service ARNs, which name the cluster.
  const { cluster = '', service } = serviceArnParts(serviceArn)!;
  const d = e.detail;
  return {
    ...envelopeFacts(e),
    kind: 'ecs-deployment',
    clusterArn: serviceArn.replace(/:service\/.*$/, `:cluster/${cluster}`),
    cluster,
    serviceArn,
    service,
    eventName: d.eventName,
    deploymentId: d.deploymentId,
    updatedAt: d.updatedAt,
    ...compact({ reason: d.reason, nativeRollbackTo: d.reason ? ROLLING_BACK_TO.exec(d.reason)?.[1] : undefined }),
  };
}

function toServiceActionEvent(e: z.output<typeof ServiceActionEventSchema>): EcsServiceActionEvent {
  const serviceArn = e.resources[0];
  const d = e.detail;
  return {
    ...envelopeFacts(e),
    kind: 'ecs-service-action',
    clusterArn: d.clusterArn,
    cluster: clusterNameOf(d.clusterArn),
    serviceArn,
    service: serviceArnParts(serviceArn)!.service,
    eventName: d.eventName,
    ...compact({ eventType: d.eventType }),
  };
}

const SERVICE_GROUP = /^service:(.+)$/;

function toTaskEvent(e: z.output<typeof TaskStateChangeEventSchema>): EcsTaskEvent {
  const d = e.detail;
  return {
    ...envelopeFacts(e),
    kind: 'ecs-task',
    clusterArn: d.clusterArn,
    cluster: clusterNameOf(d.clusterArn),
    taskArn: d.taskArn,
    taskDefinitionArn: d.taskDefinitionArn,
    lastStatus: d.lastStatus,
    version: d.version,
    containers: (d.containers ?? []).map((c) => ({
      name: c.name,
      ...compact({ exitCode: c.exitCode, reason: c.reason, lastStatus: c.lastStatus, healthStatus: c.healthStatus }),
    })),
    ...compact({
      service: d.group ? SERVICE_GROUP.exec(d.group)?.[1] : undefined,
      startedBy: d.startedBy,
      desiredStatus: d.desiredStatus,
      stopCode: d.stopCode,
      stoppedReason: d.stoppedReason,
      createdAt: d.createdAt,
      startedAt: d.startedAt,
      stoppingAt: d.stoppingAt,
      stoppedAt: d.stoppedAt,
      healthStatus: d.healthStatus,
    }),
  };
}

function toAlarmEvent(e: z.output<typeof AlarmStateChangeEventSchema>): AlarmEvent {
  const d = e.detail;
  return {
    ...envelopeFacts(e),
    kind: 'alarm',
    alarmName: d.alarmName,
    alarmArn: e.resources[0],
    state: d.state.value,
    ...compact({ previousState: d.previousState?.value }),
    reason: d.state.reason,
    stateTimestamp: d.state.timestamp,
  };
}

const MAX_KEY_IN_PATH = 64;
const MAX_UNKNOWN_KEYS = 10;

function parseManualRequest(raw: Record<string, unknown>, context: ManualRequestContext): ManualRollbackRequest {
  // A typo ("dryrun", "servce") must not be dropped silently: a dropped dryRun would act for real.
  const unknownKeys = Object.keys(raw)
    .filter((k) => !(MANUAL_REQUEST_KEYS as readonly string[]).includes(k))
    .slice(0, MAX_UNKNOWN_KEYS)
    .map((k) => ({
      path: k.length > MAX_KEY_IN_PATH ? `${k.slice(0, MAX_KEY_IN_PATH)}…` : k,
      message: `unknown key: a manual request has only ${MANUAL_REQUEST_KEYS.join(', ')}`,
    }));
  let r: z.output<typeof ManualRequestSchema>;
  try {
    r = check(ManualRequestSchema, raw, MANUAL_REQUEST);
  } catch (err) {
    if (err instanceof EventValidationError && unknownKeys.length > 0) throw new EventValidationError(MANUAL_REQUEST, [...err.issues, ...unknownKeys]);
    throw err;
  }
  if (unknownKeys.length > 0) throw new EventValidationError(MANUAL_REQUEST, unknownKeys);
  return {
    kind: 'manual',
    cluster: r.cluster,
    service: r.service,
    reason: r.reason.trim(),
    ...compact({ dryRun: r.dryRun }),
    eventId: (context.newId ?? randomUUID)(),
    time: (context.now ?? systemClock)().toISOString(),
  };
}

/** `parseRollbackEvent` for Powertools' parser middleware; a manual request is timed by `now` (the handler's clock). */
export const rollbackEventSchema = (now: () => Date = systemClock) => asStandardSchema((raw: unknown) => parseRollbackEvent(raw, { now }));
