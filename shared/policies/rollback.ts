import type { GuardianConfig, RollbackServiceConfig, RollbackSettings, SlackMode } from '../config/schema.js';
import { ROLLBACK_DEFAULTS } from '../config/schema.js';
import type { RollbackEvent } from '../events/types.js';
import type { MessageModel } from '../messages/model.js';
import { describeFamilyDenied, describeRollback, describeRollbackFailure, describeRollbackOutcome, type RollbackStory } from '../messages/rollback.js';
import type { Action, Plan, RollbackAction } from '../plan/plan.js';
import type { ChangeRecord, Delivery } from '../plan/delivery.js';
import { inFlightDeployment, lastCompletedDeployment, type ServiceView, type Signal, type ServiceFacts, type Trigger } from '../views/service-view.js';

// Decides whether to roll an ECS service back, and how, from what we know of
// it (view), what AWS says now (facts) and the policy. Pure: no I/O, no clock.
// Safety first: never fight a native rollback, never roll back a rollback,
// one rollback per bad deployment, none within the cooldown, never to the
// failed or an INACTIVE revision; when in doubt, alert a person instead.

const ROLLBACK_TYPES = new Set<string>(['ecs.stopDeployment', 'ecs.updateService', 'codedeploy.stopDeployment']);
const MINUTE = 60_000;
const ms = (iso: string) => Date.parse(iso);

/** The services of the policy an event concerns. */
export function servicesFor(event: RollbackEvent, config: GuardianConfig): RollbackServiceConfig[] {
  const services = config.rollback.services;
  switch (event.kind) {
    case 'alarm':
      return services.filter((s) => s.alarms.includes(event.alarmName));
    case 'action':
      return services.filter((s) => s.pipeline?.name === event.pipeline && s.pipeline.postDeployChecks.includes(`${event.stage}/${event.action}`));
    case 'ecs-task':
      return event.service ? services.filter((s) => s.cluster === event.cluster && s.service === event.service) : [];
    default:
      return services.filter((s) => s.cluster === event.cluster && s.service === event.service);
  }
}

/**
 * The settings of each service an event concerns. A request by hand for a service the policy does not
 * list is refused (the function's role may only touch the services the policy lists); it may ask for a
 * dry-run, and can never turn a configured dry-run off.
 */
export function servicesToHandle(event: RollbackEvent, config: GuardianConfig): RollbackSettings[] {
  const services = servicesFor(event, config);
  if (event.kind === 'manual' && services.length === 0) {
    throw new Error(`${event.cluster}/${event.service} is not in rollback.services of guardian.yml: cicd-guardian may not roll it back`);
  }
  return services.map((service) => {
    const settings = rollbackSettings(service, config);
    if (event.kind === 'manual' && event.dryRun) settings.dryRun = true;
    return settings;
  });
}

/**
 * What an event asks of a service whose view it was folded into: its trigger, if any, and when nothing
 * can be owed, why (the event needs no ECS read and no lease). Only a trigger or a finished deployment
 * (a rollback's outcome to report) can owe anything, and not a trigger whose deployment's outcome was
 * told in full (rolled back and told, or stood down and told). `stored`: the delivery of a real run's
 * stored record; a dry-run (no record) always decides in full.
 */
export function whatIsOwed(
  view: ServiceView,
  event: RollbackEvent,
  settings: RollbackSettings,
  stored: Pick<RollbackInputs, 'delivery' | 'slackMode'> | undefined,
): { trigger: Trigger | undefined; nothingOwed?: string } {
  const trigger = findTrigger(view, event, settings);
  const finished = event.kind === 'ecs-deployment' && event.eventName !== 'SERVICE_DEPLOYMENT_IN_PROGRESS';
  if (!stored || finished) return { trigger };
  const settled = trigger?.deploymentId !== undefined ? settledTrigger(trigger.deploymentId, { settings, ...stored }) : undefined;
  if (trigger && !settled) return { trigger };
  return { trigger, nothingOwed: settled ?? whyNoRollback(view, event, settings) };
}

/** A dry-run's plan when the service cannot be read (offline, `sls invoke local`): says so instead of failing. */
export const unreadableServicePlan = (name: string, trigger: Trigger, error: Error): Plan => ({
  subject: `service ${name}`,
  actions: [],
  skipped: [`${trigger.summary}: would decide a rollback, but the service could not be read: ${error.message}`],
});

/** A service's settings: its own, over `rollback.defaults`, over the built-in defaults. */
export function rollbackSettings(service: RollbackServiceConfig, config: GuardianConfig): RollbackSettings {
  const d = config.rollback.defaults;
  const pick = <K extends keyof typeof ROLLBACK_DEFAULTS>(k: K) => service[k] ?? d[k] ?? ROLLBACK_DEFAULTS[k];
  return {
    ...service,
    failureThreshold: pick('failureThreshold'),
    failureWindowMinutes: pick('failureWindowMinutes'),
    bakeMinutes: pick('bakeMinutes'),
    cooldownMinutes: pick('cooldownMinutes'),
    conclusiveFirst: pick('conclusiveFirst'),
    dryRun: pick('dryRun'),
    disableTransition: pick('disableTransition'),
  };
}


/**
 * The task definition family a rollback may deploy: the configured `taskDefinitionFamily`, else the
 * service name. The role's UpdateService is allowed only to its revisions (ecs:task-definition), and
 * the packaging plugin derives that condition from this function.
 */
export const deployableFamily = (service: Pick<RollbackServiceConfig, 'service' | 'taskDefinitionFamily'>): string => service.taskDefinitionFamily ?? service.service;

/** "family:revision" of a task definition ARN (…:task-definition/family:revision), and its family. */
const revisionOf = (taskDefinition: string) => taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);
const familyOf = (taskDefinition: string) => revisionOf(taskDefinition).replace(/:\d+$/, '');

/** Whether `event` (already folded into `view`) means the service must be rolled back. */
export function findTrigger(view: ServiceView, event: RollbackEvent, settings: RollbackSettings): Trigger | undefined {
  switch (event.kind) {
    case 'manual': {
      const signal = view.signals.find((s) => s.key === `manual:${event.eventId}`);
      return signal && { kind: 'manual', deploymentId: signal.deploymentId, evidence: [signal], summary: `requested by hand: ${event.reason}` };
    }
    case 'ecs-deployment': {
      if (event.eventName !== 'SERVICE_DEPLOYMENT_FAILED') return undefined;
      const signal = view.signals.find((s) => s.key === `deployment-failed:${event.deploymentId}`);
      return signal && { kind: 'deployment-failed', deploymentId: event.deploymentId, evidence: [signal], summary: `deployment failed: ${event.reason ?? 'no reason given'}` };
    }
    case 'ecs-task':
    case 'ecs-service-action': {
      const signal =
        event.kind === 'ecs-task' ? view.signals.find((s) => s.key === `task:${event.taskArn}`) : view.signals.find((s) => s.key === `impaired:${event.eventId}`);
      if (!signal) return undefined;
      const deploymentId = signal.deploymentId;
      // Without a deployment to blame, a stopped task is not a bad revision.
      if (!deploymentId) return undefined;
      const state = view.deployments[deploymentId]?.state;
      // Early failure: only while the deployment is in flight (or not yet reported at all).
      if (state === 'COMPLETED' || state === 'FAILED') return undefined;
      // A failure no retry can fix: waiting for more only prolongs the outage.
      if (signal.conclusive && settings.conclusiveFirst) {
        return { kind: 'task-failures', deploymentId, evidence: [signal], summary: `a task failed in a way no retry fixes: ${signal.conclusive}` };
      }
      const evidence = failuresInWindow(view, deploymentId, signal, settings.failureWindowMinutes * MINUTE);
      if (evidence.length < settings.failureThreshold) return undefined;
      return {
        kind: 'task-failures',
        deploymentId,
        evidence,
        summary: `${evidence.length} task failures within ${settings.failureWindowMinutes} min (threshold ${settings.failureThreshold})`,
      };
    }
    case 'alarm': {
      if (event.state !== 'ALARM') return undefined;
      const signal = view.signals.find((s) => s.key === `alarm:${event.alarmName}@${event.stateTimestamp}`);
      if (!signal) return undefined;
      const inFlight = inFlightDeployment(view);
      const completed = lastCompletedDeployment(view);
      const baking = completed?.endedAt && ms(signal.at) <= ms(completed.endedAt) + settings.bakeMinutes * MINUTE && ms(signal.at) >= ms(completed.endedAt);
      const deploymentId = inFlight?.id ?? (baking ? completed.id : undefined);
      if (!deploymentId) return undefined;
      return { kind: 'alarm', deploymentId, evidence: [signal], summary: `alarm ${event.alarmName} went to ALARM ${inFlight ? 'during the deployment' : 'within the bake window'}` };
    }
    case 'action': {
      if (event.state !== 'FAILED') return undefined;
      const signal = view.signals.find((s) => s.key === `check:${event.executionId}/${event.stage}/${event.action}@${event.time}`);
      return signal && { kind: 'check-failed', deploymentId: signal.deploymentId, evidence: [signal], summary: `post-deploy check ${event.stage}/${event.action} failed` };
    }
  }
}

/** Why an event that found no trigger does nothing, in the terms of the policy (for people reading the plan). */
export function whyNoRollback(view: ServiceView, event: RollbackEvent, settings: RollbackSettings): string {
  switch (event.kind) {
    case 'ecs-task':
    case 'ecs-service-action': {
      const what = event.kind === 'ecs-task' ? `task ${event.taskArn.split('/').pop()?.slice(0, 8) ?? event.taskArn}` : event.eventName;
      const signal =
        event.kind === 'ecs-task' ? view.signals.find((s) => s.key === `task:${event.taskArn}`) : view.signals.find((s) => s.key === `impaired:${event.eventId}`);
      if (!signal) return `${what}: not a failure (${event.kind === 'ecs-task' ? (event.stopCode ?? event.lastStatus) : 'no deployment in flight'}), not counted`;
      const deploymentId = signal.deploymentId;
      if (!deploymentId) return `${what} failed, but no deployment started it: not counted`;
      const state = view.deployments[deploymentId]?.state;
      if (state === 'COMPLETED' || state === 'FAILED') return `${what} failed after deployment ${deploymentId} ${state === 'COMPLETED' ? 'completed' : 'failed'}: left to alarms`;
      const counted = failuresInWindow(view, deploymentId, signal, settings.failureWindowMinutes * MINUTE).length;
      return `${counted} of ${settings.failureThreshold} failed tasks counted for deployment ${deploymentId} within ${settings.failureWindowMinutes} min: no rollback yet`;
    }
    case 'ecs-deployment':
      return `deployment ${event.deploymentId} ${event.eventName.replace(/^SERVICE_DEPLOYMENT_/, '').toLowerCase().replace('_', ' ')}: only a failed deployment triggers a rollback`;
    case 'alarm':
      return event.state !== 'ALARM'
        ? `alarm ${event.alarmName} is ${event.state}: only ALARM triggers a rollback`
        : `alarm ${event.alarmName} went to ALARM with no deployment in flight or within its ${settings.bakeMinutes}-minute bake window`;
    case 'action':
      return `check ${event.stage}/${event.action} ${event.state.toLowerCase()}: only a failed check triggers a rollback`;
    case 'manual':
      return `request by hand for ${settings.cluster}/${settings.service} not recorded`;
  }
}

/**
 * The largest set of early failures of `deploymentId` that fits in one window
 * and includes `signal`: events arrive out of order, so the window may lie on
 * either side of it.
 */
function failuresInWindow(view: ServiceView, deploymentId: string, signal: Signal, windowMs: number): Signal[] {
  const failures = view.signals.filter((s) => (s.kind === 'task-failed' || s.kind === 'start-impaired') && s.deploymentId === deploymentId);
  let best: Signal[] = [];
  for (const start of failures) {
    const from = ms(start.at);
    if (from > ms(signal.at) || ms(signal.at) - from > windowMs) continue;
    const inside = failures.filter((s) => ms(s.at) >= from && ms(s.at) <= from + windowMs);
    if (inside.length > best.length) best = inside;
  }
  return best;
}

/** The bad deployment a rollback change was made for (its key is "rollback:<deployment>"). */
const badDeploymentOf = (change: ChangeRecord) => change.key.replace(/^rollback:/, '');

/**
 * Deployments that are themselves rollbacks: ECS's own (and the deployment it
 * rolls back to), the one our UpdateService started, one that started just
 * after our change, or one that finished after we stopped another.
 */
function isRollbackDeployment(view: ServiceView, delivery: Delivery, deploymentId: string): boolean {
  const d = view.deployments[deploymentId];
  if (d?.isRollback) return true;
  return (delivery.changes ?? []).some((c) => {
    if (!ROLLBACK_TYPES.has(c.type) || badDeploymentOf(c) === deploymentId) return false;
    if (c.detail === deploymentId) return true;
    const started = d?.startedAt !== undefined && ms(d.startedAt) >= ms(c.at) - MINUTE && ms(d.startedAt) <= ms(c.at) + 5 * MINUTE;
    // After a stop, ECS may finish the rollback under the id of the deployment it restores, which began before our change.
    const finishedAfterStop = c.type !== 'ecs.updateService' && d?.endedAt !== undefined && ms(d.endedAt) >= ms(c.at) && ms(d.startedAt ?? d.at) < ms(c.at);
    return started || finishedAfterStop;
  });
}

const lastRollback = (delivery: Delivery) => [...(delivery.changes ?? [])].reverse().find((c) => ROLLBACK_TYPES.has(c.type));

export interface RollbackInputs {
  view: ServiceView;
  event: RollbackEvent;
  settings: RollbackSettings;
  /** What ECS says now; needed whenever a trigger fires. */
  facts?: ServiceFacts;
  delivery: Delivery;
  slackMode: SlackMode;
  /** The Slack message of the pipeline execution that deployed the service, to reply in its thread. */
  thread?: { channelId: string; ts: string };
  now: Date;
}

/**
 * The revision to deploy: the known-good one, else the newest successful one; never the failed one nor
 * an INACTIVE one, and only of `family` (IAM allows no other). `elsewhere`: the one it would be
 * regardless of family (after a rename, or when the configured family is not the one the service runs).
 */
function pickTarget(view: ServiceView, facts: ServiceFacts, failed: string | undefined, family: string): { target?: string; elsewhere?: string } {
  const usable = (td: string | undefined): td is string => {
    if (!td || td === failed) return false;
    const status = facts.taskDefinitionStatus[td];
    return status === undefined || status === 'ACTIVE';
  };
  const candidates = [view.knownGood?.taskDefinitionArn, ...facts.successfulTaskDefinitions.map((h) => h.taskDefinition)].filter(usable);
  return { target: candidates.find((td) => familyOf(td) === family), elsewhere: candidates[0] };
}

/**
 * Why a service may not be given another revision now because cicd-guardian restored one within the
 * cooldown (a rollback, or a reverted bypass of CI/CD), or undefined. Both read the service's record.
 */
export function withinCooldown(delivery: Delivery, settings: Pick<RollbackSettings, 'cluster' | 'service' | 'cooldownMinutes'>, now: Date): string | undefined {
  const previous = lastRollback(delivery);
  if (!previous || now.getTime() - ms(previous.at) >= settings.cooldownMinutes * MINUTE) return undefined;
  return `${settings.cluster}/${settings.service} was rolled back at ${previous.at}, within the ${settings.cooldownMinutes}-minute cooldown: a person must decide`;
}

/**
 * The revision UpdateService may restore in place of `replacing` (the failed or bypassing one): the
 * known-good one, else the newest successful one; never `replacing` nor an INACTIVE one, and only of
 * the family the role may deploy. A rollback and a reverted bypass of CI/CD both restore through it.
 */
export function restorableRevision(
  view: ServiceView,
  facts: ServiceFacts,
  settings: RollbackSettings,
  replacing: string | undefined,
): { target: string } | { refused: 'other-family' | 'no-target'; why: string } {
  const name = `${settings.cluster}/${settings.service}`;
  const family = deployableFamily(settings);
  const where = `cicd-guardian may deploy only family ${family} (rollback.services[].taskDefinitionFamily, default: the service name)`;
  if (replacing && familyOf(replacing) !== family) {
    const runs = familyOf(replacing);
    return { refused: 'other-family', why: `${name} runs task definition family ${runs}, but ${where}: UpdateService would be denied; set taskDefinitionFamily: ${runs} for ${name} in guardian.yml` };
  }
  const { target, elsewhere } = pickTarget(view, facts, replacing, family);
  if (!target && elsewhere) {
    return { refused: 'other-family', why: `no known-good revision of family ${family} for ${name}: the newest good revision, ${revisionOf(elsewhere)}, is of family ${familyOf(elsewhere)}, and ${where}` };
  }
  if (!target) return { refused: 'no-target', why: `no known-good revision for service ${name}: not rolling back` };
  return { target };
}

/** What restoring a service's known-good revision needs: the service as the rollback capability knows it (its record), and what ECS says now. */
export interface RevertFacts {
  view: ServiceView;
  /** undefined: ECS could not be read (why: `unreadable`). */
  facts?: ServiceFacts;
  unreadable?: string;
}

/**
 * The revision that may replace `replacing` outside a rollback trigger (a reverted bypass of CI/CD, a
 * GuardDuty runtime finding in one of the service's tasks), by the rollback's safety rules: something
 * is known of the service, ECS could be read, its controller is ECS, ECS is not rolling it back itself,
 * it does not already run it, no cooldown, and a restorable revision of its family; or why not.
 */
export function restoreKnownGood(settings: RollbackSettings, revert: RevertFacts | undefined, delivery: Delivery, now: Date, replacing: string | undefined): { target: string } | { refused: string } {
  const name = `${settings.cluster}/${settings.service}`;
  if (revert && !revert.facts && !revert.unreadable && !revert.view.knownGood) {
    return { refused: `nothing is known of ${name} yet: no known-good revision has been learned (the rollback function learns one when a deployment completes and bakes)` };
  }
  if (!revert?.facts) return { refused: `${name} could not be read${revert?.unreadable ? ` (${revert.unreadable})` : ''}` };
  const { view, facts } = revert;
  if (facts.controller !== 'ECS') return { refused: `${name} uses the ${facts.controller} deployment controller, whose task definition UpdateService cannot change` };
  if (facts.nativeRollbackInProgress) return { refused: `ECS is rolling ${name} back by itself` };
  if (view.knownGood?.taskDefinitionArn === replacing) return { refused: `${name} was given its known-good revision: nothing to revert` };
  const cooldown = withinCooldown(delivery, settings, now);
  if (cooldown) return { refused: cooldown };
  const restore = restorableRevision(view, facts, settings, replacing);
  return 'refused' in restore ? { refused: restore.why } : restore;
}

/** Slack messages already posted are not posted again: a follow-up or a warning says it once. */
const notPosted = (delivery: Delivery) => (a: Action) => a.type !== 'slack.upsert' || delivery.messages[a.messageKey ?? a.channel] === undefined;

export function decideRollback(inputs: RollbackInputs): Plan {
  const { view, event, settings, facts, delivery, now } = inputs;
  const name = `${settings.cluster}/${settings.service}`;
  const plan: Plan = { subject: `service ${name}`, actions: [], skipped: [] };
  const notify = (key: string, message: MessageModel, reason: string, after?: string, replyTo?: string) =>
    plan.actions.push(...notifications(inputs, key, message, reason, replyTo).map((a) => (after ? { ...a, after } : a)));

  // Follow-through: the first deployment to finish after our rollback reports how it went.
  if (event.kind === 'ecs-deployment' && event.eventName !== 'SERVICE_DEPLOYMENT_IN_PROGRESS') {
    const change = lastRollback(delivery);
    const ours = change && event.deploymentId !== badDeploymentOf(change) && isRollbackDeployment(view, delivery, event.deploymentId);
    if (change && ours && ms(event.updatedAt) >= ms(change.at) && !delivery.sent.includes(`outcome:${change.key}`)) {
      const ok = event.eventName === 'SERVICE_DEPLOYMENT_COMPLETED';
      // In the thread of the notice that announced the rollback, when it was posted on its own.
      notify(`outcome:${change.key}`, describeRollbackOutcome(settings, change, event, ok), `rollback outcome: ${ok ? 'completed' : 'failed'}`, undefined, `notice:${change.key}`);
    }
  }

  // A deployment of another family than the one we may deploy: say so now, not when a rollback to it is denied.
  const family = deployableFamily(settings);
  const completed = event.kind === 'ecs-deployment' && event.eventName === 'SERVICE_DEPLOYMENT_COMPLETED' ? event : undefined;
  const running = completed && view.taskDefinitions[completed.deploymentId];
  if (completed && running && familyOf(running) !== family) {
    const warning = describeFamilyDenied(settings, view.region, completed.deploymentId, running, familyOf(running), family);
    plan.actions.push(...notifications(inputs, `denied-family:${familyOf(running)}`, warning, `${name} runs family ${familyOf(running)}: a rollback to it would be denied`).filter(notPosted(delivery)));
  }

  const trigger = findTrigger(view, event, settings);
  if (!trigger) {
    plan.skipped.push(whyNoRollback(view, event, settings));
    return plan;
  }
  if (!facts) {
    // The trigger appeared after this invocation read ECS (another event completed it): that invocation decides.
    plan.skipped.push(`${trigger.summary}: decided by the invocation whose event completed the trigger`);
    return plan;
  }
  // A request by hand about a service whose deployments we never saw: the one ECS runs now.
  const deploymentId = trigger.deploymentId ?? (trigger.kind === 'manual' ? facts.deployments.find((d) => d.status === 'PRIMARY')?.id : undefined);
  const key = `rollback:${deploymentId ?? trigger.evidence[0]!.key}`;
  const failedTaskDefinition = (deploymentId && (facts.deployments.find((d) => d.id === deploymentId)?.taskDefinition ?? view.taskDefinitions[deploymentId])) || undefined;
  const story: RollbackStory = { settings, region: view.region, trigger, failedTaskDefinition, dryRun: settings.dryRun };
  // Instead of acting: tell people why (each channel once per deployment and reason).
  const alert = (kind: NonNullable<RollbackStory['outcome']>, why: string) => {
    plan.skipped.push(why);
    notify(`${kind}:${deploymentId ?? key}`, describeRollback({ ...story, outcome: kind, why }), why);
    return plan;
  };

  const disable =
    settings.disableTransition && settings.pipeline
      ? { type: 'codepipeline.disableTransition' as const, key: `disable:${key}`, pipeline: settings.pipeline.name, stage: settings.pipeline.deployStage, reason: `cicd-guardian rolled back ${name}` }
      : undefined;
  const notice = (outcome: 'rolled-back' | 'dry-run', restored: string | undefined, change?: RollbackAction) =>
    notifications(inputs, `notice:${key}`, describeRollback({ ...story, outcome, restored, change, transitionDisabled: Boolean(disable) }), trigger.summary);

  if (delivery.sent.includes(key)) {
    plan.skipped.push(`already rolled back for ${deploymentId ?? 'this request'}`);
    // The change was made, perhaps by an invocation that failed after it (SNS throttled, Slack down):
    // what it owes still is its follow-ups, else nobody hears of it and the pipeline may deploy the bad revision again.
    if (disable && !delivery.sent.includes(disable.key)) plan.actions.push(disable);
    const made = delivery.changes?.find((c) => c.key === key);
    plan.actions.push(...notice('rolled-back', restoredBy(made, view, facts, failedTaskDefinition, family)).filter(notPosted(delivery)));
    return plan;
  }
  if (deploymentId && isRollbackDeployment(view, delivery, deploymentId)) {
    return alert('rollback-of-rollback', `deployment ${deploymentId} is itself a rollback: never rolling back a rollback`);
  }
  // Someone is rolling back already (the circuit breaker, deployment alarms, or a person): never fight it.
  if (facts.nativeRollbackInProgress || (trigger.kind === 'deployment-failed' && facts.nativeRollbackEnabled)) {
    return alert('native', `ECS is rolling ${name} back by itself: standing down`);
  }
  const cooldown = withinCooldown(delivery, settings, now);
  if (cooldown) return alert('cooldown', cooldown);
  const reported = deploymentId ? facts.deployments.find((d) => d.id === deploymentId) : undefined;
  if (trigger.kind === 'task-failures' && reported?.rolloutState !== 'IN_PROGRESS') {
    plan.skipped.push(`deployment ${deploymentId} is not in flight according to ECS: failed tasks are left to alarms and the circuit breaker`);
    return plan;
  }
  if (facts.controller === 'EXTERNAL') {
    return alert('external', `${name} uses the EXTERNAL deployment controller, which cannot be rolled back from here`);
  }

  let change: RollbackAction | undefined;
  let restored: string | undefined;
  if (facts.controller === 'CODE_DEPLOY') {
    if (!facts.codeDeployDeploymentId) return alert('no-target', `no CodeDeploy deployment in progress for ${name}: redeploy the previous revision with CodeDeploy`);
    change = { type: 'codedeploy.stopDeployment', key, cluster: settings.cluster, service: settings.service, deploymentId: facts.codeDeployDeploymentId, reason: trigger.summary };
    restored = previousRevision(facts, failedTaskDefinition) ?? 'the previous revision (CodeDeploy rollback)';
  } else if (facts.inFlight) {
    // Stop only the deployment that is bad: a newer one in flight is someone's fix, not ours to stop.
    const same = facts.inFlight.targetTaskDefinition === undefined ? reported?.rolloutState === 'IN_PROGRESS' : facts.inFlight.targetTaskDefinition === failedTaskDefinition;
    if (!same) return alert('superseded', `a newer deployment of ${name} is in flight: not rolling back over it`);
    change = { type: 'ecs.stopDeployment', key, cluster: settings.cluster, service: settings.service, serviceDeploymentArn: facts.inFlight.serviceDeploymentArn, reason: trigger.summary };
    restored = previousRevision(facts, failedTaskDefinition) ?? 'the revision of the last successful deployment (ECS rollback)';
  } else {
    const restore = restorableRevision(view, facts, settings, failedTaskDefinition);
    if ('refused' in restore) return alert(restore.refused, restore.why);
    change = { type: 'ecs.updateService', key, cluster: settings.cluster, service: settings.service, taskDefinitionArn: restore.target, reason: trigger.summary };
    restored = restore.target;
  }

  // A per-service dry-run rehearses the change (the executor shows its call and makes none) and tells people.
  if (settings.dryRun) {
    const rehearsal = { rehearsal: true as const };
    plan.skipped.push(`dry-run for ${name}: ${change.type}${disable ? ' and the transition' : ''} rehearsed, nothing changed`);
    plan.actions.push({ ...change, ...rehearsal }, ...(disable ? [{ ...disable, ...rehearsal }] : []), ...notice('dry-run', restored, change));
  } else {
    // The notice reports the change: not sent if the change fails.
    plan.actions.push(change, ...(disable ? [disable] : []), ...notice('rolled-back', restored, change).map((a) => ({ ...a, after: key })));
  }
  return plan;
}

/** The revision a rollback made earlier restored: the one its UpdateService deployment runs, else the one ECS or CodeDeploy returns to. */
function restoredBy(made: ChangeRecord | undefined, view: ServiceView, facts: ServiceFacts, failed: string | undefined, family: string): string | undefined {
  if (made?.type === 'ecs.updateService') return facts.deployments.find((d) => d.id === made.detail)?.taskDefinition ?? pickTarget(view, facts, failed, family).target;
  return previousRevision(facts, failed);
}

/**
 * The alerts decideRollback sends instead of a rollback, once per deployment, and what they say.
 * Not the cooldown: it ends, and a later failure of the deployment may then be rolled back.
 */
const STAND_DOWNS: Record<string, string> = {
  native: 'ECS is rolling it back by itself',
  superseded: 'a newer deployment is in flight',
  external: 'its EXTERNAL deployment controller cannot be rolled back from here',
  'no-target': 'there is no known-good revision to roll back to',
  'rollback-of-rollback': 'it is itself a rollback',
  'other-family': 'its revisions are of a task definition family cicd-guardian may not deploy',
};

/**
 * Whether everything decideRollback owes for a trigger of `deploymentId` was delivered: the rollback
 * and all its follow-ups (transition-disable, notice, email), or a stand-down told on every channel.
 * Then a later trigger of that deployment changes nothing, and needs no ECS read and no lease.
 * Says what was decided, in the policy's terms; undefined while something may still be owed.
 */
export function settledTrigger(deploymentId: string, inputs: Pick<RollbackInputs, 'settings' | 'delivery' | 'slackMode'>): string | undefined {
  const { settings, delivery } = inputs;
  const sent = (key: string) => delivery.sent.includes(key);
  const key = `rollback:${deploymentId}`;
  if (settings.dryRun ? told(`notice:${key}`, inputs) : sent(key) && (!(settings.disableTransition && settings.pipeline) || sent(`disable:${key}`)) && told(`notice:${key}`, inputs)) {
    return settings.dryRun ? `already told for ${deploymentId} what a rollback would do (dry-run)` : `already rolled back for ${deploymentId}`;
  }
  const kind = Object.keys(STAND_DOWNS).find((k) => told(`${k}:${deploymentId}`, inputs));
  return kind && `already decided for ${deploymentId}: ${STAND_DOWNS[kind]}, and people were told`;
}

/**
 * Whether the message `key` reached every channel `notifications` sends it to. Slack: a message of its
 * own or a reply in the pipeline's thread. Without a channel, the thread is the only Slack target, and
 * whether there was one is not known here: a reply must have been recorded (so at worst the decision
 * is made again, and finds nothing owed).
 */
function told(key: string, { settings, delivery, slackMode }: Pick<RollbackInputs, 'settings' | 'delivery' | 'slackMode'>): boolean {
  const sent = (k: string) => delivery.sent.includes(k);
  const slack =
    slackMode === 'webhook'
      ? sent(`webhook:${key}`)
      : slackMode === 'bot' && (settings.slack || settings.pipeline)
        ? delivery.messages[key] !== undefined || sent(`reply:${key}`)
        : true;
  return slack && (!settings.email || sent(`email:${key}`));
}

/** The revision a rollback by ECS or CodeDeploy returns to: that of the newest successful deployment. */
const previousRevision = (facts: ServiceFacts, failed: string | undefined): string | undefined =>
  facts.successfulTaskDefinitions.find((h) => h.taskDefinition !== failed)?.taskDefinition;

/**
 * Where rollback news goes: the pipeline's thread, else the service's channel, and email.
 * `replyTo`: the key of a message posted earlier (a rollback notice) whose thread a follow-up goes to.
 */
function notifications(
  inputs: Pick<RollbackInputs, 'settings' | 'delivery' | 'slackMode' | 'thread'>,
  key: string,
  message: MessageModel,
  reason: string,
  replyTo?: string,
): Action[] {
  const { settings, delivery, slackMode } = inputs;
  const thread = inputs.thread ?? (replyTo ? delivery.messages[replyTo] : undefined);
  const actions: Action[] = [];
  if (slackMode === 'bot' && (thread || settings.slack)) {
    // The pipeline's message is in a channel known only by its id; a notice's is in the service's channel.
    const channel = inputs.thread?.channelId ?? settings.slack!.channel;
    const replyKey = `reply:${key}`;
    if (thread) {
      if (!delivery.sent.includes(replyKey)) {
        // In the pipeline's thread it is news to the channel; in its own notice's thread only a failure is.
        actions.push({ type: 'slack.reply', channel, thread, key: replyKey, reply: { tone: message.tone, text: `${message.title}${message.summary ? ` — ${message.summary}` : ''}`, links: message.links }, broadcast: inputs.thread !== undefined || message.tone === 'failure', reason });
      }
    } else {
      actions.push({ type: 'slack.upsert', channel, messageKey: key, message, reason });
    }
  } else if (slackMode === 'webhook' && !delivery.sent.includes(`webhook:${key}`)) {
    actions.push({ type: 'slack.webhook', key: `webhook:${key}`, message, reason });
  }
  if (settings.email && !delivery.sent.includes(`email:${key}`)) {
    actions.push({ type: 'email.publish', key: `email:${key}`, message, reason });
  }
  return actions;
}

/** A failure of the rollback itself, as people must hear of it. */
export interface RollbackFailure {
  /** What failed: the service or pipeline stage the change was for. */
  target: string;
  message: string;
  hint: string;
  retryable: boolean;
  /** False when reading the service failed, before any change was tried. */
  attempted?: boolean;
}

/** Tells people that a rollback could not be performed, what went wrong and what to do; once per change and error. */
export function decideRollbackFailure(inputs: Pick<RollbackInputs, 'settings' | 'delivery' | 'slackMode' | 'thread'>, failures: RollbackFailure[]): Plan {
  const name = `${inputs.settings.cluster}/${inputs.settings.service}`;
  const plan: Plan = { subject: `service ${name}`, actions: [], skipped: [] };
  for (const f of failures) {
    const message = describeRollbackFailure(inputs.settings, f);
    plan.actions.push(...notifications(inputs, `failed:${f.target}:${f.message.slice(0, 80)}`, message, `rollback of ${name} failed`));
  }
  return plan;
}
