import * as z from 'zod/mini';

// guardian.yml: the user's policy. One schema gives the TypeScript types, the
// runtime validation (errors name the field's path) and the JSON Schema for
// editors (`npm run schema`).

/** States a route can ask to be told about. Pipeline states, APPROVAL_NEEDED, and CodeBuild build statuses. */
export const NOTIFY_STATES = [
  'STARTED',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'STOPPED',
  'SUPERSEDED',
  'RESUMED',
  'APPROVAL_NEEDED',
  'FAULT',
  'TIMED_OUT',
] as const;
export type NotifyState = (typeof NOTIFY_STATES)[number];

export const DEFAULT_EMAIL_STATES: NotifyState[] = ['FAILED', 'APPROVAL_NEEDED'];
/** CodeBuild builds notify on these unless a route names its own states (SUCCEEDED only when asked). */
export const DEFAULT_BUILD_STATES: NotifyState[] = ['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'];

const Glob = z.string().check(z.minLength(1), z.regex(/^[^\s]+$/, 'a glob has no spaces'));
const States = z.array(z.enum(NOTIFY_STATES)).check(z.minLength(1));

const SecretRef = z.union([
  z.strictObject({
    ssm: z.string().check(z.regex(/^\/[\w.\-/]+$/, 'an SSM parameter name starts with "/"')),
  }),
  z.strictObject({
    secretsManager: z.string().check(z.minLength(1)),
    /** When the secret is a JSON object, the key that holds the value. */
    jsonKey: z.optional(z.string().check(z.minLength(1))),
  }),
]);
export type SecretRef = z.output<typeof SecretRef>;

const SlackTarget = z.strictObject({
  /** Channel id (C0123ABC) or name (#deployments); ignored in webhook mode (the webhook fixes it). */
  channel: z.string().check(z.regex(/^(#[\w\-.]{1,80}|[CGD][A-Z0-9]{6,})$/, 'a channel is "#name" or an id like C0123ABCD')),
  /** Which states post or update the message. Default: all of them for pipelines, failures for builds. */
  states: z.optional(States),
});

const EmailTarget = z.strictObject({
  states: z._default(States, DEFAULT_EMAIL_STATES),
  /** An existing SNS topic to publish to instead of the stack's own topic. */
  topicArn: z.optional(z.string().check(z.regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'an SNS topic ARN'))),
});

const Targets = {
  slack: z.optional(SlackTarget),
  /** `false` turns email off for this route. */
  email: z.optional(z.union([z.literal(false), EmailTarget])),
};

const Route = z
  .strictObject({
    name: z.string().check(z.minLength(1)),
    /** Pipeline names (globs: `*` and `?`). */
    pipelines: z.optional(z.array(Glob).check(z.minLength(1))),
    /** CodeBuild project names (globs) for builds not started by a pipeline. */
    projects: z.optional(z.array(Glob).check(z.minLength(1))),
    ...Targets,
  })
  .check(
    z.refine((r) => r.pipelines !== undefined || r.projects !== undefined, {
      message: 'a route names `pipelines` or `projects` (or both)',
    }),
  );

const Mute = z.strictObject({
  pipelines: z.optional(z.array(Glob)),
  projects: z.optional(z.array(Glob)),
  /** Muted states; all states when absent. */
  states: z.optional(States),
  /** The mute ends at this time (ISO-8601); forever when absent. */
  until: z.optional(z.iso.datetime({ offset: true })),
  reason: z.optional(z.string()),
});

const Minutes = (max: number) => z.number().check(z.int(), z.minimum(1), z.maximum(max));

/** Rollback tuning; every field may be set per service, overriding `rollback.defaults`. */
const RollbackTuning = {
  /** Failed tasks of the in-flight deployment, within the window, that trigger a rollback. */
  failureThreshold: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(200))),
  failureWindowMinutes: z.optional(Minutes(180)),
  /** After COMPLETED, a deployment must survive this long without alarms to become known-good. */
  bakeMinutes: z.optional(Minutes(24 * 60)),
  /** After a rollback, the service is only alerted on (never rolled back again) for this long. */
  cooldownMinutes: z.optional(Minutes(7 * 24 * 60)),
  /**
   * Roll back on the first failed task that no retry can fix (its image, a secret or
   * a command does not exist, or may not be read), without waiting for `failureThreshold`.
   */
  conclusiveFirst: z.optional(z.boolean()),
  /** Decide and notify, but do not touch the service. */
  dryRun: z.optional(z.boolean()),
  /** Also disable the pipeline's inbound transition into the deploy stage, so the bad revision is not redeployed. */
  disableTransition: z.optional(z.boolean()),
};

export const ROLLBACK_DEFAULTS = {
  failureThreshold: 2,
  failureWindowMinutes: 10,
  bakeMinutes: 15,
  cooldownMinutes: 30,
  conclusiveFirst: true,
  dryRun: false,
  disableTransition: false,
} as const;

/** ECS names: letters, digits, hyphens and underscores (no wildcards: they would widen the function's IAM grants). */
const EcsName = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,255}$/, 'an ECS name: letters, digits, - and _'));

const RollbackService = z.strictObject({
  cluster: EcsName,
  service: EcsName,
  /** The task definition family the service runs (default: the service name): a rollback may deploy only its revisions (IAM). */
  taskDefinitionFamily: z.optional(EcsName),
  /** CloudWatch alarms (names) that mean this service is unhealthy. */
  alarms: z._default(z.array(z.string().check(z.minLength(1))), []),
  /** The pipeline that deploys the service: its deploy stage, and the actions that check a deployment after it. */
  pipeline: z.optional(
    z.strictObject({
      name: z.string().check(z.minLength(1)),
      deployStage: z.string().check(z.minLength(1)),
      /** "Stage/Action" of post-deploy checks (e.g. smoke tests) whose failure triggers a rollback. */
      postDeployChecks: z._default(z.array(z.string().check(z.regex(/^[^/]+\/[^/]+$/, 'a check is "Stage/Action"'))), []),
    }),
  ),
  /** For services whose deployment controller is CODE_DEPLOY. */
  codeDeploy: z.optional(z.strictObject({ application: z.string().check(z.minLength(1)), deploymentGroup: z.string().check(z.minLength(1)) })),
  /** Where rollback alerts go when the deployment did not come from a pipeline message we posted. */
  slack: z.optional(z.strictObject({ channel: SlackTarget.shape.channel })),
  /** Email rollback alerts to the stack's topic (default true). */
  email: z._default(z.boolean(), true),
  ...RollbackTuning,
});

export const GuardianConfigSchema = z.strictObject({
  /** Log and return plans instead of acting. The GUARDIAN_DRY_RUN environment variable overrides it. */
  dryRun: z._default(z.boolean(), false),
  slack: z.optional(
    z
      .strictObject({
        botToken: z.optional(SecretRef),
        webhookUrl: z.optional(SecretRef),
      })
      .check(
        z.refine((s) => s.botToken !== undefined || s.webhookUrl !== undefined, {
          message: 'slack needs `botToken` or `webhookUrl`',
        }),
      ),
  ),
  email: z._default(
    z.strictObject({
      /** Email addresses subscribed to the stack's SNS topic (each confirms by email). */
      subscribers: z._default(z.array(z.email()), []),
    }),
    { subscribers: [] },
  ),
  notifications: z._default(
    z.strictObject({
      routes: z._default(z.array(Route), []),
      /** Where events go when no route matches. */
      default: z.optional(z.strictObject(Targets)),
      mute: z._default(z.array(Mute), []),
      /** Notify on builds that a pipeline started (the pipeline's message already covers them). */
      pipelineBuilds: z._default(z.boolean(), false),
    }),
    { routes: [], mute: [], pipelineBuilds: false },
  ),
  rollback: z._default(
    z.strictObject({
      defaults: z._default(z.strictObject(RollbackTuning), {}),
      services: z._default(z.array(RollbackService), []),
      /** IAM roles of the services' task definitions: the only roles the rollback function may pass to ECS. */
      passRoles: z._default(z.array(z.string().check(z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN'))), []),
    }),
    { defaults: {}, services: [], passRoles: [] },
  ),
});

export type GuardianConfig = z.output<typeof GuardianConfigSchema>;
export type Route = z.output<typeof Route>;
export type RouteTargets = Pick<Route, 'slack' | 'email'>;
export type MuteRule = z.output<typeof Mute>;
export type RollbackServiceConfig = z.output<typeof RollbackService>;
export type RollbackSettings = RollbackServiceConfig & { [K in keyof typeof ROLLBACK_DEFAULTS]: (typeof ROLLBACK_DEFAULTS)[K] extends boolean ? boolean : number };

/** How Slack is reached, as the config (and, locally, the environment) sets it up. */
export type SlackMode = 'bot' | 'webhook' | 'off';
