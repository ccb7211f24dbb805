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

// --- People, approvals and protection (approval gate, Slack buttons, tamper detection, freeze scheduling).

/** An IANA time zone the runtime knows (Europe/Berlin, America/New_York, UTC). */
const TimeZone = z.string().check(
  z.refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin or UTC'),
);

/** A cron expression (5 or 6 fields, croner's syntax, e.g. "0 16 * * FRI"), read in the window's time zone. */
const Cron = z.string().check(z.regex(/^\S+(\s+\S+){4,5}$/, 'a cron expression of 5 fields ("minute hour day month weekday") or 6 (with seconds)'));

/** A wall-clock date and time without offset ("2026-12-20T00:00"), read in the window's time zone. */
const LocalDateTime = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'a local date and time such as 2026-12-20T00:00 (no offset: the time zone says where)'));

const HourMinute = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day such as 09:00'));

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A person: who they are in Slack, in email (commit authors) and in IAM (who started or approved something). */
const Person = z.strictObject({
  /** How groups, policies and messages name the person. */
  id: z.string().check(z.regex(/^[\w.-]{1,64}$/, 'a person id: letters, digits, ".", "-" and "_"')),
  name: z.optional(z.string().check(z.minLength(1))),
  /** Slack user id (U0123ABCD or W0123ABCD): the identity a button click carries. */
  slack: z.optional(z.string().check(z.regex(/^[UW][A-Z0-9]{6,}$/, 'a Slack user id such as U0123ABCD'))),
  /** Email addresses the person commits with (lower-cased when compared). */
  emails: z._default(z.array(z.email()), []),
  /** IAM principals that are this person (ARN globs with `*` and `?`): their own ARN, for a role session the session's (arn:aws:sts::<account>:assumed-role/<role>/<session>), never the role alone. */
  principals: z._default(z.array(Glob), []),
});

/** A recurring freeze (from each `start` until the next `end`, cron in `timezone`) or a one-off one (`from` until `until`, local times in `timezone`). */
const FreezeWindow = z.union([
  z.strictObject({
    name: z.string().check(z.minLength(1)),
    reason: z.string().check(z.minLength(1)),
    timezone: TimeZone,
    start: Cron,
    end: Cron,
  }),
  z.strictObject({
    name: z.string().check(z.minLength(1)),
    reason: z.string().check(z.minLength(1)),
    timezone: TimeZone,
    from: LocalDateTime,
    until: LocalDateTime,
  }),
]);

/** Days and hours in a time zone when deploys may happen (outside them the gate acts as in a freeze). */
const DeployHours = z.strictObject({
  days: z._default(z.array(z.enum(WEEKDAYS)).check(z.minLength(1)), ['MON', 'TUE', 'WED', 'THU', 'FRI']),
  from: HourMinute,
  to: HourMinute,
  timezone: TimeZone,
});

/** A JavaScript regular expression (compiled once at load; invalid ones are refused with the reason). */
const Pattern = z.string().check(
  z.refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'a valid regular expression'),
);

const ApprovalPolicy = z.strictObject({
  name: z.string().check(z.minLength(1)),
  /** Pipelines (globs) and, within them, the stages and approval actions (globs, default all) this policy governs. */
  pipelines: z.array(Glob).check(z.minLength(1)),
  stages: z._default(z.array(Glob).check(z.minLength(1)), ['*']),
  actions: z._default(z.array(Glob).check(z.minLength(1)), ['*']),
  /** Names of `approvals.freezes` that apply. */
  freezes: z._default(z.array(z.string().check(z.minLength(1))), []),
  deployHours: z.optional(DeployHours),
  /** What the source revision must be. */
  source: z.optional(
    z.strictObject({
      /** Branch names (globs) that may be deployed. */
      branches: z.optional(z.array(Glob).check(z.minLength(1))),
      /** A tag (not a branch) may be deployed. Default false. */
      allowTags: z._default(z.boolean(), false),
      /** The commit message must match this pattern, e.g. a ticket reference "[A-Z]+-\\d+". */
      commitMessage: z.optional(Pattern),
    }),
  ),
  /** Who may approve: people and groups by id, and how many distinct people must. */
  approvers: z.optional(
    z.strictObject({
      people: z._default(z.array(z.string()), []),
      groups: z._default(z.array(z.string()), []),
      required: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10)), 1),
      /** Rejections that reject (default 1: any allowed approver can stop a change). */
      rejectsRequired: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10)), 1),
    }),
  ),
  /**
   * The no-self-approval rule needs the commit author's email (only CodeCommit sources give it) and
   * who started the execution. When either is unknown, `unverifiedAllowed` (default) lets an approver
   * approve, and the request, the audit and the approval's summary say what could not be checked;
   * `verifiedOnly` refuses every approval that the rule could not check (rejections still count).
   */
  selfApproval: z._default(z.enum(['unverifiedAllowed', 'verifiedOnly']), 'unverifiedAllowed'),
  /**
   * When every check passes: `ask` people in Slack (default), or `approve` automatically
   * (e.g. a sandbox pipeline in working hours). A failed check always rejects, with the reason.
   */
  whenAllowed: z._default(z.enum(['ask', 'approve']), 'ask'),
  /** Where the request is asked; default: the thread of the execution's message in its route's channel. */
  slack: z.optional(z.strictObject({ channel: SlackTarget.shape.channel })),
  /** Remind this long before CodePipeline's approval timeout, in the request's channel and the escalation channel. */
  remind: z.optional(
    z.strictObject({
      beforeExpiryHours: z._default(z.number().check(z.minimum(1), z.maximum(167)), 24),
      escalateTo: z.optional(SlackTarget.shape.channel),
    }),
  ),
  /** The approval action's timeout (CodePipeline's default is 7 days). */
  timeoutHours: z._default(z.number().check(z.minimum(1), z.maximum(168)), 168),
});

/** Who may change a protected pipeline or service, and what to do when someone else does. */
const ProtectedPipeline = z.strictObject({
  pipelines: z.array(Glob).check(z.minLength(1)),
  /** Principals (ARN globs) allowed to UpdatePipeline, DeletePipeline and change stage transitions. */
  changeableBy: z._default(z.array(Glob), []),
});

const ProtectedService = z.strictObject({
  cluster: EcsName,
  service: EcsName,
  /** The pipeline's deploy role(s) (ARN globs): changes by any other principal are a bypass of CI/CD. */
  deployedBy: z.array(Glob).check(z.minLength(1)),
  /** `alert` (default), or `revert`: restore the last revision the pipeline deployed (the rollback capability's actions and safety rules). */
  onBypass: z._default(z.enum(['alert', 'revert']), 'alert'),
  /**
   * The CodeDeploy deployment group of a blue/green (CODE_DEPLOY controller) service, whose
   * CreateDeployment by any principal but `deployedBy` is a bypass too (alerted, never reverted).
   * Default: the service's `codeDeploy` in rollback.services.
   */
  codeDeploy: z.optional(z.strictObject({ application: z.string().check(z.minLength(1)), deploymentGroup: z.string().check(z.minLength(1)) })),
});

const ProtectedTrail = z.strictObject({
  /** Trail names or ARNs (globs). */
  trails: z.array(Glob).check(z.minLength(1)),
  /** `alert` (default), or `restart`: StartLogging again after StopLogging. */
  onStopLogging: z._default(z.enum(['alert', 'restart']), 'alert'),
});


// --- Organization: one deployment guarding the member accounts of an AWS Organization.

const AccountId = z.string().check(z.regex(/^\d{12}$/, 'an AWS account id: 12 digits'));
const OuId = z.string().check(z.regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, 'an organizational unit id such as ou-ab12-cd34ef56'));
const Region = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region such as eu-west-1'));

/** What the guardian can do in an account; an override can switch each off (or back on). */
export const CAPABILITIES = ['notify', 'rollback', 'approvals', 'tamper', 'remediate'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * What an organizational unit or an account changes of the global policy (account over unit over global).
 * Absent fields keep what the level above says.
 */
const AccountOverride = {
  /** Decide and notify, change nothing in this account (GUARDIAN_DRY_RUN still overrides it). */
  dryRun: z.optional(z.boolean()),
  /** Which capabilities act here, e.g. `{ remediate: false }`; all act unless switched off. */
  act: z.optional(
    z.strictObject({
      notify: z.optional(z.boolean()),
      rollback: z.optional(z.boolean()),
      approvals: z.optional(z.boolean()),
      tamper: z.optional(z.boolean()),
      remediate: z.optional(z.boolean()),
    } satisfies Record<Capability, unknown>),
  ),
  /** Replace `notifications.routes` for this account's pipelines and builds. */
  routes: z.optional(z.array(Route)),
  /** Replace `notifications.default` (what no route matches). */
  default: z.optional(z.strictObject(Targets)),
  /** Slack channels swapped for this account's messages, e.g. `'#deployments': '#payments-prod-deployments'`. */
  channels: z.optional(z.record(SlackTarget.shape.channel, SlackTarget.shape.channel)),
  /** In this account: pipelines (globs) whose approvals the approval gate leaves to people, ECS services ("cluster/service") rollback leaves alone; both are still notified. */
  exempt: z.optional(
    z.strictObject({
      pipelines: z._default(z.array(Glob), []),
      services: z._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,255}\/[A-Za-z0-9_-]{1,255}$/, 'a service is "cluster/service"'))), []),
    }),
  ),
};

const Organization = z.strictObject({
  /** The organisation's id (o-...): the guardian's event bus admits PutEvents only from its accounts (aws:PrincipalOrgID). */
  id: z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'an organization id such as o-a1b2c3d4e5')),
  /** The role the member-account template creates and the functions assume in each member account. */
  memberRole: z._default(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name')), 'cicd-guardian-member'),
  /** The member accounts served: `all` (every account of the organisation), or account ids and OU ids (ou-..., their accounts listed under `units`). */
  serve: z.union([z.literal('all'), z.array(z.union([AccountId, OuId])).check(z.minLength(1))]),
  /** Regions whose events the guardian accepts from member accounts (the member template forwards from these). */
  regions: z.array(Region).check(z.minLength(1)),
  /**
   * Organizational units, by id: the accounts in each (listed here, so no Organizations call is needed per event)
   * and their overrides. An account in nested units is listed in each, parents first: a later unit overrides an earlier one.
   */
  units: z._default(
    z.record(
      OuId,
      z.strictObject({
        name: z.optional(z.string().check(z.minLength(1))),
        accounts: z._default(z.array(AccountId), []),
        ...AccountOverride,
      }),
    ),
    {},
  ),
  /** Accounts by id: the name messages give them (alias) and their overrides (over their units'). */
  accounts: z._default(
    z.record(
      AccountId,
      z.strictObject({
        alias: z.optional(z.string().check(z.minLength(1))),
        ...AccountOverride,
      }),
    ),
    {},
  ),
});

// --- GuardDuty remediation (function `remediate`).

/** The playbooks, each for the finding types it names by prefix (GuardDuty renames types: prefixes, not exact strings). */
export const PLAYBOOKS = ['ec2', 'iamCredentials', 'ecsRuntime', 's3', 'cloudTrail', 'attackSequence'] as const;
export type PlaybookName = (typeof PLAYBOOKS)[number];

/** The changes remediation can make; each may be made to wait for a Slack approval. */
export const REMEDIATION_STEPS = [
  'tagInstance', 'snapshotVolumes', 'protectFromTermination', 'detachFromAutoScaling', 'isolateInstance', 'denyRemoteIp', 'stopInstance',
  'deactivateAccessKey', 'revokeRoleSessions', 'rollbackService', 'isolateService', 'scaleServiceToZero', 'stopTask',
  'blockPublicAccess', 'startLogging',
] as const;
export type RemediationStepName = (typeof REMEDIATION_STEPS)[number];

const Severity = z.number().check(z.minimum(0), z.maximum(10));
const FindingTypePrefix = z.string().check(z.regex(/^[A-Za-z0-9:/._&-]{1,128}$/, 'a GuardDuty finding type prefix such as "Backdoor:EC2"'));

const Playbook = z.strictObject({
  /** false: findings of these types are only notified. */
  enabled: z._default(z.boolean(), true),
  /** Finding type prefixes this playbook answers (default: the playbook's own list, see the README). */
  types: z.optional(z.array(FindingTypePrefix).check(z.minLength(1))),
  /** Findings below this severity are only notified (GuardDuty: 1-3.9 low, 4-6.9 medium, 7-8.9 high, 9-10 critical). */
  minSeverity: z.optional(Severity),
  /** Decide and notify (the plan in Slack), change nothing; the global `dryRun` makes every playbook one. */
  dryRun: z._default(z.boolean(), false),
});
export type PlaybookConfig = z.output<typeof Playbook>;

const RemediationShape = z.strictObject({
  /** Where findings, actions and summaries are posted (default: notifications.default). */
  slack: z.optional(z.strictObject({ channel: SlackTarget.shape.channel })),
  /** Where the blast-radius cap pages people: an SNS topic (default: the stack's topic). */
  pageTopicArn: z.optional(EmailTarget.shape.topicArn),
  /** The severity floor of every playbook without its own, and of the EventBridge rule. */
  minSeverity: z._default(Severity, 4),
  playbooks: z._default(z.partialRecord(z.enum(PLAYBOOKS), Playbook), {}),
  exemptions: z._default(
    z.strictObject({
      /** Resources with one of these tags (key and value) are never acted on, only notified. */
      tags: z._default(z.array(z.strictObject({ key: z.string().check(z.minLength(1), z.maxLength(128)), value: z.string().check(z.maxLength(256)) })), []),
      accounts: z._default(z.array(AccountId), []),
    }),
    { tags: [], accounts: [] },
  ),
  /** At most this many destructive changes per window, per account and overall; past it nothing more is done and people are paged. */
  cap: z._default(
    z.strictObject({
      perAccount: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(10000)), 10),
      overall: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(100000)), 25),
      windowMinutes: z._default(Minutes(24 * 60), 60),
    }),
    { perAccount: 10, overall: 25, windowMinutes: 60 },
  ),
  /** Changes that wait for a Slack approval before they are made (protected roles' session revocation always does). */
  approval: z._default(
    z.strictObject({
      required: z._default(z.array(z.enum(REMEDIATION_STEPS)), []),
      /** After this long without a decision, nothing happens. */
      timeoutMinutes: z._default(Minutes(24 * 60), 60),
    }),
    { required: [], timeoutMinutes: 60 },
  ),
  /** Pipeline, CodeBuild and ECS task roles (names or ARNs, globs): revoking their sessions kills in-flight builds and tasks, so it waits for approval. */
  protectedRoles: z._default(z.array(Glob), []),
  /** Buckets whose Block Public Access is always turned on again, public in effect or not (pipeline artifact stores). */
  artifactBuckets: z._default(z.array(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'))), []),
  ec2: z._default(
    z.strictObject({
      /** Add a network ACL deny for the finding's remote IP (cuts tracked connections too), removed after `expiryHours`. */
      denyRemoteIp: z._default(z.boolean(), false),
      denyExpiryHours: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(24 * 30)), 24),
      /** Stop the instance after the evidence is kept and it is isolated. */
      stopInstance: z._default(z.boolean(), false),
      /** The isolation group's name in each VPC (created without rules where missing). */
      isolationGroupName: z._default(z.string().check(z.regex(/^[\w .:/()#,@[\]+=&;{}!$*-]{1,255}$/, 'a security group name')), 'cicd-guardian-isolation'),
    }),
    { denyRemoteIp: false, denyExpiryHours: 24, stopInstance: false, isolationGroupName: 'cicd-guardian-isolation' },
  ),
  ecs: z._default(
    z.strictObject({
      /** What a runtime finding in a service's task does: roll the service back to its known-good revision, isolate its tasks, or scale it to zero. */
      onServiceFinding: z._default(z.enum(['rollback', 'isolate', 'scaleToZero']), 'rollback'),
    }),
    { onServiceFinding: 'rollback' },
  ),
  /** Run the playbooks of the resources an attack sequence names (otherwise it is only notified). */
  actOnAttackSequences: z._default(z.boolean(), false),
});
export type RemediationConfig = z.output<typeof RemediationShape>;

const GuardianConfigShape = z.strictObject({
  /** Log and return plans instead of acting. The GUARDIAN_DRY_RUN environment variable overrides it. */
  dryRun: z._default(z.boolean(), false),
  slack: z.optional(
    z
      .strictObject({
        botToken: z.optional(SecretRef),
        webhookUrl: z.optional(SecretRef),
        /** The workspace (team id, T0123ABCD) whose interactions `slack-interactions` accepts; others are refused (403). */
        teamId: z.optional(z.string().check(z.regex(/^[TE][A-Z0-9]{2,}$/, 'a Slack team id such as T0123ABCD'))),
        /** The Slack app (api_app_id, A0123ABCD) whose interactions `slack-interactions` accepts; others are refused (403). */
        appId: z.optional(z.string().check(z.regex(/^A[A-Z0-9]{2,}$/, 'a Slack app id such as A0123ABCD'))),
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
  /** People who approve, author commits or start executions, by id. */
  people: z._default(z.array(Person), []),
  /** Named groups of people (ids). */
  groups: z._default(z.record(z.string().check(z.regex(/^[\w.-]{1,64}$/)), z.array(z.string()).check(z.minLength(1))), {}),
  approvals: z._default(
    z.strictObject({
      /** Slack's signing secret for the `slack-interactions` endpoint (SLACK_SIGNING_SECRET overrides it locally). */
      signingSecret: z.optional(SecretRef),
      freezes: z._default(z.array(FreezeWindow), []),
      /** First match wins, in order. Approvals no policy matches are left to people in the console, as before. */
      policies: z._default(z.array(ApprovalPolicy), []),
    }),
    { freezes: [], policies: [] },
  ),
  protection: z._default(
    z.strictObject({
      /** Where tampering is alerted (default: the pipeline's route channel, else notifications.default). */
      slack: z.optional(z.strictObject({ channel: SlackTarget.shape.channel })),
      pipelines: z._default(z.array(ProtectedPipeline), []),
      services: z._default(z.array(ProtectedService), []),
      trails: z._default(z.array(ProtectedTrail), []),
      /** Freeze scheduling disables protected stages' inbound transitions during the freezes of their approval policy. */
      freezeTransitions: z._default(z.boolean(), false),
    }),
    { pipelines: [], services: [], trails: [], freezeTransitions: false },
  ),
  remediation: z._default(RemediationShape, RemediationShape.parse({})),
  audit: z._default(
    z.strictObject({
      /** How long decision records are kept in the state table (DynamoDB TTL). */
      retentionDays: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(3650)), 400),
    }),
    { retentionDays: 400 },
  ),
  /** One deployment guarding member accounts of an AWS Organization (absent: the function's own account only). */
  organization: z.optional(Organization),
});

type ConfigShape = z.output<typeof GuardianConfigShape>;

/**
 * What the field schemas cannot see: names that refer to other parts of the file.
 * Each problem names its path, as a field's would.
 */
function crossReferences(config: ConfigShape, ctx: z.core.$RefinementCtx<ConfigShape>): void {
  const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message, input: config });
  const firstSeen = <T>(items: T[], key: (t: T) => string | undefined, path: (i: number) => (string | number)[], what: string) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      if (k === undefined) return;
      const earlier = seen.get(k);
      if (earlier !== undefined) problem(path(i), `duplicate ${what} '${k}' (also ${path(earlier).join('.')})`);
      else seen.set(k, i);
    });
  };
  firstSeen(config.people, (p) => p.id, (i) => ['people', i, 'id'], 'person id');
  firstSeen(config.people, (p) => p.slack, (i) => ['people', i, 'slack'], 'Slack user id');
  firstSeen(config.approvals.freezes, (f) => f.name, (i) => ['approvals', 'freezes', i, 'name'], 'freeze name');
  firstSeen(config.approvals.policies, (p) => p.name, (i) => ['approvals', 'policies', i, 'name'], 'policy name');
  // A person matches the caller's session ARN only: an IAM role ARN would never match, and tamper would take the person for a stranger.
  config.people.forEach((person, p) => {
    person.principals.forEach((principal, i) => {
      if (/^arn:aws[\w-]*:iam::[^:]*:role\//.test(principal)) {
        problem(['people', p, 'principals', i], `person '${person.id}' names the IAM role '${principal}', which never matches a person: name their role session as arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION (globs allowed, e.g. .../ROLE/alice@example.com)`);
      }
    });
  });
  const people = new Set(config.people.map((p) => p.id));
  const freezes = new Set(config.approvals.freezes.map((f) => f.name));
  const known = (set: Set<string>) => (set.size ? `known: ${[...set].join(', ')}` : 'none are defined');
  for (const [group, members] of Object.entries(config.groups)) {
    members.forEach((m, i) => {
      if (!people.has(m)) problem(['groups', group, i], `unknown person '${m}' (people ${known(people)})`);
    });
  }
  organizationReferences(config, problem);
  config.approvals.policies.forEach((policy, p) => {
    const at = ['approvals', 'policies', p];
    policy.freezes.forEach((f, i) => {
      if (!freezes.has(f)) problem([...at, 'freezes', i], `unknown freeze '${f}' (approvals.freezes ${known(freezes)})`);
    });
    policy.approvers?.people.forEach((m, i) => {
      if (!people.has(m)) problem([...at, 'approvers', 'people', i], `unknown person '${m}' (people ${known(people)})`);
    });
    policy.approvers?.groups.forEach((g, i) => {
      if (!(g in config.groups)) problem([...at, 'approvers', 'groups', i], `unknown group '${g}' (groups ${known(new Set(Object.keys(config.groups)))})`);
    });
    const approvers = policy.approvers;
    if (approvers && (approvers.people.length || approvers.groups.length)) {
      const distinct = new Set([...approvers.people, ...approvers.groups.flatMap((g) => config.groups[g] ?? [])]);
      if (approvers.required > distinct.size) problem([...at, 'approvers', 'required'], `${approvers.required} approvals required but only ${distinct.size} people may approve`);
    }
  });
}

/** Served OUs must list their accounts (the guardian reads no Organizations API per event); an account id is in the served set to be configured. */
function organizationReferences(config: ConfigShape, problem: (path: (string | number)[], message: string) => void): void {
  const org = config.organization;
  if (!org) return;
  if (org.serve !== 'all') {
    org.serve.forEach((member, i) => {
      if (member.startsWith('ou-') && !org.units[member]?.accounts.length)
        problem(['organization', 'serve', i], `unit ${member} is served but its accounts are not listed (organization.units.${member}.accounts)`);
    });
  }
}

export const GuardianConfigSchema = GuardianConfigShape.check(z.superRefine(crossReferences));

export type GuardianConfig = z.output<typeof GuardianConfigSchema>;
export type Route = z.output<typeof Route>;
export type RouteTargets = Pick<Route, 'slack' | 'email'>;
export type MuteRule = z.output<typeof Mute>;
export type PersonConfig = z.output<typeof Person>;
export type FreezeWindowConfig = z.output<typeof FreezeWindow>;
export type DeployHoursConfig = z.output<typeof DeployHours>;
export type ApprovalPolicyConfig = z.output<typeof ApprovalPolicy>;
export type ProtectedPipelineConfig = z.output<typeof ProtectedPipeline>;
export type ProtectedServiceConfig = z.output<typeof ProtectedService>;
export type ProtectedTrailConfig = z.output<typeof ProtectedTrail>;
export type RollbackServiceConfig = z.output<typeof RollbackService>;
export type OrganizationConfig = z.output<typeof Organization>;
export type RollbackSettings = RollbackServiceConfig & { [K in keyof typeof ROLLBACK_DEFAULTS]: (typeof ROLLBACK_DEFAULTS)[K] extends boolean ? boolean : number };

/** How Slack is reached, as the config (and, locally, the environment) sets it up. */
export type SlackMode = 'bot' | 'webhook' | 'off';
