'use strict';
/* global __filename -- CommonJS; eslint.config.mjs lists the other CommonJS globals but not this one */

// Local Serverless plugin. It validates guardian.yml with the project's own
// TypeScript loader (so a bad policy fails `sls package` with the field's
// path) and offers what serverless.yml derives from the policy as
// `${guardian:<address>}` variables:
//
//   embedded                     validated config as a JSON string (esbuild `define` wants code text)
//   emailSubscriptions           AWS::SNS::Subscription resources, one per subscriber
//   buildStates                  CodeBuild build-status values worth an event
//   eventRuleArns                every rule that dead-letters into the events DLQ (its queue policy), the freeze schedule's too
//   rollbackEvents               the rollback function's EventBridge rules, for the configured services only
//   tamperEvents                 the tamper function's EventBridge rules: the CloudTrail calls `protection` needs
//   remediateEvents              the remediate function's rule: GuardDuty findings by severity floor (and lower playbook floors by type prefix), no samples
//   roleNames.<function>         each function's role name (also how the tamper function knows cicd-guardian's own calls)
//   ownRoleNames                 those names, comma-separated (GUARDIAN_OWN_ROLES)
//   freezeTransitions            whether the freeze-schedule rule is enabled (protection.freezeTransitions)
//   organizationResources        with an organization section: the organisation's event bus and its policy (aws:PrincipalOrgID),
//                                the MemberAccountUnreachable alarm; the package hook copies every event-pattern rule onto the bus
//   approvalEvents               the approval gate's rule (manual approvals of the pipelines policies govern) and reminder schedule
//   roleStatements.<function>    each function's IAM statements, built from the IAM its actions, facts
//                                and runtime declare (functions/permissions.ts), scoped by guardian.yml:
//                                the Slack secrets (and signing secret) it names, the topics routes name, the rollback
//                                services, their deployments, revisions, task definition families,
//                                CodeDeploy groups, pipelines and deploy stages, and rollback.passRoles
//
// ARNs use CloudFormation Fn::Sub pseudo parameters, so packaging needs no AWS call.
// Rule names contain Serverless variables (${self:...}, ${sls:stage}), resolved after this source.

const crypto = require('node:crypto');
const path = require('node:path');

/** Logical id of the stack's SNS topic in serverless.yml. */
const TOPIC = 'NotificationsTopic';

const loadTs = (file) => require('tsx/cjs/api').require(file, __filename);

/** Reads and validates a guardian config file; throws ConfigError naming each bad field's path. */
function loadGuardianConfig(configPath) {
  const { readConfigFile } = loadTs('../shared/config/load.ts');
  return readConfigFile(path.resolve(configPath));
}

const sub = (template) => ({ 'Fn::Sub': template });

/** The ARNs of secrets guardian.yml names (SecretRef), by service. */
function secretArns(refs) {
  const named = refs.filter(Boolean);
  return {
    ssm: named
      .filter((ref) => 'ssm' in ref)
      .map((ref) => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${ref.ssm}`)),
    // A name gets the 6-character suffix Secrets Manager appends to secret ARNs.
    secretsManager: named
      .filter((ref) => 'secretsManager' in ref)
      .map(({ secretsManager: id }) =>
        id.startsWith('arn:') ? id : sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${id}-??????`),
      ),
  };
}

function emailSubscriptions(config) {
  const resources = {};
  for (const email of config.email.subscribers) {
    // Keyed by the address, so adding or removing one leaves the others alone.
    const id = crypto.createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 10);
    resources[`NotificationsEmailSubscription${id}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: TOPIC }, Protocol: 'email', Endpoint: email },
    };
  }
  return resources;
}

/** Every target set: the routes' and the default's. */
const targetSets = (config) => [...config.notifications.routes, config.notifications.default ?? {}];

function topicArns(config) {
  const extra = targetSets(config)
    .map((targets) => targets.email && targets.email.topicArn)
    .filter(Boolean);
  return [{ Ref: TOPIC }, ...new Set(extra)];
}

/** The build-status values the CodeBuild rule lets through: the function's own rule for it. */
function buildStates(config) {
  const { buildStatusesToWatch } = loadTs('../shared/policies/notifications.ts');
  return buildStatusesToWatch(config);
}

// ---------------------------------------------------------------- rollback

/** Logical id of the queue EventBridge rules dead-letter into (serverless.yml). */
const EVENTS_DLQ = 'EventsDeadLetterQueue';
/** notify's rules, named in serverless.yml's custom.names. */
const NOTIFY_RULES = ['${self:custom.names.pipelineRule}', '${self:custom.names.buildRule}'];
/** The freeze-schedule function's schedule rule (serverless.yml). */
const FREEZE_RULE = '${self:custom.names.freezeScheduleRule}';
const rollbackRule = (kind) => `\${self:service}-\${sls:stage}-rollback-${kind}`;

const unique = (values) => [...new Set(values)];
const arn = (service, resource) => sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
const ruleArn = (name) => arn('events', `rule/${name}`);

// A rolling deployment of N tasks stops N old ones (the scheduler's "Scaling
// activity initiated by (deployment ...)", stop code ServiceSchedulerInitiated):
// only stopped tasks that can be failure signals reach the function, as
// taskFailure (shared/events/task-failure.ts) tells them, from the documented stop codes
// (API_Task.html) and stopped reasons (stopped-task-errors.html). Events
// without a stop code still pass: the function decides.
// The stop codes taskFailure never counts, and the scheduler's own stops (replaced, scaled in) but for health checks.
const notFailureStopCodes = () => [...loadTs('../shared/events/task-failure.ts').NOT_A_FAILURE_STOP_CODES, 'ServiceSchedulerInitiated'];
const taskFailureShapes = () => [
  { stopCode: ['TaskFailedToStart'] },
  // The scheduler stops tasks that fail their health checks too.
  { stopCode: ['ServiceSchedulerInitiated'], stoppedReason: [{ prefix: 'Task failed ELB health checks' }, { prefix: 'Task failed container health checks' }] },
  // EssentialContainerExited (or a stop code ECS adds later) with a container that exited non-zero.
  { stopCode: [{ 'anything-but': [...notFailureStopCodes(), 'TaskFailedToStart'] }], containers: { exitCode: [{ 'anything-but': 0 }] } },
  { stopCode: [{ exists: false }] },
];

/** The services of rollback.services with their effective settings (rollback.defaults applied). */
function rollbackServices(config) {
  const { rollbackSettings } = loadTs('../shared/policies/rollback.ts');
  return config.rollback.services.map((service) => rollbackSettings(service, config));
}

/** The task definition family a service's rollback may deploy: the policy's own rule (taskDefinitionFamily, default: the service name). */
const deployableFamily = (service) => loadTs('../shared/policies/rollback.ts').deployableFamily(service);

/**
 * The rollback function's EventBridge rules: the events `servicesFor`
 * (shared/policies/rollback.ts) can match to a configured service (task
 * events: any listed service name in any listed cluster; the function sorts
 * them out). A rule whose list would be empty is left out; no service, no rule.
 */
function rollbackRules(config) {
  const services = rollbackServices(config);
  const serviceArns = unique(services.map((s) => `:service/${s.cluster}/${s.service}`)).map((suffix) => ({ suffix }));
  const alarms = unique(services.flatMap((s) => s.alarms));
  const checked = services.filter((s) => s.pipeline && s.pipeline.postDeployChecks.length > 0);
  const ecs = (detailType, extra = {}) => ({ source: ['aws.ecs'], 'detail-type': [detailType], ...extra });
  const rules = [
    ['deployments', 'ECS deployment state changes of the rollback services', serviceArns, ecs('ECS Deployment State Change', { resources: serviceArns })],
    [
      'service-actions',
      'ECS services of the rollback policy unable to start tasks',
      serviceArns,
      ecs('ECS Service Action', { resources: serviceArns, detail: { eventName: ['SERVICE_TASK_START_IMPAIRED'] } }),
    ],
    [
      'tasks',
      'Stopped tasks of the rollback services, started by a deployment, that can be failure signals',
      serviceArns,
      ecs('ECS Task State Change', {
        detail: {
          lastStatus: ['STOPPED'],
          group: unique(services.map((s) => `service:${s.service}`)),
          clusterArn: unique(services.map((s) => `:cluster/${s.cluster}`)).map((suffix) => ({ suffix })),
          startedBy: [{ prefix: 'ecs-svc/' }],
          $or: taskFailureShapes(),
        },
      }),
    ],
    [
      'alarms',
      'Alarms of the rollback services going to ALARM',
      alarms,
      { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: alarms, state: { value: ['ALARM'] } } },
    ],
    [
      'checks',
      'Failed post-deploy checks of the pipelines that deploy the rollback services',
      checked,
      {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Action Execution State Change'],
        detail: {
          pipeline: unique(checked.map((s) => s.pipeline.name)),
          state: ['FAILED'],
          stage: unique(checked.flatMap((s) => s.pipeline.postDeployChecks.map((check) => check.split('/')[0]))),
        },
      },
    ],
  ];
  return rules.filter(([, , values]) => values.length > 0).map(([kind, description, , pattern]) => ({ name: rollbackRule(kind), description, pattern }));
}

/** Serverless `eventBridge` events, delivered like notify's: retried, then parked in the events DLQ. */
const rollbackEvents = (config) =>
  rollbackRules(config).map((rule) => ({
    eventBridge: {
      ...rule,
      retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 10 },
      deadLetterQueueArn: { 'Fn::GetAtt': [EVENTS_DLQ, 'Arn'] },
    },
  }));

/** The ARNs of every rule that may send to the events DLQ. */
const eventRuleArns = (config) =>
  [...NOTIFY_RULES, FREEZE_RULE, ...rollbackRules(config).map((rule) => rule.name), ...approvalRules(config).map((rule) => rule.name), ...tamperRules(config).map((rule) => rule.name), REMEDIATE_RULE].map(ruleArn);

/** Resource lists of the rollback function's role, scoped to the configured services. */
function rollbackResources(config, services = rollbackServices(config)) {
  const ecs = (type, suffix = '') => unique(services.map((s) => `${type}/${s.cluster}/${s.service}${suffix}`)).map((r) => arn('ecs', r));
  const piped = services.filter((s) => s.pipeline);
  return {
    rollbackServiceArns: ecs('service'),
    rollbackServiceDeploymentArns: ecs('service-deployment', '/*'),
    rollbackServiceRevisionArns: ecs('service-revision', '/*'),
    rollbackTaskDefinitionArns: unique(services.map((s) => `task-definition/${deployableFamily(s)}:*`)).map((r) => arn('ecs', r)),
    rollbackDeploymentGroupArns: unique(services.filter((s) => s.codeDeploy).map((s) => `deploymentgroup:${s.codeDeploy.application}/${s.codeDeploy.deploymentGroup}`)).map(
      (r) => arn('codedeploy', r),
    ),
    rollbackPipelineArns: unique(piped.map((s) => s.pipeline.name)).map((r) => arn('codepipeline', r)),
    rollbackStageArns: unique(piped.filter((s) => s.disableTransition).map((s) => `${s.pipeline.name}/${s.pipeline.deployStage}`)).map((r) => arn('codepipeline', r)),
    passRoles: config.rollback.passRoles,
  };
}

// ---------------------------------------------------------------- approvals

/** The manual approval actions the approval policies govern: pipeline/stage/action ARNs with the policies' globs (IAM reads `*` and `?` alike). */
const approvalActionArns = (config) =>
  unique(config.approvals.policies.flatMap((p) => p.pipelines.flatMap((pipeline) => p.stages.flatMap((stage) => p.actions.map((action) => `${pipeline}/${stage}/${action}`))))).map((r) =>
    arn('codepipeline', r),
  );

const approvalPipelineArns = (config) => unique(config.approvals.policies.flatMap((p) => p.pipelines)).map((r) => arn('codepipeline', r));


// ---------------------------------------------------------------- tamper checks

const tamperRule = (kind) => `\${self:service}-\${sls:stage}-tamper-${kind}`;

/**
 * The tamper function's rules: the write calls (as CloudTrail delivers them to EventBridge) that can
 * touch what `protection` marks protected, by event source and name. Read-only calls never reach a
 * rule that does not ask for them, and none is needed. PutApprovalResult only when approval policies
 * exist (only they can be broken); CodeDeploy's CreateDeployment only when a protected service has a
 * deployment group (its own `codeDeploy`, or its rollback.services entry's). The function sorts out which pipeline, service or trail a call touched.
 */
function tamperRules(config) {
  const { pipelines, services, trails } = config.protection;
  const apiCall = (service, names) => ({
    source: [`aws.${service}`],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { eventSource: [`${service}.amazonaws.com`], eventName: names },
  });
  const pipelineCalls = [
    ...(config.approvals.policies.length > 0 ? ['PutApprovalResult'] : []),
    ...(pipelines.length > 0 ? ['UpdatePipeline', 'DeletePipeline', 'DisableStageTransition', 'EnableStageTransition'] : []),
  ];
  const rules = [
    ['pipelines', 'Approvals and changes of protected pipelines made through the API (CloudTrail)', pipelineCalls, apiCall('codepipeline', pipelineCalls)],
    ['services', 'Changes of protected ECS services (CloudTrail)', services.length > 0 ? ['UpdateService', 'DeleteService'] : [], apiCall('ecs', ['UpdateService', 'DeleteService'])],
    [
      'deployments',
      'CodeDeploy deployments of protected ECS services (CloudTrail)',
      services.some((s) => loadTs('../shared/policies/tamper.ts').deploymentGroupOf(s, config)) ? ['CreateDeployment'] : [],
      apiCall('codedeploy', ['CreateDeployment']),
    ],
    [
      'trails',
      'Protected CloudTrail trails stopped, deleted or changed (CloudTrail)',
      trails.length > 0 ? ['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'UpdateTrail'] : [],
      apiCall('cloudtrail', ['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'UpdateTrail']),
    ],
  ];
  return rules.filter(([, , names]) => names.length > 0).map(([kind, description, , pattern]) => ({ name: tamperRule(kind), description, pattern }));
}

const tamperEvents = (config) =>
  tamperRules(config).map((rule) => ({
    eventBridge: { ...rule, retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 10 }, deadLetterQueueArn: { 'Fn::GetAtt': [EVENTS_DLQ, 'Arn'] } },
  }));

/** The protected services a bypass of is reverted: those with `onBypass: revert` that rollback.services lists (their known-good revision is learned there). */
function revertedServices(config) {
  const { revertSettings } = loadTs('../shared/policies/tamper.ts');
  return config.protection.services
    .filter((s) => s.onBypass === 'revert')
    .map((s) => revertSettings({ kind: 'service', cluster: s.cluster, service: s.service }, config))
    .filter(Boolean);
}

/** Trail names or ARNs (globs) as ARNs in the stack's account and Region (a trail is started in its home Region). */
const protectedTrailArns = (config) =>
  unique(config.protection.trails.flatMap((t) => t.trails)).map((t) => (t.startsWith('arn:') ? t : arn('cloudtrail', `trail/${t}`)));

/**
 * Each function's role name: named, so that the tamper function knows cicd-guardian's own calls by the
 * role that issued their session. Roles are global: the name holds the stage and the Region.
 */
const roleName = (name) => `\${self:service}-\${sls:stage}-${name}-\${self:provider.region}`;
const functionNames = () => Object.keys(loadTs('../functions/permissions.ts').FUNCTIONS);

// ---------------------------------------------------------------- freeze scheduling

/**
 * The pipelines and stages freeze scheduling may read and change the transitions of: the
 * globs of the approval policies with freezes or deploy hours (IAM ARNs take `*` and `?` as
 * the policies do), none while protection.freezeTransitions is off.
 */
function frozenResources(config) {
  if (!config.protection.freezeTransitions) return { pipelines: [], stages: [] };
  const policies = loadTs('../shared/policies/freeze-schedule.ts').schedulablePolicies(config);
  return {
    pipelines: unique(policies.flatMap((p) => p.pipelines)).map((r) => arn('codepipeline', r)),
    stages: unique(policies.flatMap((p) => p.pipelines.flatMap((pipeline) => p.stages.map((stage) => `${pipeline}/${stage}`)))).map((r) => arn('codepipeline', r)),
  };
}

// ---------------------------------------------------------------- approval gate

const approvalRule = (kind) => `\${self:service}-\${sls:stage}-approval-gate-${kind}`;

/**
 * The approval gate's rules: manual approval actions of the pipelines the
 * policies name (prefix-free globs as EventBridge wildcards), started or ended;
 * and its reminder schedule. No policy, no rule.
 */
function approvalRules(config) {
  const pipelines = unique(config.approvals.policies.flatMap((p) => p.pipelines)).map((g) => (/[*?]/.test(g) ? { wildcard: g.replace(/\?/g, '*') } : g));
  if (pipelines.length === 0) return [];
  const reminders = config.approvals.policies.some((p) => p.remind)
    ? [{ name: approvalRule('reminders'), description: 'Reminds and escalates approvals about to time out', schedule: 'rate(15 minutes)' }]
    : [];
  return [
    ...reminders,
    {
      name: approvalRule('actions'),
      description: 'Manual approvals of the pipelines approval policies govern: started (decide or ask) and ended (close the request)',
      pattern: {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Action Execution State Change'],
        detail: { pipeline: pipelines, state: ['STARTED', 'SUCCEEDED', 'FAILED', 'ABANDONED'], type: { category: ['Approval'], provider: ['Manual'] } },
      },
    },
  ];
}

const approvalEvents = (config) =>
  approvalRules(config).map((rule) => ({
    eventBridge: { ...rule, retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 10 }, deadLetterQueueArn: { 'Fn::GetAtt': [EVENTS_DLQ, 'Arn'] } },
  }));

// ---------------------------------------------------------------- GuardDuty remediation

const REMEDIATE_RULE = '${self:service}-${sls:stage}-remediate-findings';

/**
 * The remediate function's rule: GuardDuty findings at or above remediation.minSeverity (numeric
 * matching), and those of a playbook whose own floor is lower, by its type prefixes; sample findings
 * (service.additionalInfo.sample true) never reach it.
 */
function remediateRule(config) {
  const { DEFAULT_TYPES } = loadTs('../shared/policies/remediation.ts');
  const r = config.remediation;
  const atLeast = (floor) => [{ numeric: ['>=', floor] }];
  const lower = Object.entries(r.playbooks)
    .filter(([, p]) => p.enabled && p.minSeverity !== undefined && p.minSeverity < r.minSeverity)
    .map(([name, p]) => ({ type: (p.types ?? DEFAULT_TYPES[name]).map((prefix) => ({ prefix })), severity: atLeast(p.minSeverity) }));
  const alternatives = [{ severity: atLeast(r.minSeverity) }, ...lower];
  return {
    name: REMEDIATE_RULE,
    description: 'GuardDuty findings for cicd-guardian remediation (samples dropped)',
    pattern: {
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: {
        service: { additionalInfo: { sample: [{ exists: false }, false] } },
        ...(alternatives.length > 1 ? { $or: alternatives } : alternatives[0]),
      },
    },
  };
}

const remediateEvents = (config) => [
  { eventBridge: { ...remediateRule(config), retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 10 }, deadLetterQueueArn: { 'Fn::GetAtt': [EVENTS_DLQ, 'Arn'] } } },
];

// ---------------------------------------------------------------- IAM

const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);
/** A function's key in serverless.yml ("slack-interactions") as its names and resources spell it ("slackInteractions"). */
const camel = (name) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase());

/**
 * The resources each scope list of shared/runtime/iam.ts (IamScope) stands for,
 * for function `name`: what its declarations' actions may touch.
 */
function iamScope(config, name, uses) {
  const slack = secretArns([config.slack?.botToken, config.slack?.webhookUrl]);
  const signing = secretArns([config.approvals.signingSecret]);
  const rollback = rollbackResources(config, uses.ecsServices === 'reverted' ? revertedServices(config) : rollbackServices(config));
  const frozen = uses.stages === 'frozen' ? frozenResources(config) : undefined;
  return {
    anyPipeline: [arn('codepipeline', '*')],
    anyBuildProject: [arn('codebuild', 'project/*')],
    topics: uses.emailTopics === 'routes' ? topicArns(config) : [{ Ref: TOPIC }],
    notificationsKey: [{ 'Fn::GetAtt': ['NotificationsKey', 'Arn'] }],
    slackParameters: slack.ssm,
    slackSecrets: slack.secretsManager,
    signingSecretParameters: signing.ssm,
    signingSecretSecrets: signing.secretsManager,
    anyKey: [arn('kms', 'key/*')],
    ssmService: [sub('ssm.${AWS::Region}.amazonaws.com')],
    secretsManagerService: [sub('secretsmanager.${AWS::Region}.amazonaws.com')],
    stateTable: [{ 'Fn::GetAtt': ['GuardianStateTable', 'Arn'] }],
    // serverless.yml's index name (shared/state/audit.ts AUDIT_INDEX).
    auditIndex: [sub('${GuardianStateTable.Arn}/index/audit')],
    services: rollback.rollbackServiceArns,
    serviceDeployments: rollback.rollbackServiceDeploymentArns,
    serviceRevisions: rollback.rollbackServiceRevisionArns,
    taskDefinitions: rollback.rollbackTaskDefinitionArns,
    deploymentGroups: rollback.rollbackDeploymentGroupArns,
    deployPipelines: frozen ? frozen.pipelines : rollback.rollbackPipelineArns,
    deployStages: frozen ? frozen.stages : rollback.rollbackStageArns,
    passRoles: rollback.passRoles,
    protectedTrails: protectedTrailArns(config),
    approvalActions: approvalActionArns(config),
    approvalPipelines: approvalPipelineArns(config),
    anyRepository: [arn('codecommit', '*')],
    // serverless.yml's names: custom.names.<name>Function, and the <Name>DeadLetterQueue resource (approval-gate: approvalGate).
    ownLogGroup: [arn('logs', `log-group:/aws/lambda/\${self:custom.names.${camel(name)}Function}:*`)],
    ownDeadLetterQueue: [{ 'Fn::GetAtt': [`${pascal(camel(name))}DeadLetterQueue`, 'Arn'] }],
    anyEc2: [arn('ec2', '*')],
    anyAutoScalingGroup: [arn('autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*')],
    anyUser: [sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*')],
    anyRole: [sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*')],
    anyBucket: [sub('arn:${AWS::Partition}:s3:::*')],
    anyTask: [arn('ecs', 'task/*')],
    thisAccount: [{ Ref: 'AWS::AccountId' }],
    anyService: [arn('ecs', 'service/*')],
    everything: ['*'],
    memberRoles: config.organization ? [sub(`arn:\${AWS::Partition}:iam::*:role/${config.organization.memberRole}`)] : [],
    organizationId: config.organization ? [config.organization.id] : [],
  };
}

/**
 * One function's IAM statements: its needs grouped by resource list and
 * condition (one statement each, actions in declaration order), with the
 * scope's resources filled in. A need whose resources or condition values are
 * empty in this config (no Secrets Manager secret, no CODE_DEPLOY service)
 * grants nothing and is left out.
 */
function statementsFor(config, name, uses, needs) {
  const scope = iamScope(config, name, uses);
  const valuesOf = (list) => {
    if (!(list in scope)) throw new Error(`IAM declaration names an unknown scope list "${list}" (shared/runtime/iam.ts IamScope)`);
    return scope[list];
  };
  const groups = new Map();
  for (const need of needs) {
    const key = JSON.stringify([need.resources, need.conditions ?? {}]);
    const group = groups.get(key) ?? { need, actions: [] };
    group.actions.push(...need.actions.filter((a) => !group.actions.includes(a)));
    groups.set(key, group);
  }
  const sids = new Set();
  const statements = [];
  for (const { need, actions } of groups.values()) {
    const resources = valuesOf(need.resources);
    const condition = {};
    let empty = resources.length === 0;
    for (const [operator, keys] of Object.entries(need.conditions ?? {})) {
      condition[operator] = {};
      for (const [conditionKey, value] of Object.entries(keys)) {
        const values = typeof value === 'string' ? valuesOf(value) : value.value;
        if (Array.isArray(values) && values.length === 0) empty = true;
        condition[operator][conditionKey] = values;
      }
    }
    if (empty) continue;
    let sid = pascal(need.resources) + (need.conditions ? 'Conditional' : '');
    for (let n = 2; sids.has(sid); n++) sid = `${pascal(need.resources)}${need.conditions ? 'Conditional' : ''}${n}`;
    sids.add(sid);
    statements.push({
      Sid: sid,
      Effect: 'Allow',
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: resources.length === 1 ? resources[0] : resources,
      ...(need.conditions ? { Condition: condition } : {}),
    });
  }
  return statements;
}

/** Each function's statements, from functions/permissions.ts (what it may plan and read) and the modules' declarations. */
function roleStatements(config) {
  const { FUNCTIONS, iamNeedsOf } = loadTs('../functions/permissions.ts');
  return Object.fromEntries(Object.entries(FUNCTIONS).map(([name, uses]) => [name, statementsFor(config, name, uses, iamNeedsOf(name))]));
}

// ---------------------------------------------------------------- organisation

/** Logical id of the bus the member accounts forward to (only with an organization section). */
const ORGANIZATION_BUS = 'OrganizationEventBus';

/**
 * The organisation's event bus and its policy: PutEvents only by principals of accounts in the
 * organisation (aws:PrincipalOrgID); which of those accounts are served is the functions' check. And the
 * alarm that emails the stack's topic when a member account's role cannot be assumed (MemberAccountUnreachable,
 * counted once per account, role and hour: shared/state/member-access.ts).
 */
function organizationResources(config) {
  const organization = config.organization;
  if (!organization) return {};
  return {
    [ORGANIZATION_BUS]: { Type: 'AWS::Events::EventBus', Properties: { Name: '${self:service}-${sls:stage}-organization' } },
    OrganizationEventBusPolicy: {
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        EventBusName: { Ref: ORGANIZATION_BUS },
        StatementId: 'OrganizationAccountsPutEvents',
        Statement: {
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: { 'Fn::GetAtt': [ORGANIZATION_BUS, 'Arn'] },
          Condition: { StringEquals: { 'aws:PrincipalOrgID': organization.id } },
        },
      },
    },
    MemberAccountUnreachableAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: "A member account's role (organization.memberRole) is missing or denies: cicd-guardian notifies there from events alone and acts on nothing (the functions' logs name the account)",
        Namespace: '${self:provider.environment.POWERTOOLS_METRICS_NAMESPACE}',
        MetricName: 'MemberAccountUnreachable',
        Dimensions: [{ Name: 'service', Value: '${self:provider.environment.POWERTOOLS_SERVICE_NAME}' }],
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: TOPIC }],
      },
    },
  };
}

/**
 * Every event-pattern rule of the default bus, once more on the organisation's bus (same pattern, targets,
 * retries and dead letters), with its Lambda permission; the events DLQ admits the copies too. Schedules
 * stay on the default bus only. Nothing without an organization section.
 */
function addOrganizationRules(resources, config) {
  if (!config.organization) return;
  const copies = new Map();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || !resource.Properties.EventPattern || resource.Properties.EventBusName) continue;
    const copy = `${id}Organization`;
    resources[copy] = { ...resource, Properties: { ...resource.Properties, EventBusName: { Ref: ORGANIZATION_BUS } } };
    copies.set(id, copy);
  }
  // Serverless names a rule's ARN in its permission by the rule's name (["rule", name] in an Fn::Join).
  const copyByName = new Map([...copies].map(([id, copy]) => [JSON.stringify(['rule', resources[id].Properties.Name]), copy]));
  const ruleOf = (sourceArn) => [...copyByName.keys()].find((named) => JSON.stringify(sourceArn ?? null).includes(named));
  for (const [id, resource] of Object.entries(resources)) {
    const named = resource.Type === 'AWS::Lambda::Permission' && ruleOf(resource.Properties.SourceArn);
    if (!named) continue;
    resources[`${id}Organization`] = { ...resource, Properties: { ...resource.Properties, SourceArn: { 'Fn::GetAtt': [copyByName.get(named), 'Arn'] } } };
  }
  const deadLetters = resources[`${EVENTS_DLQ}Policy`];
  for (const statement of deadLetters ? deadLetters.Properties.PolicyDocument.Statement : []) {
    const condition = statement.Condition && statement.Condition.ArnEquals;
    if (condition) condition['aws:SourceArn'] = [...condition['aws:SourceArn'], ...[...copies.values()].map((copy) => ({ 'Fn::GetAtt': [copy, 'Arn'] }))];
  }
}

/**
 * The member role's statements: each function's member needs (functions/permissions.ts memberNeedsOf),
 * scoped as its own role is, ARNs in the member account (AWS::AccountId where the member stack runs), once
 * per region of organization.regions (the role is global). Sids name the function.
 */
function memberRoleStatements(config) {
  const { FUNCTIONS, memberNeedsOf } = loadTs('../functions/permissions.ts');
  const regions = config.organization ? config.organization.regions : [];
  const perRegion = (value) =>
    value && typeof value['Fn::Sub'] === 'string' && value['Fn::Sub'].includes('${AWS::Region}')
      ? regions.map((region) => sub(value['Fn::Sub'].split('${AWS::Region}').join(region)))
      : [value];
  return Object.entries(FUNCTIONS).flatMap(([name, uses]) =>
    statementsFor(config, name, uses, memberNeedsOf(name)).map((statement) => {
      const resources = [statement.Resource].flat().flatMap(perRegion);
      return { ...statement, Sid: `${pascal(camel(name))}${statement.Sid}`, Resource: resources.length === 1 ? resources[0] : resources };
    }),
  );
}

/** All `${guardian:...}` values for a validated config. */
function deriveValues(config) {
  return {
    embedded: JSON.stringify(config),
    emailSubscriptions: emailSubscriptions(config),
    buildStates: buildStates(config),
    eventRuleArns: eventRuleArns(config),
    rollbackEvents: rollbackEvents(config),
    tamperEvents: tamperEvents(config),
    remediateEvents: remediateEvents(config),
    roleNames: Object.fromEntries(functionNames().map((name) => [name, roleName(name)])),
    ownRoleNames: functionNames().map(roleName).join(','),
    approvalEvents: approvalEvents(config),
    roleStatements: roleStatements(config),
    freezeTransitions: config.protection.freezeTransitions,
    organizationResources: organizationResources(config),
  };
}

/** A statement that can match nothing: an empty Resource list, or a condition on an empty list of values. */
const matchesNothing = (statement) =>
  (Array.isArray(statement.Resource) && statement.Resource.length === 0) ||
  Object.values(statement.Condition ?? {}).some((keys) => Object.values(keys).some((values) => Array.isArray(values) && values.length === 0));

/** Drops IAM statements that can match nothing (e.g. no Secrets Manager secret configured). */
function dropEmptyStatements(resources) {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of resource.Properties.Policies ?? []) {
      const doc = policy.PolicyDocument;
      doc.Statement = doc.Statement.filter((s) => !matchesNothing(s));
    }
  }
}

class GuardianPlugin {
  constructor(serverless) {
    this.serverless = serverless;

    serverless.configSchemaHandler.defineCustomProperties({
      type: 'object',
      properties: {
        guardian: {
          type: 'object',
          properties: { configFile: { type: 'string' } },
          additionalProperties: false,
        },
      },
    });

    this.configurationVariablesSources = {
      guardian: {
        resolve: async ({ address, resolveConfigurationProperty }) => {
          const configFile = await resolveConfigurationProperty(['custom', 'guardian', 'configFile']);
          let value = this.values(configFile);
          for (const key of (address ?? '').split('.')) {
            if (value === null || typeof value !== 'object' || !(key in value)) {
              throw new serverless.classes.Error(`Unknown "\${guardian:${address}}" (addresses: ${Object.keys(this.values(configFile)).join(', ')})`);
            }
            value = value[key];
          }
          return { value };
        },
      },
    };

    // Fail fast, with the problems listed once, when the config file is named literally.
    const configFile = serverless.configurationInput?.custom?.guardian?.configFile;
    if (configFile === undefined || (typeof configFile === 'string' && !configFile.includes('${'))) this.values(configFile);

    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const resources = serverless.service.provider.compiledCloudFormationTemplate.Resources;
        dropEmptyStatements(resources);
        addOrganizationRules(resources, this.config);
      },
    };
  }

  /** Derived values, computed once; an invalid config fails the command with ConfigError's message. */
  values(configFile) {
    if (!this.cached) {
      try {
        const config = loadGuardianConfig(path.resolve(this.serverless.serviceDir, configFile ?? 'guardian.yml'));
        this.config = config;
        this.cached = deriveValues(config);
      } catch (error) {
        if (error.name !== 'ConfigError') throw error;
        throw new this.serverless.classes.Error(error.message);
      }
    }
    return this.cached;
  }
}

module.exports = GuardianPlugin;
module.exports.loadGuardianConfig = loadGuardianConfig;
module.exports.deriveValues = deriveValues;
module.exports.iamScope = iamScope;
module.exports.memberRoleStatements = memberRoleStatements;
module.exports.roleName = roleName;
