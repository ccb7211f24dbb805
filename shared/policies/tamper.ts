import type { ApprovalPolicyConfig, GuardianConfig, PersonConfig, ProtectedServiceConfig, ProtectedTrailConfig, RollbackSettings, SlackMode } from '../config/schema.js';
import type { ApiCallEvent, Caller } from '../events/types.js';
import { clusterNameOf, serviceArnParts } from '../events/ecs.js';
import type { AuditEntry } from '../plan/audit.js';
import type { Action, AuditRecordAction, Plan } from '../plan/plan.js';
import type { Delivery } from '../plan/delivery.js';
import { describeTamper, type TamperStory } from '../messages/tamper.js';
import { truncate } from '../views/bounds.js';
import { approvalPolicyFor, approversOf, approvalsRequired, blockers, personName, selfApproval, selfApprovalUnverified, type ApprovalFacts } from './approval.js';
import { globToRegExp, routesFor } from './routing.js';
import { restoreKnownGood, rollbackSettings, type RevertFacts } from './rollback.js';

// The tamper checks: what a CloudTrail-recorded call did to what guardian.yml's
// `protection` marks protected, whether its caller was allowed to, and what to
// do about it. Pure: no I/O, no clock. A failed call, a call of cicd-guardian's
// own roles and a call AWS made for the account (a service-linked role) are
// never tampering. Every decision is recorded in the audit trail.

/** Untrusted text from a call (a pipeline definition, a reason) is cut here. */
const MAX_CHANGE = 600;
const MAX_VALUE = 80;

/** cicd-guardian's own roles: their names (serverless.yml names them; GUARDIAN_OWN_ROLES) in the account it runs in. */
export interface OwnRoles {
  account: string;
  names: string[];
}

interface Base {
  /** "pipeline payments-api", "service payments-prod/payments-api", "trail org-trail". */
  subject: string;
  /** What the call changed, bounded. */
  change: string;
  principal: string;
  /** The guardian.yml person the principal is, if any. */
  person?: string;
  pipeline?: string;
  /** Why the caller may make this change (it is then only recorded). */
  allowedBy?: string;
}

export type Detection =
  | (Base & { kind: 'approval'; pipeline: string; stage: string; action: string; status: 'Approved' | 'Rejected'; policy: ApprovalPolicyConfig })
  | (Base & { kind: 'pipeline'; pipeline: string })
  | (Base & { kind: 'service'; cluster: string; service: string; protection: ProtectedServiceConfig; taskDefinition?: string; deploymentId?: string })
  | (Base & { kind: 'trail'; trail: string; protection: ProtectedTrailConfig });

const matchesAny = (globs: string[], value: string | undefined) => value !== undefined && globs.some((g) => globToRegExp(g).test(value));

/** A role's principal glob (deployedBy, changeableBy) names the caller's ARN or, for a role session, the role's ARN (arn:aws:iam::<account>:role/<name>). */
export const callerMatches = (globs: string[], caller: Caller): boolean => matchesAny(globs, caller.arn) || matchesAny(globs, caller.issuerArn);

/**
 * The guardian.yml person who made the call: their principals are matched against the caller's own ARN
 * only (for a role session such as an SSO user's, arn:aws:sts::<account>:assumed-role/<role>/<session>),
 * never the role that issued it, or everyone who may assume that role would count as the person.
 */
export const personOf = (config: GuardianConfig, caller: Caller): PersonConfig | undefined =>
  config.people.find((p) => matchesAny(p.principals, caller.arn));

/** Whether the call was made by one of cicd-guardian's own roles (a Lambda's session of the role it was given). */
export function isOwnCall(caller: Caller, own: OwnRoles): boolean {
  if (caller.type !== 'AssumedRole' || !caller.issuerArn) return false;
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/([\w+=,.@-]+)$/.exec(caller.issuerArn);
  return m !== null && m[1] === own.account && own.names.includes(m[2]!);
}

/** AWS acting for the account (e.g. Application Auto Scaling setting desiredCount): its service-linked roles live under role/aws-service-role/. */
const isServiceLinked = (caller: Caller) => caller.type === 'AWSService' || /:role\/aws-service-role\//.test(caller.issuerArn ?? '');

const text = (value: unknown): string => truncate(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), MAX_VALUE);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const obj = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const bounded = (s: string) => truncate(s, MAX_CHANGE);
/** "name → value" for each request parameter but the ones naming the resource. */
const changedParameters = (request: Record<string, unknown>, naming: string[]) =>
  Object.entries(request)
    .filter(([k]) => !naming.includes(k))
    .map(([k, v]) => `${k} → ${text(v)}`)
    .join(', ');

/** What UpdatePipeline's request sets: the pipeline definition is replaced whole, so its outline is what changed. */
function pipelineDefinition(event: ApiCallEvent): string {
  const p = obj(event.request.pipeline);
  const version = obj(event.response.pipeline).version ?? p.version;
  const stages = list(p.stages).map((s) => {
    const actions = list(obj(s).actions).map((a) => `${text(obj(a).name)}: ${text(obj(obj(a).actionTypeId).provider)}`);
    return `${text(obj(s).name)} [${actions.join(', ')}]`;
  });
  const role = str(p.roleArn)?.split('/').pop();
  return bounded(
    [`definition replaced${version !== undefined ? ` (now version ${text(version)})` : ''}`, `stages ${stages.join(', ') || '(none)'}`, role && `role ${role}`, str(p.executionMode) && `execution mode ${text(p.executionMode)}`]
      .filter(Boolean)
      .join('; '),
  );
}

function serviceOf(event: ApiCallEvent): { cluster: string; service: string } | undefined {
  const answered = obj(event.response.service);
  const named = str(answered.serviceName) ?? str(event.request.service);
  if (!named) return undefined;
  const fromArn = serviceArnParts(named);
  const clusterRef = str(answered.clusterArn) ?? str(event.request.cluster) ?? fromArn?.cluster ?? 'default';
  return { cluster: clusterNameOf(clusterRef).split('/').pop()!, service: fromArn?.service ?? named };
}

function serviceChange(event: ApiCallEvent): string {
  if (event.operation === 'DeleteService') return bounded(`deleted the service${event.request.force === true ? ' (forced, with its tasks)' : ''}`);
  return bounded(changedParameters(event.request, ['cluster', 'service']) || 'updated the service (no parameters recorded)');
}

function trailChange(event: ApiCallEvent): string {
  switch (event.operation) {
    case 'StopLogging':
      return 'stopped logging: API calls are no longer recorded';
    case 'DeleteTrail':
      return 'deleted the trail';
    case 'PutEventSelectors': {
      const basic = list(event.request.eventSelectors).map(obj);
      const advanced = list(event.request.advancedEventSelectors);
      const lost = [
        basic.some((s) => s.includeManagementEvents === false) && 'management events are no longer logged',
        basic.some((s) => s.readWriteType === 'ReadOnly') && 'write events are no longer logged',
      ].filter(Boolean);
      const set = advanced.length > 0 ? `${advanced.length} advanced event selector(s) set` : `${basic.length} event selector(s) set`;
      return bounded([set, ...lost].join('; '));
    }
    default:
      return bounded(changedParameters(event.request, ['name']) || 'updated the trail');
  }
}

const PIPELINE_CHANGES: Record<string, (e: ApiCallEvent) => { pipeline?: string; change: string }> = {
  UpdatePipeline: (e) => ({ pipeline: str(obj(e.request.pipeline).name), change: pipelineDefinition(e) }),
  DeletePipeline: (e) => ({ pipeline: str(e.request.name), change: 'deleted the pipeline' }),
  DisableStageTransition: (e) => ({
    pipeline: str(e.request.pipelineName),
    change: bounded(`disabled the ${text(e.request.transitionType ?? 'Inbound').toLowerCase()} transition of stage ${text(e.request.stageName)}${str(e.request.reason) ? ` (reason: ${text(e.request.reason)})` : ''}`),
  }),
  EnableStageTransition: (e) => ({
    pipeline: str(e.request.pipelineName),
    change: bounded(`enabled the ${text(e.request.transitionType ?? 'Inbound').toLowerCase()} transition of stage ${text(e.request.stageName)}`),
  }),
};
const SERVICE_CHANGES = ['UpdateService', 'DeleteService'];

/** The CodeDeploy deployment group of a protected service: its own `codeDeploy`, else its rollback.services entry's. */
export const deploymentGroupOf = (rule: ProtectedServiceConfig, config: GuardianConfig): { application: string; deploymentGroup: string } | undefined =>
  rule.codeDeploy ?? config.rollback.services.find((s) => s.cluster === rule.cluster && s.service === rule.service)?.codeDeploy;

/** What a CodeDeploy CreateDeployment deploys: its id, its revision (an AppSpec's digest, or where it lies) and its description. */
function deploymentChange(event: ApiCallEvent): string {
  const revision = obj(event.request.revision);
  const appSpec = obj(revision.appSpecContent);
  const s3 = obj(revision.s3Location);
  const what = str(appSpec.sha256) ? `AppSpec sha256 ${text(appSpec.sha256).slice(0, 12)}` : str(s3.bucket) ? `s3://${text(s3.bucket)}/${text(s3.key)}` : text(revision.revisionType ?? 'a revision');
  const id = str(event.response.deploymentId);
  return bounded(`CodeDeploy deployment${id ? ` ${id}` : ''} of ${what}${str(event.request.description) ? ` (description: ${text(event.request.description)})` : ''}`);
}
const TRAIL_CHANGES = ['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'UpdateTrail'];

/** A call that changed a protected service: a bypass of CI/CD unless its caller is the pipeline's deploy role. */
function serviceDetection(
  event: ApiCallEvent,
  config: GuardianConfig,
  base: { principal: string; person?: string },
  rule: ProtectedServiceConfig,
  change: string,
  deployed: { taskDefinition?: string; deploymentId?: string } = {},
): Detection {
  const allowedBy = callerMatches(rule.deployedBy, event.caller) ? `${base.principal} is the pipeline's deploy role (deployedBy)` : undefined;
  const pipeline = config.rollback.services.find((s) => s.cluster === rule.cluster && s.service === rule.service)?.pipeline?.name;
  return {
    ...base,
    kind: 'service',
    subject: `service ${rule.cluster}/${rule.service}`,
    cluster: rule.cluster,
    service: rule.service,
    protection: rule,
    change,
    ...deployed,
    ...(pipeline ? { pipeline } : {}),
    ...(allowedBy ? { allowedBy } : {}),
  };
}

/**
 * What a call did to a protected pipeline, service or trail, and whether its caller may; or why it is
 * none of the tamper checks' business (failed, cicd-guardian's own, AWS's own, or nothing protected).
 */
export function detectTampering(event: ApiCallEvent, config: GuardianConfig, own: OwnRoles): Detection | { ignored: string } {
  const call = `${event.operation} ${event.callId}`;
  if (event.errorCode) return { ignored: `${call} failed (${event.errorCode}): nothing changed` };
  if (isOwnCall(event.caller, own)) return { ignored: `${call} was made by cicd-guardian (${event.caller.issuerArn})` };
  if (isServiceLinked(event.caller)) return { ignored: `${call} was made by AWS for the account (${event.caller.issuerArn ?? event.caller.invokedBy ?? event.caller.type})` };
  const principal = event.caller.arn ?? event.caller.principalId ?? event.caller.type;
  const person = personOf(config, event.caller);
  const base = { principal, ...(person ? { person: person.id } : {}) };
  const protection = config.protection;

  if (event.operation === 'PutApprovalResult') {
    const pipeline = str(event.request.pipelineName);
    const stage = str(event.request.stageName);
    const action = str(event.request.actionName);
    const status = obj(event.request.result).status;
    if (!pipeline || !stage || !action || (status !== 'Approved' && status !== 'Rejected')) return { ignored: `${call}: the request names no approval action and result` };
    const policy = approvalPolicyFor(config, { pipeline, stage, action });
    if (!policy) return { ignored: `${call}: no approval policy governs ${pipeline}/${stage}/${action}` };
    const summary = str(obj(event.request.result).summary);
    return { ...base, kind: 'approval', subject: `pipeline ${pipeline}`, pipeline, stage, action, status, policy, change: bounded(`${status.toLowerCase()} ${stage}/${action}${summary ? ` (“${summary}”)` : ''}`) };
  }
  const pipelineChange = PIPELINE_CHANGES[event.operation];
  if (pipelineChange) {
    const { pipeline, change } = pipelineChange(event);
    const rule = pipeline ? protection.pipelines.find((p) => matchesAny(p.pipelines, pipeline)) : undefined;
    if (!pipeline || !rule) return { ignored: `${call}: pipeline ${pipeline ?? '(unnamed)'} is not protected` };
    const allowedBy = callerMatches(rule.changeableBy, event.caller) ? `${principal} is in changeableBy of pipeline ${pipeline}` : undefined;
    return { ...base, kind: 'pipeline', subject: `pipeline ${pipeline}`, pipeline, change, ...(allowedBy ? { allowedBy } : {}) };
  }
  if (SERVICE_CHANGES.includes(event.operation)) {
    const named = serviceOf(event);
    const rule = named && protection.services.find((s) => s.cluster === named.cluster && s.service === named.service);
    if (!named || !rule) return { ignored: `${call}: service ${named ? `${named.cluster}/${named.service}` : '(unnamed)'} is not protected` };
    const answered = obj(event.response.service);
    const taskDefinition = event.operation === 'UpdateService' && str(event.request.taskDefinition) ? (str(answered.taskDefinition) ?? str(event.request.taskDefinition)) : undefined;
    const deploymentId = str(list(answered.deployments).map(obj).find((d) => d.status === 'PRIMARY')?.id);
    return serviceDetection(event, config, base, rule, serviceChange(event), { ...(taskDefinition ? { taskDefinition } : {}), ...(deploymentId ? { deploymentId } : {}) });
  }
  if (event.operation === 'CreateDeployment' && event.service === 'codedeploy.amazonaws.com') {
    const application = str(event.request.applicationName);
    const group = str(event.request.deploymentGroupName);
    const rule = protection.services.find((s) => {
      const g = deploymentGroupOf(s, config);
      return g !== undefined && g.application === application && g.deploymentGroup === group;
    });
    if (!rule) return { ignored: `${call}: deployment group ${application ?? '(unnamed)'}/${group ?? '(unnamed)'} is no protected service's` };
    return serviceDetection(event, config, base, rule, deploymentChange(event));
  }
  if (TRAIL_CHANGES.includes(event.operation)) {
    const trail = str(event.request.name) ?? str(event.request.trailName);
    const names = [trail, trail?.split('/').pop(), str(event.response.trailARN)];
    const rule = protection.trails.find((t) => names.some((n) => matchesAny(t.trails, n)));
    if (!trail || !rule) return { ignored: `${call}: trail ${trail ?? '(unnamed)'} is not protected` };
    return { ...base, kind: 'trail', subject: `trail ${trail.split('/').pop()}`, trail, protection: rule, change: trailChange(event) };
  }
  return { ignored: `${call}: not a call the tamper checks read` };
}

/** Why an approval made outside cicd-guardian breaks its policy (none: it stands). */
export function approvalViolations(detection: Extract<Detection, { kind: 'approval' }>, caller: Caller, facts: ApprovalFacts, config: GuardianConfig, at: Date): string[] {
  if (detection.status === 'Rejected') return [];
  const { policy } = detection;
  const person = personOf(config, caller);
  const problems: string[] = [];
  if (!person) problems.push(`${detection.principal} is none of the people in guardian.yml, so may not approve under policy '${policy.name}'`);
  else if (!approversOf(policy, config).some((p) => p.id === person.id)) problems.push(`${personName(person)} is not an approver under policy '${policy.name}'`);
  const required = approvalsRequired(policy);
  if (required > 1) problems.push(`policy '${policy.name}' requires ${required} distinct approvals; an approval in the console is one person's`);
  problems.push(...blockers(facts, policy, config, at).problems);
  const own = person && selfApproval(person, facts);
  if (own) problems.push(`no self-approval: ${own}`);
  if (policy.selfApproval === 'verifiedOnly') problems.push(...selfApprovalUnverified(facts).map((n) => `${n} (selfApproval: verifiedOnly)`));
  return problems;
}

export type { RevertFacts } from './rollback.js';

export interface TamperInputs {
  event: ApiCallEvent;
  detection: Detection;
  config: GuardianConfig;
  slackMode: SlackMode;
  delivery: Delivery;
  /** For an approval: the execution it approved (read after the call). */
  approval?: ApprovalFacts;
  /** For a bypass of a service whose policy says `onBypass: revert`. */
  revert?: RevertFacts;
  now: Date;
}

/** The rollback settings of a protected service a revert goes through, if rollback.services lists it (its known-good revision is learned there). */
export function revertSettings(detection: Detection, config: GuardianConfig): RollbackSettings | undefined {
  if (detection.kind !== 'service') return undefined;
  const service = config.rollback.services.find((s) => s.cluster === detection.cluster && s.service === detection.service);
  return service && rollbackSettings(service, config);
}

/** Whether the decision needs the revert's facts: a task definition deployed around the pipeline, where the policy says revert. */
export const wantsRevert = (detection: Detection): boolean =>
  detection.kind === 'service' && !detection.allowedBy && detection.protection.onBypass === 'revert' && detection.taskDefinition !== undefined;

export function decideTamper(inputs: TamperInputs): Plan {
  const { event, detection, config, delivery } = inputs;
  const plan: Plan = { subject: `tamper check: ${event.operation} on ${detection.subject} (${event.callId})`, actions: [], skipped: [] };
  const record = (decision: string, reasons: string[], extra: Partial<AuditEntry> = {}, after?: string) => {
    const key = `audit:${event.callId}:${decision}`;
    if (delivery.sent.includes(key)) return;
    plan.actions.push(auditRecord(key, { ...auditBase(inputs), decision, reasons, ...extra }, after));
  };
  const alert = (headline: string, reasons: string[], response: string) =>
    plan.actions.push(...alerts(inputs, { event, subject: detection.subject, headline, change: detection.change, who: whoOf(detection, config), reasons, response, ...(detection.pipeline ? { pipeline: detection.pipeline } : {}), ...(detection.kind === 'service' ? { service: { cluster: detection.cluster, service: detection.service } } : {}) }));

  if (detection.allowedBy) {
    plan.skipped.push(`${detection.change}: allowed, ${detection.allowedBy}`);
    record('allowed', [detection.allowedBy]);
    return plan;
  }
  switch (detection.kind) {
    case 'approval': {
      const facts = inputs.approval ?? { source: {}, unreadable: ['the execution was not read'] };
      const violations = approvalViolations(detection, event.caller, facts, config, new Date(event.calledAt));
      const where = { stage: detection.stage, action: detection.action, policy: detection.policy.name, ...(facts.pipelineExecutionId ? { executionId: facts.pipelineExecutionId } : {}) };
      if (violations.length === 0) {
        plan.skipped.push(`${detection.change} outside cicd-guardian, within policy '${detection.policy.name}': recorded`);
        const unchecked = detection.status === 'Approved' ? selfApprovalUnverified(facts) : [];
        record(detection.status === 'Approved' ? 'approved' : 'rejected', [`${detection.status.toLowerCase()} outside cicd-guardian, within policy '${detection.policy.name}'`, ...unchecked], where);
        return plan;
      }
      const headline = `approved outside cicd-guardian, against policy '${detection.policy.name}'`;
      if (!facts.pipelineExecutionId) {
        const why = `the approved execution could not be found (${facts.unreadable.join('; ') || 'no execution in the stage'}): stop it by hand`;
        alert(headline, violations, why);
        record('alerted', [...violations, why], where);
        return plan;
      }
      const key = `stop:${event.callId}`;
      const stopped = delivery.sent.includes(key);
      if (!stopped) plan.actions.push({ type: 'codepipeline.stopExecution', key, pipeline: detection.pipeline, executionId: facts.pipelineExecutionId, reason: `cicd-guardian: approval by ${detection.principal} broke policy ${detection.policy.name}` });
      alert(headline, violations, `cicd-guardian stops execution ${facts.pipelineExecutionId} (running actions finish, no later stage starts). Approve it again through cicd-guardian if it should go on.`);
      record('enforced', violations, where, stopped ? undefined : key);
      return plan;
    }
    case 'pipeline': {
      const reasons = [`${detection.principal} is not in changeableBy of the protected pipeline`];
      alert('changed outside the allowed principals', reasons, 'cicd-guardian only alerts: check the change and undo it if it was not meant.');
      record('alerted', reasons);
      return plan;
    }
    case 'service': {
      const reasons = [`${detection.principal} is not the pipeline's deploy role (deployedBy): a bypass of CI/CD`];
      const headline = 'changed outside the pipeline (bypass of CI/CD)';
      const resource = { resource: `${detection.cluster}/${detection.service}` };
      if (!wantsRevert(detection)) {
        const why =
          event.operation === 'CreateDeployment'
            ? 'a CodeDeploy deployment is never reverted: the rollback restores ECS task definitions, which a CODE_DEPLOY service takes only from CodeDeploy; stop the deployment in CodeDeploy, with rollback, if it was not meant'
            : detection.protection.onBypass === 'revert'
              ? `nothing to revert (${event.operation} deployed no task definition): alert only`
              : 'onBypass: alert';
        alert(headline, reasons, `cicd-guardian only alerts (${why}).`);
        record('alerted', reasons, resource);
        return plan;
      }
      const revert = planRevert(detection, inputs);
      if ('refused' in revert) {
        alert(headline, [...reasons, revert.refused], `cicd-guardian does not revert: ${revert.refused}. Restore the pipeline's revision by hand.`);
        record('alerted', [...reasons, revert.refused], resource);
        return plan;
      }
      const rehearsed = 'rehearsal' in revert.change && revert.change.rehearsal;
      const done = delivery.sent.includes(revert.change.key);
      if (!done) plan.actions.push(revert.change);
      const restored = revert.change.taskDefinitionArn.split('/').pop();
      alert(headline, reasons, rehearsed ? `Dry-run for this service: cicd-guardian would restore ${restored}, the revision the pipeline deployed last; nothing changed.` : `cicd-guardian restores ${restored}, the last known-good revision, through the rollback's rules.`);
      record(rehearsed ? 'alerted' : 'enforced', [...reasons, `${rehearsed ? 'would restore' : 'restoring'} ${restored}`], resource, done || rehearsed ? undefined : revert.change.key);
      return plan;
    }
    case 'trail': {
      const reasons = [`${detection.trail} is a protected trail: ${event.operation} by ${detection.principal}`];
      const resource = { resource: detection.trail };
      const headline = event.operation === 'StopLogging' ? 'logging stopped' : event.operation === 'DeleteTrail' ? 'trail deleted' : 'what the trail records changed';
      if (event.operation === 'StopLogging' && detection.protection.onStopLogging === 'restart') {
        const key = `start:${event.callId}`;
        const started = delivery.sent.includes(key);
        if (!started) plan.actions.push({ type: 'cloudtrail.startLogging', key, trail: detection.trail, reason: `logging stopped by ${detection.principal}` });
        alert(headline, reasons, 'cicd-guardian starts logging again (onStopLogging: restart). Calls made while it was stopped are not recorded.');
        record('enforced', reasons, resource, started ? undefined : key);
        return plan;
      }
      alert(headline, reasons, event.operation === 'StopLogging' ? 'cicd-guardian only alerts (onStopLogging: alert): start logging again if this was not meant.' : 'cicd-guardian only alerts: restore the trail\'s settings if this was not meant.');
      record('alerted', reasons, resource);
      return plan;
    }
  }
}

/** The UpdateService that restores the known-good revision, under the rollback's rules; or why not. */
function planRevert(detection: Extract<Detection, { kind: 'service' }>, inputs: TamperInputs): { change: Extract<Action, { type: 'ecs.updateService' }> } | { refused: string } {
  const name = `${detection.cluster}/${detection.service}`;
  const settings = revertSettings(detection, inputs.config);
  if (!settings) return { refused: `${name} is not in rollback.services of guardian.yml, where its known-good revision is learned` };
  const restore = restoreKnownGood(settings, inputs.revert, inputs.delivery, inputs.now, detection.taskDefinition);
  if ('refused' in restore) return restore;
  // Keyed as a rollback of the bypass deployment: the rollback function then knows it as its own (cooldown, no rollback of it).
  const key = `rollback:${detection.deploymentId ?? `bypass:${inputs.event.callId}`}`;
  const change = { type: 'ecs.updateService' as const, key, cluster: detection.cluster, service: detection.service, taskDefinitionArn: restore.target, reason: `reverting a bypass of CI/CD by ${detection.principal}` };
  return { change: settings.dryRun ? { ...change, rehearsal: true as const } : change };
}

function auditBase({ event, detection, now }: TamperInputs): Omit<AuditEntry, 'decision' | 'reasons'> {
  return {
    capability: 'tamper',
    at: now.toISOString(),
    account: event.account,
    region: event.region,
    ...(detection.pipeline ? { pipeline: detection.pipeline } : {}),
    by: { principal: detection.principal, ...(detection.person ? { person: detection.person } : {}), automatic: false },
  };
}

const auditRecord = (key: string, entry: AuditEntry, after?: string): AuditRecordAction => ({
  type: 'audit.record',
  key,
  entry,
  ...(after ? { after } : {}),
  reason: `${entry.capability} ${entry.decision}: ${entry.reasons[0] ?? ''}`,
});

function whoOf(detection: Detection, config: GuardianConfig): string {
  const person = detection.person ? config.people.find((p) => p.id === detection.person) : undefined;
  return person ? `${personName(person)} (${detection.principal})` : detection.principal;
}

/**
 * Where tampering is told: `protection.slack`, else the pipeline's route channel, else
 * notifications.default; and the stack's email topic.
 */
export function alertChannel(config: GuardianConfig, pipeline: string | undefined): string | undefined {
  if (config.protection.slack) return config.protection.slack.channel;
  const routes = pipeline ? routesFor({ kind: 'pipeline', name: pipeline }, config) : [];
  return routes.find((r) => r.slack)?.slack?.channel ?? config.notifications.default?.slack?.channel;
}

function alerts(inputs: TamperInputs, story: TamperStory): Action[] {
  const { event, delivery, slackMode, config } = inputs;
  const key = `tamper:${event.callId}`;
  const message = describeTamper(story);
  const reason = `${event.operation} on ${story.subject} by ${story.who}`;
  const channel = alertChannel(config, story.pipeline);
  const actions: Action[] = [];
  if (slackMode === 'bot' && channel && !delivery.messages[key]) actions.push({ type: 'slack.upsert', channel, messageKey: key, message, reason });
  if (slackMode === 'webhook' && !delivery.sent.includes(`webhook:${key}`)) actions.push({ type: 'slack.webhook', key: `webhook:${key}`, message, reason });
  if (!delivery.sent.includes(`email:${key}`)) actions.push({ type: 'email.publish', key: `email:${key}`, message, reason });
  return actions;
}
