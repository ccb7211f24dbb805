import * as z from 'zod/mini';
import { ACCOUNT_ID, MAX_ARN, PARTITION, REGION, eventOf, matching, nonEmpty } from './envelope.js';
import type { EcsTaskEvent } from './types.js';

// ECS events on EventBridge (`source: aws.ecs`), as documented in the Amazon ECS
// Developer Guide:
//   ECS Deployment State Change  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html
//   ECS Service Action           https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html
//   ECS Task State Change        https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html
// "Amazon ECS may add other event types, sources, and details in the future": every
// object here ignores keys it does not know, and free-text fields stay plain strings.

export const DEPLOYMENT_EVENT_NAMES = ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'] as const;
export type EcsDeploymentEventName = (typeof DEPLOYMENT_EVENT_NAMES)[number];

export const ECS_DETAIL_TYPES = ['ECS Deployment State Change', 'ECS Service Action', 'ECS Task State Change'] as const;

/** Cluster and service names: up to 255 letters, digits, hyphens and underscores. */
const NAME = '[A-Za-z0-9_-]{1,255}';
const ARN_PREFIX = `arn:${PARTITION}:ecs:${REGION}:${ACCOUNT_ID}:`;

export const CLUSTER_ARN = new RegExp(`^${ARN_PREFIX}cluster/(${NAME})$`);
/** The current ("long") service ARN format, which names the cluster. */
export const SERVICE_ARN = new RegExp(`^${ARN_PREFIX}service/(${NAME})/(${NAME})$`);
/** The old format, `service/NAME`, still held by services created before the long format. */
const OLD_SERVICE_ARN = new RegExp(`^${ARN_PREFIX}service/(${NAME})$`);
const TASK_DEFINITION_ARN = new RegExp(`^${ARN_PREFIX}task-definition/${NAME}:\\d+$`);
/** `task/<cluster>/<id>`, or `task/<id>` in the old format (ids: 32 hex digits, a UUID for older tasks). */
const TASK_ARN = new RegExp(`^${ARN_PREFIX}task/(?:${NAME}/)?[A-Za-z0-9-]{1,64}$`);
/** ECS deployment ids: "ecs-svc/" and digits. */
const deploymentId = () => matching(/^ecs-svc\/\d{1,32}$/, 40, 'an ECS deployment id "ecs-svc/<digits>"');

const clusterArn = () => matching(CLUSTER_ARN, MAX_ARN, 'an ECS cluster ARN "arn:aws:ecs:<region>:<account>:cluster/<name>"');

/** The cluster name of a cluster ARN that matched CLUSTER_ARN. */
export const clusterNameOf = (arn: string): string => CLUSTER_ARN.exec(arn)?.[1] ?? arn;

/** Cluster and service names of a service ARN in the long format, or just the service name of an old one. */
export function serviceArnParts(arn: string): { cluster?: string; service: string } | undefined {
  const long = SERVICE_ARN.exec(arn);
  if (long) return { cluster: long[1]!, service: long[2]! };
  const old = OLD_SERVICE_ARN.exec(arn);
  return old ? { service: old[1]! } : undefined;
}

// The detail names no cluster, so the service ARN in `resources` must be in the long format.
export const DeploymentStateChangeEventSchema = z.extend(
  eventOf(
    'aws.ecs',
    'ECS Deployment State Change',
    z.object({
      eventType: z.optional(z.string()),
      eventName: z.enum(DEPLOYMENT_EVENT_NAMES),
      deploymentId: deploymentId(),
      // Orders deployment events that arrive late or twice.
      updatedAt: z.iso.datetime({ offset: true }),
      reason: z.optional(z.string()),
    }),
  ),
  {
    resources: z.tuple(
      [matching(SERVICE_ARN, MAX_ARN, 'an ECS service ARN "arn:aws:ecs:<region>:<account>:service/<cluster>/<service>"')],
      z.string(),
    ),
  },
);

export const ServiceActionEventSchema = z.extend(
  eventOf(
    'aws.ecs',
    'ECS Service Action',
    z.object({
      eventType: z.optional(z.string()),
      eventName: matching(/^[A-Z_]+$/, 100, 'an ECS service event name such as SERVICE_STEADY_STATE'),
      clusterArn: clusterArn(),
      createdAt: z.optional(z.string()),
      reason: z.optional(z.string()),
    }),
  ),
  {
    resources: z.tuple(
      [
        z.string().check(
          z.refine((s) => s.length <= MAX_ARN && serviceArnParts(s) !== undefined, 'expected an ECS service ARN "arn:aws:ecs:<region>:<account>:service/<cluster>/<service>"'),
        ),
      ],
      z.string(),
    ),
  },
);

const Container = z.object({
  name: nonEmpty(),
  exitCode: z.optional(z.int()),
  reason: z.optional(z.string()),
  lastStatus: z.optional(z.string()),
  healthStatus: z.optional(z.string()),
});

// The detail resembles the Task object of DescribeTasks, with ISO-8601 strings for times.
export const TaskStateChangeEventSchema = eventOf(
  'aws.ecs',
  'ECS Task State Change',
  z.object({
    clusterArn: clusterArn(),
    taskArn: matching(TASK_ARN, MAX_ARN, 'an ECS task ARN "arn:aws:ecs:<region>:<account>:task/<cluster>/<id>"'),
    taskDefinitionArn: matching(TASK_DEFINITION_ARN, MAX_ARN, 'a task definition ARN "arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>"'),
    // "service:<name>" or "family:<name>".
    group: z.optional(z.string().check(z.maxLength(512))),
    // RunTask: up to 128 letters, digits, hyphens, underscores and slashes (a service's tasks: the deployment id).
    startedBy: z.optional(matching(/^[A-Za-z0-9/_-]+$/, 128, 'startedBy (up to 128 letters, digits, -, _ and /)')),
    lastStatus: nonEmpty(),
    desiredStatus: z.optional(z.string()),
    stopCode: z.optional(z.string()),
    stoppedReason: z.optional(z.string()),
    // A number in task events ("version": 4), unlike the pipeline events' version.
    version: z.int().check(z.nonnegative()),
    createdAt: z.optional(z.string()),
    startedAt: z.optional(z.string()),
    stoppingAt: z.optional(z.string()),
    stoppedAt: z.optional(z.string()),
    containers: z.optional(z.array(Container)),
    healthStatus: z.optional(z.string()),
  }),
);

// ---- Did a stopped task fail? ----
//
// Sources for the stop codes and reason texts below:
// - Task.stopCode, API reference: TaskFailedToStart | EssentialContainerExited | UserInitiated |
//   ServiceSchedulerInitiated | SpotInterruption | TerminationNotice | InfrastructureHealth
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html
// - stoppedReason texts ("Task failed ELB health checks in (elb elb-name)" - now "(target-group <arn>)" -,
//   "Scaling activity initiated by (deployment deployment-id)", "Essential container in task exited", ...):
//   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html
//   https://repost.aws/knowledge-center/ecs-task-stopped (also "Task failed container health checks")
// - error prefixes of tasks that fail to start (CannotPullContainerError, ResourceInitializationError,
//   CannotStartContainerError, ...): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html

export type TaskFailureKind = 'exit-code' | 'health-check' | 'failed-to-start';
export interface TaskFailure {
  kind: TaskFailureKind;
  detail: string;
  /** Why no retry can ever start this revision, when that is certain (see CONCLUSIVE). */
  conclusive?: string;
}

// Start failures that no retry fixes: the revision names an image, a secret or a
// command that does not exist, or that it may not read. Texts as the ECS guide
// documents them (CannotPullContainerError, ResourceInitializationError and
// CannotStartContainerError pages of "Amazon ECS stopped task error messages").
// A reason that also shows a network, timeout or rate-limit problem is never
// conclusive: the same text ("not found") then describes a failed lookup.
const TRANSIENT = /timeout|timed out|deadline exceeded|toomanyrequests|too many requests|rate exceeded|throttl|RequestError|connection (?:refused|reset)|no such host|i\/o\b/i;
const CONCLUSIVE: [RegExp, string][] = [
  [/CannotPullContainerError\b.*(?:\bnot found\b|manifest unknown|repository does not exist)/is, 'the image or tag does not exist'],
  [/ResourceInitializationError\b.*\bInvalidParameter\b/is, 'the task definition is invalid'],
  [/ResourceInitializationError\b.*(?:ResourceNotFoundException|ParameterNotFound|invalid (?:ssm )?parameters?\b|can't find the specified secret)/is, 'a secret or parameter the task needs does not exist'],
  [/ResourceInitializationError\b.*(?:AccessDenied|is not authorized to perform)/is, 'the task may not read a secret or parameter it needs'],
  [/CannotStartContainerError\b.*(?:executable file not found|no such file or directory)/is, "the container's command does not exist in the image"],
];

/** Why a start failure can never succeed on a retry, or undefined when it might. */
function conclusiveReason(reasons: string[]): string | undefined {
  for (const reason of reasons) {
    if (TRANSIENT.test(reason)) continue;
    const match = CONCLUSIVE.find(([pattern]) => pattern.test(reason));
    if (match) return match[1];
  }
  return undefined;
}

/** Stopped by a person, or by AWS for reasons that say nothing about the task definition. */
const NOT_A_FAILURE_STOP_CODES = new Set(['UserInitiated', 'SpotInterruption', 'TerminationNotice', 'InfrastructureHealth']);
const HEALTH_CHECK = /failed (?:ELB|container) health checks/i;
const START_ERROR = /\b(?:CannotPullContainerError|ResourceInitializationError|CannotStartContainerError)\b/;
/** The scheduler stopping tasks to reach the desired count (scale-in, or old tasks replaced by a deployment). */
const SCALING_ACTIVITY = /^Scaling activity initiated by/i;
/** 128 + SIGKILL, 128 + SIGTERM: how containers end when ECS stops them, not why the task stopped. */
const SIGNAL_EXIT_CODES = new Set([137, 143]);

const MAX_DETAIL = 1000;
const clip = (s: string) => (s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s);

/**
 * Why a STOPPED task counts against the deployment that started it, or undefined when it
 * does not: a task that is not STOPPED, one a user or a Spot interruption stopped, one the
 * service scheduler stopped to scale in or to replace it (whatever the exit code its
 * containers got from the stop signal), or one whose containers all exited 0.
 * A task the scheduler stopped because it failed ELB or container health checks does count.
 */
export function taskFailure(e: EcsTaskEvent): TaskFailure | undefined {
  if (e.lastStatus !== 'STOPPED') return undefined;
  if (e.stopCode !== undefined && NOT_A_FAILURE_STOP_CODES.has(e.stopCode)) return undefined;

  const reasons = [e.stoppedReason, ...e.containers.map((c) => c.reason)].filter((r): r is string => !!r);

  const health = reasons.find((r) => HEALTH_CHECK.test(r));
  if (health) return { kind: 'health-check', detail: clip(health) };

  const startError = reasons.find((r) => START_ERROR.test(r));
  if (e.stopCode === 'TaskFailedToStart' || startError) {
    const conclusive = conclusiveReason(reasons);
    return { kind: 'failed-to-start', detail: clip(startError ?? e.stoppedReason ?? 'task failed to start'), ...(conclusive ? { conclusive } : {}) };
  }

  if (e.stopCode === 'ServiceSchedulerInitiated') return undefined;
  if (e.stopCode === undefined && e.stoppedReason && SCALING_ACTIVITY.test(e.stoppedReason)) return undefined;

  // EssentialContainerExited, or no (or a newer) stop code: the task ended because a container exited.
  // The events do not say which containers are essential; prefer the one that did not just get a stop signal.
  const exited = e.containers.filter((c) => c.exitCode !== undefined && c.exitCode !== 0);
  const culprit = exited.find((c) => !SIGNAL_EXIT_CODES.has(c.exitCode!)) ?? exited[0];
  if (!culprit) return undefined;
  return {
    kind: 'exit-code',
    detail: clip(`container ${culprit.name} exited with code ${culprit.exitCode}${culprit.reason ? `: ${culprit.reason}` : ''}`),
  };
}
