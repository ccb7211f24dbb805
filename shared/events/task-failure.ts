import type { EcsTaskEvent } from './types.js';

// Did a stopped task fail, and is its failure conclusive?
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
export const NOT_A_FAILURE_STOP_CODES = new Set(['UserInitiated', 'SpotInterruption', 'TerminationNotice', 'InfrastructureHealth']);
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
