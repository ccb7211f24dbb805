// IAM needs, declared next to the code that has them (an action module, a
// fact reader, the state store) and turned into each function's role by the
// guardian plugin: a permission is never copied by hand into serverless.yml.

/** A resource or condition value: an ARN, or a CloudFormation intrinsic (Fn::Sub, Ref, Fn::GetAtt) the plugin resolves. */
export type IamValue = string | { [intrinsic: string]: unknown };

/**
 * The resources a function may touch, as the plugin derives them from
 * guardian.yml and the stack (ARNs with Fn::Sub, so packaging needs no AWS call).
 * A declaration names which of these lists its actions apply to.
 */
export interface IamScope {
  /** Any pipeline of the account (notify reads every pipeline it is told about). */
  anyPipeline: IamValue[];
  /** Any CodeBuild project of the account. */
  anyBuildProject: IamValue[];
  /** The topics email may go to: the stack's and, for notify, those routes name. */
  topics: IamValue[];
  /** The stack's KMS key that encrypts the topic. */
  notificationsKey: IamValue[];
  /** The Slack bot token and webhook URL named in guardian.yml. */
  slackParameters: IamValue[];
  slackSecrets: IamValue[];
  /** Slack's signing secret named in guardian.yml (approvals.signingSecret). */
  signingSecretParameters: IamValue[];
  signingSecretSecrets: IamValue[];
  /** The KMS keys of the account (Slack secrets are decrypted only through SSM or Secrets Manager). */
  anyKey: IamValue[];
  ssmService: IamValue[];
  secretsManagerService: IamValue[];
  /** The state table. */
  stateTable: IamValue[];
  /** The state table's audit index (listing the audit trail). */
  auditIndex: IamValue[];
  /** The ECS services the function acts on (rollback: rollback.services; tamper: the protected ones it reverts), their service deployments and revisions. */
  services: IamValue[];
  serviceDeployments: IamValue[];
  serviceRevisions: IamValue[];
  /** Revisions of their task definition families (UpdateService's ecs:task-definition). */
  taskDefinitions: IamValue[];
  /** CodeDeploy deployment groups of CODE_DEPLOY services. */
  deploymentGroups: IamValue[];
  /**
   * Pipelines whose stage transitions the function reads and changes: for rollback, those that deploy the
   * services and their deploy stages where disableTransition is on; for freeze-schedule, the pipelines and
   * stages of the approval policies with freezes or deploy hours (FunctionUses.stages).
   */
  deployPipelines: IamValue[];
  deployStages: IamValue[];
  /** Trails guardian.yml's `protection` marks protected (their logging may be started again). */
  protectedTrails: IamValue[];
  /** The manual approval actions approval policies govern (pipeline/stage/action ARN globs). */
  approvalActions: IamValue[];
  /** The pipelines approval policies govern (ARN globs). */
  approvalPipelines: IamValue[];
  /** Any CodeCommit repository of the account (a source's commit author). */
  anyRepository: IamValue[];
  /** Roles UpdateService may pass to ECS tasks (rollback.passRoles). */
  passRoles: IamValue[];
  /** The function's own log group and dead-letter queue. */
  ownLogGroup: IamValue[];
  ownDeadLetterQueue: IamValue[];
  /** GuardDuty remediation acts on whatever a finding names in the account: its EC2 resources (instances, volumes, snapshots, groups, interfaces), Auto Scaling groups, IAM users and roles, S3 buckets, ECS tasks and services. */
  anyEc2: IamValue[];
  anyAutoScalingGroup: IamValue[];
  anyUser: IamValue[];
  anyRole: IamValue[];
  anyBucket: IamValue[];
  anyTask: IamValue[];
  /** The account the role is in (the guardian's, or the member account's for the member role): for keys such as aws:ResourceAccount. */
  thisAccount: IamValue[];
  anyService: IamValue[];
  /** Actions with no resource-level permissions. */
  everything: IamValue[];
  /** The member role (organization.memberRole) in any account, and the organisation it must belong to: none without an organization section. */
  memberRoles: IamValue[];
  organizationId: IamValue[];
}

export type IamScopeList = keyof IamScope;

/**
 * The lists that are resources of the account where events happen (pipelines, builds, services,
 * trails, repositories, what GuardDuty findings name): in a member account, the member role grants what is declared on them. The
 * others (the state table, the topic, Slack secrets, the function's own logs) stay in the guardian's account.
 */
export const MEMBER_SCOPE_LISTS: IamScopeList[] = [
  'anyPipeline',
  'anyBuildProject',
  'services',
  'anyService',
  'serviceDeployments',
  'serviceRevisions',
  'taskDefinitions',
  'deploymentGroups',
  'deployPipelines',
  'deployStages',
  'protectedTrails',
  'approvalActions',
  'approvalPipelines',
  'anyRepository',
  'passRoles',
  'anyEc2',
  'anyAutoScalingGroup',
  'anyUser',
  'anyRole',
  'anyBucket',
  'anyTask',
  'everything',
];

/** One permission: these actions on the resources of one scope list, optionally under a condition. */
export interface IamNeed {
  actions: string[];
  resources: IamScopeList;
  /** Condition operator -> key -> the scope list whose values the key must match, or one fixed value. */
  conditions?: Record<string, Record<string, IamScopeList | { value: string }>>;
  /** Why, when it is not obvious (kept as the statement's comment in the generated role). */
  why?: string;
}

/** What every function's runtime needs: its own logs, X-Ray traces, and its dead-letter queue (Lambda sends failed asynchronous events with the function's role). */
export const LAMBDA_RUNTIME_IAM: IamNeed[] = [
  { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: 'ownLogGroup' },
  { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: 'everything', why: 'X-Ray has no resource-level permissions' },
  { actions: ['sqs:SendMessage'], resources: 'ownDeadLetterQueue' },
];
