import * as z from 'zod/mini';
import { ACCOUNT_ID, MAX_ARN, PARTITION, REGION, eventOf, matching, nonEmpty } from './envelope.js';

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
