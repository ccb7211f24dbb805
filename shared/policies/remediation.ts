import type { GuardianConfig, PlaybookConfig, PlaybookName, RemediationStepName, SlackMode } from '../config/schema.js';
import type { Finding } from '../events/guardduty.js';
import type { AuditEntry } from '../plan/audit.js';
import type { Delivery } from '../plan/delivery.js';
import type { Action, EcsUpdateServiceAction, Plan, RemediationAction, StartLoggingAction } from '../plan/plan.js';
import { describeRemediation, type StepLine, type StepState } from '../messages/remediation.js';
import { globToRegExp } from './routing.js';

// GuardDuty remediation: which playbook a finding's type calls for, its steps
// in order (evidence first), and the guardrails around them: sample findings
// never act, exemptions by account, tag and (organisation) service, a severity
// floor, other accounts only through the organisation's member role (and only
// where the account's policy lets remediation act), per-playbook and global dry-run, approvals,
// the blast-radius cap, and idempotency (a step done for a resource is never
// done again; a step already in effect is recorded, not redone). Pure: no I/O,
// no clock. Every step, skip and refusal is in the audit trail and the
// resource's message, with the finding id.

/** The finding type prefixes each playbook answers unless guardian.yml names its own, in the order they are tried. */
export const DEFAULT_TYPES: Record<PlaybookName, string[]> = {
  cloudTrail: ['Stealth:IAMUser/CloudTrailLoggingDisabled'],
  attackSequence: ['AttackSequence:'],
  ec2: ['Backdoor:EC2', 'CryptoCurrency:EC2', 'Trojan:EC2', 'Impact:EC2', 'UnauthorizedAccess:EC2'],
  iamCredentials: [
    'UnauthorizedAccess:IAMUser', 'CredentialAccess:IAMUser', 'Exfiltration:IAMUser', 'Impact:IAMUser', 'Persistence:IAMUser',
    'PrivilegeEscalation:IAMUser', 'InitialAccess:IAMUser', 'Discovery:IAMUser', 'DefenseEvasion:IAMUser',
  ],
  ecsRuntime: [
    'Execution:Runtime', 'CryptoCurrency:Runtime', 'Backdoor:Runtime', 'PrivilegeEscalation:Runtime', 'DefenseEvasion:Runtime',
    'Impact:Runtime', 'Persistence:Runtime', 'Discovery:Runtime', 'Trojan:Runtime', 'UnauthorizedAccess:Runtime',
  ],
  s3: ['Policy:S3/BucketBlockPublicAccessDisabled', 'Policy:S3/BucketAnonymousAccessGranted', 'Policy:S3/BucketPublicAccessGranted'],
};
const PLAYBOOK_ORDER = Object.keys(DEFAULT_TYPES) as PlaybookName[];

/** The steps that take something away (a network path, a credential, a capacity): they count against the cap. */
export const DESTRUCTIVE: ReadonlySet<RemediationStepName> = new Set([
  'detachFromAutoScaling', 'isolateInstance', 'denyRemoteIp', 'stopInstance', 'deactivateAccessKey', 'revokeRoleSessions',
  'rollbackService', 'isolateService', 'scaleServiceToZero', 'stopTask', 'blockPublicAccess',
]);

/** Tag key that names the finding on a remediated resource. */
export const FINDING_TAG = 'guardian:finding';

/** What was read of the resource before deciding (each part absent when it was not read). */
export interface RemediationFacts {
  instance?: { volumeIds: string[]; autoScalingGroup?: string; terminationProtected: boolean; state?: string; groupsByEni: Record<string, string[]>; isolationGroupId?: string } | { missing: string };
  accessKey?: { status: 'Active' | 'Inactive' } | { missing: string };
  /** Per bucket: whether all four Block Public Access settings are on, and whether it is public in effect. */
  buckets?: Record<string, { allBlocked: boolean; publicInEffect?: boolean } | { missing: string }>;
  trail?: { logging: boolean } | { missing: string };
  /** An ECS service's tasks, for isolating it or scaling it to zero (ecs.onServiceFinding). */
  serviceTasks?: { desiredCount: number; subnets: string[]; securityGroups: string[]; assignPublicIp?: 'ENABLED' | 'DISABLED'; vpcId?: string; isolationGroupId?: string } | { missing: string };
  /** The service's known-good revision, by the rollback capability's rules (restorableRevision, cooldown), or why not. */
  service?: { restore: EcsUpdateServiceAction } | { refused: string };
}

export interface RemediationInputs {
  finding: Finding;
  config: GuardianConfig;
  facts: RemediationFacts;
  delivery: Delivery;
  slackMode: SlackMode;
  now: Date;
  /** How the finding's account is reached (organization section, capabilityFor): acted in, or why not. */
  reach: Reach;
  /** ECS services ("cluster/service") the finding's account exempts (organization units' and account's `exempt.services`). */
  exemptServices: string[];
  /** The dry-run of the whole invocation (guardian.yml dryRun or GUARDIAN_DRY_RUN). */
  dryRun: boolean;
  /** Destructive steps the blast-radius cap lets this invocation take; absent: not yet asked (all are planned). */
  allowance?: number;
  /** Why the cap allows no more (shown on the steps it holds back). */
  capReached?: string;
  /** Page people (once per window): the cap was reached in this invocation's window for the first time. */
  page?: { window: string };
  /** Changes that failed in this invocation (by key: what AWS said): shown failed, not planned again (a retry of the invocation tries them). */
  failed?: Record<string, string>;
}

/**
 * The finding's account as the guardian reaches it: the function's own (no role), a served member
 * account through its member role, or refused (not served, or remediation switched off there), saying why.
 */
export type Reach = { roleArn?: string } | { refused: string };

export interface Playbook {
  name: PlaybookName;
  settings: PlaybookConfig;
  minSeverity: number;
}

/** The playbook a finding's type calls for (prefix match, first playbook in DEFAULT_TYPES order), if any. */
export function playbookFor(type: string, config: GuardianConfig): Playbook | undefined {
  const r = config.remediation;
  for (const name of PLAYBOOK_ORDER) {
    const settings = r.playbooks[name];
    const types = settings?.types ?? DEFAULT_TYPES[name];
    if (types.some((prefix) => type.startsWith(prefix))) {
      const s = settings ?? { enabled: true, dryRun: false };
      return { name, settings: s, minSeverity: s.minSeverity ?? r.minSeverity };
    }
  }
  return undefined;
}

/** The trail a CloudTrail logging finding is about (it names the caller's key as its resource, but the trail is what is acted on). */
const trailOf = (finding: Finding): string | undefined =>
  DEFAULT_TYPES.cloudTrail.some((p) => finding.type.startsWith(p)) ? finding.affectedResources['AWS::CloudTrail::Trail']?.split('/').pop() : undefined;

/** The resource a finding is about, as the state table keys it (one record and one message per resource). */
export function resourceKeyOf(finding: Finding): string {
  const trail = trailOf(finding);
  if (trail) return `trail/${trail}`;
  const r = finding.resource;
  switch (r.kind) {
    case 'instance':
      return `instance/${r.instanceId}`;
    case 'accessKey':
      return r.userType === 'AssumedRole' && r.userName ? `role/${r.userName}` : `key/${r.accessKeyId ?? r.userName ?? finding.id}`;
    case 'ecsTask':
      return r.service ? `service/${r.cluster}/${r.service}` : `task/${r.cluster}/${r.taskArn?.split('/').pop() ?? finding.id}`;
    case 'buckets':
      return `bucket/${r.buckets[0]!.name}`;
    case 'other':
      return `finding/${finding.id}`;
  }
}

export function subjectOf(finding: Finding): string {
  const trail = trailOf(finding);
  if (trail) return `trail ${trail}`;
  const r = finding.resource;
  switch (r.kind) {
    case 'instance':
      return `instance ${r.instanceId}${r.tags.Name ? ` (${r.tags.Name})` : ''}`;
    case 'accessKey':
      return r.userType === 'AssumedRole' ? `role ${r.userName ?? 'unknown'}` : `access key ${r.accessKeyId ?? 'unknown'} of ${r.userName ?? 'unknown user'}`;
    case 'ecsTask':
      return r.service ? `service ${r.cluster}/${r.service}` : `task ${r.cluster}/${r.taskArn?.split('/').pop() ?? 'unknown'}`;
    case 'buckets':
      return `bucket ${r.buckets.map((b) => b.name).join(', ')}`;
    case 'other':
      return `${r.resourceType} (finding ${finding.id})`;
  }
}

/** One step of a playbook, before the guardrails: its change, or why it has none (in effect, not applicable). */
interface Step {
  name: RemediationStepName;
  what: string;
  change?: RemediationAction | StartLoggingAction | EcsUpdateServiceAction;
  inEffect?: string;
  skipped?: string;
  /** Waits for a Slack approval whatever remediation.approval says (a protected role's sessions). */
  needsApproval?: string;
}

const roleMatches = (globs: string[], role: string, account: string) =>
  globs.some((g) => globToRegExp(g).test(role) || globToRegExp(g).test(`arn:aws:iam::${account}:role/${role}`));

function ec2Steps(finding: Finding, config: GuardianConfig, facts: RemediationFacts): Step[] {
  const r = finding.resource;
  if (r.kind !== 'instance') return [{ name: 'isolateInstance', what: 'isolate the instance', skipped: `the finding names no instance (resource ${r.kind})` }];
  const f = facts.instance;
  const id = r.instanceId;
  if (f && 'missing' in f) return [{ name: 'isolateInstance', what: `isolate instance ${id}`, skipped: f.missing }];
  const ec2 = config.remediation.ec2;
  const reason = `${finding.type} (finding ${finding.id})`;
  const steps: Step[] = [];
  steps.push({ name: 'tagInstance', what: `tag ${id} with the finding`, change: { type: 'ec2.tagInstance', key: `tagInstance:${id}:${finding.id}`, instanceId: id, tags: { [FINDING_TAG]: finding.id, 'guardian:finding-type': finding.type }, reason } });
  const volumes = f?.volumeIds ?? [];
  steps.push(
    volumes.length > 0
      ? { name: 'snapshotVolumes', what: `snapshot the volumes of ${id} (${volumes.join(', ')})`, change: { type: 'ec2.snapshotVolumes', key: `snapshotVolumes:${id}`, instanceId: id, volumeIds: volumes, findingId: finding.id, reason } }
      : { name: 'snapshotVolumes', what: `snapshot the volumes of ${id}`, skipped: f ? 'it has no EBS volume' : 'its volumes could not be read (DescribeInstances)' },
  );
  steps.push(
    f?.terminationProtected
      ? { name: 'protectFromTermination', what: `protect ${id} from termination`, inEffect: 'termination protection is already on' }
      : { name: 'protectFromTermination', what: `protect ${id} from termination`, change: { type: 'ec2.protectInstance', key: `protectFromTermination:${id}`, instanceId: id, reason } },
  );
  const group = f?.autoScalingGroup ?? r.tags['aws:autoscaling:groupName'];
  if (group) {
    steps.push({ name: 'detachFromAutoScaling', what: `detach ${id} from Auto Scaling group ${group} (capacity kept)`, change: { type: 'autoscaling.detachInstance', key: `detachFromAutoScaling:${id}`, instanceId: id, group, reason } });
  }
  const enis = f ? Object.keys(f.groupsByEni) : r.networkInterfaces.map((n) => n.id);
  const vpcId = r.networkInterfaces.find((n) => n.vpcId)?.vpcId;
  const isolate = `replace the security groups of ${id}'s network interfaces with the isolation group ${ec2.isolationGroupName}`;
  if (!vpcId || enis.length === 0) {
    steps.push({ name: 'isolateInstance', what: isolate, skipped: 'the finding names no network interface in a VPC' });
  } else {
    const isolated = f?.isolationGroupId !== undefined && enis.every((eni) => f.groupsByEni[eni]?.length === 1 && f.groupsByEni[eni]![0] === f.isolationGroupId);
    steps.push(
      isolated
        ? { name: 'isolateInstance', what: isolate, inEffect: `every interface already has only ${f!.isolationGroupId}` }
        : {
            name: 'isolateInstance',
            what: isolate,
            change: { type: 'ec2.isolateInstance', key: `isolateInstance:${id}`, instanceId: id, vpcId, networkInterfaceIds: enis, ...(f?.isolationGroupId ? { groupId: f.isolationGroupId } : {}), groupName: ec2.isolationGroupName, reason },
          },
    );
  }
  if (ec2.denyRemoteIp && finding.remoteIp) {
    steps.push({ name: 'denyRemoteIp', what: `deny ${finding.remoteIp} in the subnet's network ACL for ${ec2.denyExpiryHours} h`, skipped: 'network ACL denies are not made by this version yet: add one by hand if tracked connections must be cut' });
  }
  if (ec2.stopInstance) {
    steps.push(
      f?.state === 'stopped' || f?.state === 'stopping'
        ? { name: 'stopInstance', what: `stop ${id}`, inEffect: `it is already ${f.state}` }
        : { name: 'stopInstance', what: `stop ${id}`, change: { type: 'ec2.stopInstance', key: `stopInstance:${id}`, instanceId: id, reason } },
    );
  }
  return steps;
}

function iamSteps(finding: Finding, config: GuardianConfig, facts: RemediationFacts): Step[] {
  const r = finding.resource;
  if (r.kind !== 'accessKey' || !r.userName) return [{ name: 'deactivateAccessKey', what: 'act on the credentials', skipped: 'the finding names no IAM user or role' }];
  const reason = `${finding.type} (finding ${finding.id})`;
  if (r.userType === 'AssumedRole') {
    const before = finding.lastSeen ?? finding.updatedAt;
    const what = `revoke sessions of role ${r.userName} issued before ${before}`;
    const step: Step = { name: 'revokeRoleSessions', what, change: { type: 'iam.revokeRoleSessions', key: `revokeRoleSessions:${r.userName}:${finding.id}`, roleName: r.userName, issuedBefore: before, reason } };
    if (roleMatches(config.remediation.protectedRoles, r.userName, finding.findingAccount)) {
      step.needsApproval = `${r.userName} is a protected role (remediation.protectedRoles): revoking its sessions kills in-flight builds and tasks`;
    }
    return [step];
  }
  if (r.userType !== 'IAMUser' || !r.accessKeyId) return [{ name: 'deactivateAccessKey', what: `act on ${r.userName}'s credentials`, skipped: `credentials of a ${r.userType ?? 'principal'} are not IAM user keys` }];
  const what = `deactivate access key ${r.accessKeyId} of ${r.userName} (its other keys untouched)`;
  const key = facts.accessKey;
  if (key && 'missing' in key) return [{ name: 'deactivateAccessKey', what, skipped: key.missing }];
  if (key?.status === 'Inactive') return [{ name: 'deactivateAccessKey', what, inEffect: 'the key is already Inactive' }];
  return [{ name: 'deactivateAccessKey', what, change: { type: 'iam.deactivateAccessKey', key: `deactivateAccessKey:${r.accessKeyId}`, userName: r.userName, accessKeyId: r.accessKeyId, reason } }];
}

function ecsSteps(finding: Finding, config: GuardianConfig, facts: RemediationFacts): Step[] {
  const r = finding.resource;
  if (r.kind !== 'ecsTask') return [{ name: 'stopTask', what: 'act on the task', skipped: `the finding names no ECS task (resource ${r.kind})` }];
  if (r.service) {
    const name = `${r.cluster}/${r.service}`;
    const mode = config.remediation.ecs.onServiceFinding;
    if (mode !== 'rollback') return [serviceTaskStep(mode, finding, r.cluster, r.service, config, facts)];
    const what = `roll ${name} back to its known-good revision (stopping the task would only start the same image again)`;
    const s = facts.service;
    if (!s) return [{ name: 'rollbackService', what, skipped: 'the service could not be read' }];
    if ('refused' in s) return [{ name: 'rollbackService', what, skipped: s.refused }];
    return [{ name: 'rollbackService', what: `${what}: ${s.restore.taskDefinitionArn.split('/').pop()}`, change: { ...s.restore, key: `rollbackService:${name}:${finding.id}`, reason: `${finding.type} in a task of ${name} (finding ${finding.id})` } }];
  }
  if (!r.taskArn) return [{ name: 'stopTask', what: 'stop the task', skipped: 'the finding names no task ARN' }];
  const task = r.taskArn.split('/').pop()!;
  return [{ name: 'stopTask', what: `stop standalone task ${r.cluster}/${task}`, change: { type: 'ecs.stopTask', key: `stopTask:${r.taskArn}`, cluster: r.cluster, task: r.taskArn, reason: `${finding.type} (finding ${finding.id})` } }];
}

/** Isolating a service's tasks (its VPC's isolation group in place of its security groups) or scaling it to zero; what it was is in the step. */
function serviceTaskStep(mode: 'isolate' | 'scaleToZero', finding: Finding, cluster: string, service: string, config: GuardianConfig, facts: RemediationFacts): Step {
  const name = `${cluster}/${service}`;
  const reason = `${finding.type} in a task of ${name} (finding ${finding.id})`;
  const t = facts.serviceTasks;
  if (mode === 'scaleToZero') {
    const what = `scale service ${name} to zero`;
    if (!t) return { name: 'scaleServiceToZero', what, skipped: 'the service could not be read (DescribeServices)' };
    if ('missing' in t) return { name: 'scaleServiceToZero', what, skipped: t.missing };
    if (t.desiredCount === 0) return { name: 'scaleServiceToZero', what, inEffect: 'its desired count is already 0' };
    return { name: 'scaleServiceToZero', what: `${what} (desired count was ${t.desiredCount})`, change: { type: 'ecs.scaleService', key: `scaleServiceToZero:${name}:${finding.id}`, cluster, service, desiredCount: 0, previousDesiredCount: t.desiredCount, reason } };
  }
  const groupName = config.remediation.ec2.isolationGroupName;
  const what = `replace the security groups of service ${name}'s tasks with the isolation group ${groupName}`;
  if (!t) return { name: 'isolateService', what, skipped: 'the service could not be read (DescribeServices)' };
  if ('missing' in t) return { name: 'isolateService', what, skipped: t.missing };
  if (t.subnets.length === 0) return { name: 'isolateService', what, skipped: 'its tasks have no awsvpc network configuration (only awsvpc tasks have security groups of their own)' };
  if (!t.vpcId) return { name: 'isolateService', what, skipped: "its subnets' VPC could not be read (DescribeSubnets)" };
  if (t.isolationGroupId && t.securityGroups.length === 1 && t.securityGroups[0] === t.isolationGroupId) return { name: 'isolateService', what, inEffect: `its tasks already have only ${t.isolationGroupId}` };
  return {
    name: 'isolateService',
    what: `${what} (it had ${t.securityGroups.join(', ') || 'none'})`,
    change: {
      type: 'ecs.isolateService', key: `isolateService:${name}:${finding.id}`, cluster, service, vpcId: t.vpcId, ...(t.isolationGroupId ? { groupId: t.isolationGroupId } : {}), groupName,
      subnets: t.subnets, ...(t.assignPublicIp ? { assignPublicIp: t.assignPublicIp } : {}), previousGroups: t.securityGroups, reason,
    },
  };
}

function s3Steps(finding: Finding, config: GuardianConfig, facts: RemediationFacts, buckets: { name: string; publicInEffect?: boolean }[]): Step[] {
  return buckets.map((b): Step => {
    const what = `turn all four Block Public Access settings of ${b.name} on`;
    const f = facts.buckets?.[b.name];
    if (f && 'missing' in f) return { name: 'blockPublicAccess', what, skipped: f.missing };
    const artifact = config.remediation.artifactBuckets.includes(b.name);
    const isPublic = f?.publicInEffect ?? b.publicInEffect;
    if (!artifact && isPublic !== true) return { name: 'blockPublicAccess', what, skipped: 'the bucket is not public in effect (and not in remediation.artifactBuckets)' };
    if (f?.allBlocked) return { name: 'blockPublicAccess', what, inEffect: 'all four settings are already on' };
    return { name: 'blockPublicAccess', what, change: { type: 's3.blockPublicAccess', key: `blockPublicAccess:${b.name}:${finding.id}`, bucket: b.name, reason: `${finding.type} (finding ${finding.id})${artifact ? ', an artifact bucket' : ', public in effect'}` } };
  });
}

function trailSteps(finding: Finding, config: GuardianConfig, facts: RemediationFacts): Step[] {
  const arn = finding.affectedResources['AWS::CloudTrail::Trail'];
  const trail = trailOf(finding);
  if (!trail) return [{ name: 'startLogging', what: 'start logging on the trail again', skipped: 'the finding names no trail' }];
  const what = `start logging on trail ${trail} again`;
  const protectedTrail = config.protection.trails.some((t) => t.trails.some((g) => globToRegExp(g).test(trail) || globToRegExp(g).test(arn!)));
  if (!protectedTrail) return [{ name: 'startLogging', what, skipped: 'the trail is not in protection.trails (the function may start only those)' }];
  const f = facts.trail;
  if (f && 'missing' in f) return [{ name: 'startLogging', what, skipped: f.missing }];
  if (f?.logging) return [{ name: 'startLogging', what, inEffect: 'the trail is logging already' }];
  return [{ name: 'startLogging', what, change: { type: 'cloudtrail.startLogging', key: `startLogging:${trail}:${finding.id}`, trail: arn!, reason: `${finding.type} (finding ${finding.id})` } }];
}

function stepsOf(playbook: PlaybookName, finding: Finding, config: GuardianConfig, facts: RemediationFacts): Step[] {
  switch (playbook) {
    case 'ec2':
      return ec2Steps(finding, config, facts);
    case 'iamCredentials':
      return iamSteps(finding, config, facts);
    case 'ecsRuntime':
      return ecsSteps(finding, config, facts);
    case 's3':
      return finding.resource.kind === 'buckets' ? s3Steps(finding, config, facts, finding.resource.buckets) : [];
    case 'cloudTrail':
      return trailSteps(finding, config, facts);
    case 'attackSequence': {
      if (!config.remediation.actOnAttackSequences) return [];
      // The playbooks of the resources the sequence names: its own resource, and the buckets among its resources.
      const own = finding.resource.kind === 'instance' ? ec2Steps(finding, config, facts) : finding.resource.kind === 'accessKey' ? iamSteps(finding, config, facts) : finding.resource.kind === 'ecsTask' ? ecsSteps(finding, config, facts) : [];
      const buckets = (finding.sequence?.resources ?? []).filter((r) => r.resourceType === 'AWS::S3::Bucket' && r.name).map((r) => ({ name: r.name! }));
      return [...own, ...s3Steps(finding, config, facts, buckets)];
    }
  }
}

/** Why the finding is only notified (the guardrails before any step), if it is: then nothing need be read either. */
export function whyOnlyNotified(
  finding: Finding,
  config: GuardianConfig,
  { reach, exemptServices }: Pick<RemediationInputs, 'reach' | 'exemptServices'>,
  playbook = playbookFor(finding.type, config),
): string | undefined {
  const r = config.remediation;
  if (finding.sample) return 'a sample finding (CreateSampleFindings): never acted on';
  if (!playbook) return `no playbook for ${finding.type}: notified only`;
  if (!playbook.settings.enabled) return `playbook ${playbook.name} is disabled: notified only`;
  if (finding.severity < playbook.minSeverity) return `severity ${finding.severity} is below playbook ${playbook.name}'s floor ${playbook.minSeverity}: notified only`;
  if (r.exemptions.accounts.includes(finding.findingAccount)) return `account ${finding.findingAccount} is exempt (remediation.exemptions.accounts): notified only`;
  const tags = finding.resource.tags;
  const exempt = r.exemptions.tags.find((t) => tags[t.key] === t.value);
  if (exempt) return `the resource is tagged ${exempt.key}=${exempt.value} (remediation.exemptions.tags): notified only`;
  if ('refused' in reach) return `${reach.refused}: notified only`;
  const task = finding.resource.kind === 'ecsTask' ? finding.resource : undefined;
  if (task?.service && exemptServices.includes(`${task.cluster}/${task.service}`)) {
    return `service ${task.cluster}/${task.service} is exempt in account ${finding.findingAccount} (organization exempt.services): notified only`;
  }
  return undefined;
}

/** The rule window a cap counts in (its start, ISO-8601), for `now`. */
export function capWindow(now: Date, windowMinutes: number): string {
  const ms = windowMinutes * 60_000;
  return new Date(Math.floor(now.getTime() / ms) * ms).toISOString();
}

/** How many destructive changes the plan for these inputs would make (what the cap must allow before it is carried out). */
export const destructiveOwed = (plan: Plan): number => plan.actions.filter((a) => a.type !== 'audit.record' && 'key' in a && DESTRUCTIVE.has(a.key.split(':')[0] as RemediationStepName) && !('rehearsal' in a && a.rehearsal)).length;

/** The destructive changes made since `before` (what the cap's allowance, claimed against `before`, has already been spent on). */
export const destructiveDoneSince = (before: Delivery, delivery: Delivery): number =>
  delivery.sent.filter((key) => !before.sent.includes(key) && DESTRUCTIVE.has(key.split(':')[0] as RemediationStepName)).length;

/** What became of a finding, as the window's summary counts it. */
export type RemediationOutcome = 'notified' | 'dry-run' | 'held by the cap' | 'awaiting approval' | 'contained' | 'skipped' | 'nothing to do' | 'failed';

export const decideRemediation = (inputs: RemediationInputs): Plan => planRemediation(inputs).plan;

/** The plan for a finding and what it amounts to (for the window's summary). */
export function planRemediation(inputs: RemediationInputs): { plan: Plan; outcome: RemediationOutcome } {
  const { finding, config, delivery, now } = inputs;
  const playbook = playbookFor(finding.type, config);
  const subject = subjectOf(finding);
  const plan: Plan = { subject: `${subject} (finding ${finding.id})`, actions: [], skipped: [] };
  const at = now.toISOString();
  const publication = `${finding.id}:${finding.updatedAt}`;
  const audit = (key: string, decision: string, reasons: string[], after?: string) => {
    if (delivery.sent.includes(key)) return;
    const entry: AuditEntry = {
      capability: 'remediation', decision, at, account: finding.findingAccount, region: finding.findingRegion,
      resource: `${resourceKeyOf(finding)} finding ${finding.id}`, by: { automatic: true }, reasons, ...(playbook ? { policy: `remediation.playbooks.${playbook.name}` } : {}),
    };
    plan.actions.push({ type: 'audit.record', key, entry, ...(after ? { after } : {}), reason: `remediation ${decision}: ${reasons[0] ?? ''}` });
  };

  const only = whyOnlyNotified(finding, config, inputs, playbook);
  const lines: StepLine[] = [];
  let response: string;
  let outcome: RemediationOutcome = 'notified';
  if (only) {
    plan.skipped.push(only);
    audit(`audit:${publication}:notified`, 'notified', [only]);
    response = `cicd-guardian did not act: ${only}.`;
  } else {
    const dryRun = inputs.dryRun || playbook!.settings.dryRun;
    let allowance = inputs.allowance ?? Number.POSITIVE_INFINITY;
    let held = 0;
    for (const step of stepsOf(playbook!.name, finding, config, inputs.facts)) {
      const key = step.change?.key;
      if (key && delivery.sent.includes(key)) {
        lines.push({ what: step.what, state: 'done' });
        continue;
      }
      if (key && inputs.failed?.[key] !== undefined) {
        lines.push({ what: step.what, state: 'failed', why: inputs.failed[key] });
        continue;
      }
      if (step.inEffect) {
        lines.push({ what: step.what, state: 'in effect', why: step.inEffect });
        audit(`audit:effect:${step.name}:${resourceKeyOf(finding)}`, 'in effect', [`${step.what}: ${step.inEffect}`]);
        continue;
      }
      if (!step.change) {
        lines.push({ what: step.what, state: 'skipped', why: step.skipped });
        plan.skipped.push(`${step.what}: ${step.skipped}`);
        audit(`audit:${publication}:${step.name}:skipped`, 'skipped', [`${step.what}: ${step.skipped}`]);
        continue;
      }
      const approval = step.needsApproval ?? (config.remediation.approval.required.includes(step.name) ? `remediation.approval.required names ${step.name}` : undefined);
      if (approval) {
        const why = `${approval}; Slack approval of remediation is not available in this version: do it by hand if it must be done`;
        lines.push({ what: step.what, state: 'awaiting approval', why });
        plan.skipped.push(`${step.what}: ${why}`);
        audit(`audit:${publication}:${step.name}:approval`, 'refused', [`${step.what}: ${why}`]);
        continue;
      }
      if (dryRun) {
        lines.push({ what: step.what, state: 'dry-run', why: inputs.dryRun ? 'dry-run' : `playbook ${playbook!.name} is a dry-run` });
        plan.actions.push({ ...step.change, rehearsal: true });
        continue;
      }
      if (DESTRUCTIVE.has(step.name)) {
        if (allowance <= 0) {
          held += 1;
          const why = inputs.capReached ?? 'the blast-radius cap is reached';
          lines.push({ what: step.what, state: 'skipped', why });
          plan.skipped.push(`${step.what}: ${why}`);
          audit(`audit:${publication}:${step.name}:capped`, 'refused', [`${step.what}: ${why}`]);
          continue;
        }
        allowance -= 1;
      }
      lines.push({ what: step.what, state: 'doing' });
      plan.actions.push(step.change);
      audit(`audit:${step.change.key}`, 'remediated', [`${step.what}: ${step.change.reason}`], step.change.key);
    }
    const count = (state: StepState) => lines.filter((l) => l.state === state).length;
    const doing = count('doing');
    const failed = count('failed');
    response = dryRun
      ? `Dry-run: cicd-guardian would take the ${playbook!.name} steps marked ○; nothing changed.`
      : failed > 0
        ? `cicd-guardian could not take ${failed} step${failed === 1 ? '' : 's'} of playbook ${playbook!.name} on ${subject} (marked ✗, with what AWS said): ${tally(lines)}.`
        : held > 0
          ? `The blast-radius cap held back ${held} step${held === 1 ? '' : 's'}: people are paged; do them by hand if they must be done.`
          : doing > 0
            ? `cicd-guardian is taking ${doing} step${doing === 1 ? '' : 's'} of playbook ${playbook!.name}.`
            : count('done') > 0
              ? `cicd-guardian ${PAST[playbook!.name]} ${subject}: ${tally(lines)}.`
              : `Nothing more to do for playbook ${playbook!.name}: ${tally(lines)}.`;
    if ('roleArn' in inputs.reach && inputs.reach.roleArn) response += ` Acting in account ${finding.findingAccount} through ${inputs.reach.roleArn}.`;
    if (held > 0 && inputs.page) plan.actions.push(...pageActions(inputs, inputs.page.window, held));
    const has = (state: StepLine['state']) => lines.some((l) => l.state === state);
    outcome = dryRun ? 'dry-run' : held > 0 ? 'held by the cap' : has('doing') || has('done') ? 'contained' : has('awaiting approval') ? 'awaiting approval' : has('skipped') ? 'skipped' : 'nothing to do';
  }
  plan.actions.push(...notices(inputs, { finding, subject, playbook: playbook?.name ?? 'none', steps: lines, response }, plan));
  return { plan, outcome };
}

/** What cicd-guardian did to the resource, once its steps are made. */
const PAST: Record<PlaybookName, string> = {
  ec2: 'contained',
  iamCredentials: 'revoked the credentials of',
  ecsRuntime: 'remediated',
  s3: 'closed public access to',
  cloudTrail: 'restarted',
  attackSequence: 'acted on',
};

/** "4 steps done, 1 in effect, 1 skipped". */
function tally(lines: StepLine[]): string {
  const counts = new Map<StepState, number>();
  for (const l of lines) counts.set(l.state, (counts.get(l.state) ?? 0) + 1);
  return [...counts].map(([state, n], i) => `${n}${i === 0 ? ` step${n === 1 ? '' : 's'}` : ''} ${state}`).join(', ');
}

function notices(inputs: RemediationInputs, story: Parameters<typeof describeRemediation>[0], plan: Plan): Action[] {
  const { finding, config, delivery, slackMode } = inputs;
  const message = describeRemediation(story);
  const reason = `GuardDuty ${finding.type} on ${story.subject}`;
  const channel = config.remediation.slack?.channel ?? config.notifications.default?.slack?.channel;
  const messageKey = `remediation:${resourceKeyOf(finding)}`;
  const actions: Action[] = [];
  // The message is posted with the plan and updated once its changes are made; what cannot be updated waits for their outcome.
  const doing = story.steps.some((s) => s.state === 'doing');
  const failed = story.steps.some((s) => s.state === 'failed');
  if (slackMode === 'bot' && channel) actions.push({ type: 'slack.upsert', channel, messageKey, message, reason });
  if (slackMode === 'webhook' && !doing && !delivery.sent.includes(`webhook:${finding.id}`)) actions.push({ type: 'slack.webhook', key: `webhook:${finding.id}`, message, reason });
  // Email once per finding, with the outcome (a failure has its own email): a re-published finding updates the Slack message only.
  if (!doing && !failed && !delivery.sent.includes(`email:${finding.id}`) && !finding.sample) actions.push({ type: 'email.publish', key: `email:${finding.id}`, message, reason });
  if (plan.actions.length === 0 && actions.length === 0) plan.skipped.push('nothing to tell: no channel is configured');
  return actions;
}

function pageActions(inputs: RemediationInputs, window: string, held: number): Action[] {
  const { finding, config } = inputs;
  const r = config.remediation;
  const message = {
    title: `cicd-guardian remediation stopped: blast-radius cap reached`,
    tone: 'failure' as const,
    summary: `${inputs.capReached ?? 'The cap is reached'}. From now until the window ends, findings are notified and nothing is changed. First left undone: ${held} step${held === 1 ? '' : 's'} for finding ${finding.id} (${finding.type}); each resource's message lists what was held back.`,
    fields: [
      { label: 'Cap', value: `${r.cap.perAccount} per account, ${r.cap.overall} overall, per ${r.cap.windowMinutes} min` },
      { label: 'Window', value: window },
    ],
    stages: [],
    links: [],
    context: `cicd-guardian remediation · account ${finding.findingAccount}`,
  };
  return [{ type: 'email.publish', key: `page:${window}`, ...(r.pageTopicArn ? { topicArn: r.pageTopicArn } : {}), message, reason: 'the blast-radius cap is reached: people are paged once per window' }];
}

/** A step that failed when it was made: what AWS said, what to do, and whether a retry can help. */
export interface RemediationFailure {
  target: string;
  message: string;
  hint: string;
  retryable: boolean;
}

/** The alert for steps that failed: a reply in the resource's thread, an email, an audit record each, once per publication of the finding. */
export function decideRemediationFailure(inputs: RemediationInputs, failures: RemediationFailure[]): Plan {
  const { finding, config, delivery, slackMode, now } = inputs;
  const subject = subjectOf(finding);
  // The resource's message shows the failed steps (✗, with what AWS said), and the webhook, which cannot be updated, says it once.
  const story = decideRemediation(inputs).actions.filter((a) => a.type === 'slack.upsert' || a.type === 'slack.webhook');
  const plan: Plan = { subject: `${subject} (finding ${finding.id}): failed steps`, actions: story, skipped: [] };
  const key = `failed:${finding.id}:${finding.updatedAt}`;
  const retry = failures.some((f) => f.retryable);
  const text = `${failures.map((f) => `${f.message}`).join('\n')}\n${retry ? 'cicd-guardian will try again; after its retries the finding waits in the dead-letter queue.' : 'Trying again will not help until this is fixed.'}`;
  const channel = config.remediation.slack?.channel ?? config.notifications.default?.slack?.channel;
  const thread = delivery.messages[`remediation:${resourceKeyOf(finding)}`];
  const reason = `remediation of ${subject} failed`;
  if (slackMode === 'bot' && channel) {
    plan.actions.push({ type: 'slack.reply', channel, ...(thread ? { thread: { channelId: thread.channelId, ts: thread.ts } } : {}), key: `reply:${key}`, reply: { tone: 'failure', text, links: [{ label: 'GuardDuty finding', url: describeRemediation({ finding, subject, playbook: '', steps: [], response: '' }).links[0]!.url }] }, broadcast: true, reason });
  }
  if (!delivery.sent.includes(`email:${key}`)) {
    plan.actions.push({ type: 'email.publish', key: `email:${key}`, message: { title: `cicd-guardian could not remediate ${subject}`, tone: 'failure', summary: text, fields: failures.map((f) => ({ label: f.target, value: f.hint })), stages: [], links: [], context: `cicd-guardian remediation · finding ${finding.id}` }, reason });
  }
  failures.forEach((f, i) => {
    const auditKey = `audit:${key}:${i}`;
    if (delivery.sent.includes(auditKey)) return;
    const entry: AuditEntry = { capability: 'remediation', decision: 'failed', at: now.toISOString(), account: finding.findingAccount, region: finding.findingRegion, resource: `${resourceKeyOf(finding)} finding ${finding.id}`, by: { automatic: true }, reasons: [f.message, f.hint] };
    plan.actions.push({ type: 'audit.record', key: auditKey, entry, reason: `remediation failed: ${f.target}` });
  });
  return plan;
}
