import { Cron } from 'croner';
import type { ApprovalPolicyConfig, DeployHoursConfig, FreezeWindowConfig, GuardianConfig, SlackMode } from '../config/schema.js';
import type { Delivery } from '../plan/delivery.js';
import type { Action, Plan } from '../plan/plan.js';
import type { AuditEntry } from '../plan/audit.js';
import type { MessageModel } from '../messages/model.js';
import { pipelineUrl } from '../messages/links.js';
import { activeFreeze, approvalPolicyFor, formatInZone, outsideDeployHours } from './approval.js';
import { globToRegExp, routesFor } from './routing.js';

// Freeze scheduling, pure: while a freeze window of an approval policy (or the
// time outside its deploy hours) is in effect, the inbound transitions of the
// stages it governs are closed, and opened again when it ends. A transition is
// only ever opened again if cicd-guardian closed it: its console reason starts
// with FREEZE_REASON_PREFIX *and* the stage's record in the state table says
// its last change was our closing. One closing per occurrence of a freeze: a
// person who opens the stage during it is not overruled.

/** How the console shows a transition this function closed (CodePipeline's reason allows [A-Za-z0-9!@ ().*?-] only). */
export const FREEZE_REASON_PREFIX = 'cicd-guardian freeze';

/** A stage's inbound transition as GetPipelineState shows it. */
export interface StageTransition {
  pipeline: string;
  stage: string;
  /** The names of the stage's manual approval actions (GetPipeline). */
  approvals: string[];
  enabled: boolean;
  disabledReason?: string;
}

export interface TransitionState extends StageTransition {
  account: string;
  region: string;
  /** What cicd-guardian did to this transition: the stage's record in the state table (its changes, notices and entries by key). */
  record: Delivery;
  /** Where the pipeline's notices go (its route's Slack channel), if anywhere. */
  channel?: string;
}

/** A freeze, or the time outside deploy hours, in effect: one occurrence of it. */
export interface Closure {
  policy: string;
  name: string;
  reason: string;
  timezone: string;
  /** When it ends; undefined: no end is scheduled. */
  until?: Date;
  /** Names this occurrence (a freeze that recurs closes the stage again next time). */
  occurrence: string;
}

const schedulable = (p: ApprovalPolicyConfig) => p.freezes.length > 0 || p.deployHours !== undefined;

/** The approval policies freeze scheduling acts on: those with freezes or deploy hours. */
export const schedulablePolicies = (config: GuardianConfig): ApprovalPolicyConfig[] => config.approvals.policies.filter(schedulable);

/**
 * The policy whose freezes or deploy hours close the stage, if any: the approval gate's own policy
 * (approvalPolicyFor: the first whose pipeline, stage and action globs match) of one of the stage's
 * manual approvals; a stage without one (a Source or Build stage, however wide the globs) only when
 * a policy names it exactly in `stages`. A policy without freezes or deploy hours closes nothing.
 */
export function governingPolicy(config: GuardianConfig, t: Pick<StageTransition, 'pipeline' | 'stage' | 'approvals'>): ApprovalPolicyConfig | undefined {
  const gate = t.approvals.map((action) => approvalPolicyFor(config, { pipeline: t.pipeline, stage: t.stage, action })).find((p) => p !== undefined);
  const named = gate ?? config.approvals.policies.find((p) => p.pipelines.some((g) => globToRegExp(g).test(t.pipeline)) && p.stages.includes(t.stage));
  return named && schedulable(named) ? named : undefined;
}

/** The Slack channel of the pipeline's route (the first route with one). */
export const announceChannel = (config: GuardianConfig, pipeline: string): string | undefined =>
  routesFor({ kind: 'pipeline', name: pipeline }, config).find((r) => r.slack)?.slack?.channel;

/** When deploy hours next begin: `from` on one of the listed days, in their zone (croner, so DST is the library's). */
const deployHoursResume = (hours: DeployHoursConfig, now: Date): Date | undefined => {
  const [hh, mm] = hours.from.split(':');
  return new Cron(`${Number(mm)} ${Number(hh)} * * ${hours.days.join(',')}`, { timezone: hours.timezone, paused: true }).nextRun(now) ?? undefined;
};

/** What closes the policy's stages at `now`: a freeze (the approval gate's own reading of it), else the time outside deploy hours. */
export function closureAt(policy: ApprovalPolicyConfig, freezes: FreezeWindowConfig[], now: Date): Closure | undefined {
  const freeze = activeFreeze(
    freezes.filter((f) => policy.freezes.includes(f.name)),
    now,
  );
  if (freeze) return { policy: policy.name, ...freeze, occurrence: `${freeze.name}@${freeze.until?.toISOString() ?? 'no-end'}` };
  const outside = policy.deployHours && outsideDeployHours(policy.deployHours, now);
  if (!outside || !policy.deployHours) return undefined;
  const until = deployHoursResume(policy.deployHours, now);
  return { policy: policy.name, name: 'deploy-hours', reason: outside, timezone: policy.deployHours.timezone, until, occurrence: `deploy-hours@${until?.toISOString() ?? 'no-end'}` };
}

const untilText = (c: Closure) => (c.until ? ` until ${formatInZone(c.until, c.timezone)}` : '');

/** The console's reason: "cicd-guardian freeze (year-end) until 2027-01-04 09.00 Europe Berlin", within CodePipeline's characters. */
export function consoleReason(c: Closure): string {
  const until = c.until ? ` until ${formatInZone(c.until, c.timezone).replace(/:/g, '.').replace(/\//g, ' ')}` : '';
  const name = c.name.replace(/[^a-zA-Z0-9!@ .*?-]+/g, ' ').trim();
  return `${FREEZE_REASON_PREFIX} (${name})${until}`.slice(0, 300);
}

const stageOf = (t: StageTransition) => `${t.pipeline}/${t.stage}`;
const closeKey = (t: StageTransition, occurrence: string) => `freeze-close:${stageOf(t)}:${occurrence}`;
const openKey = (t: StageTransition, occurrence: string) => `freeze-open:${stageOf(t)}:${occurrence}`;

/** Our last change to the transition, from its record: closed or opened, for which occurrence. */
function lastOwnChange(t: TransitionState): { kind: 'close' | 'open'; occurrence: string } | undefined {
  const prefix = (kind: string) => `freeze-${kind}:${stageOf(t)}:`;
  const last = (t.record.changes ?? []).filter((c) => c.key.startsWith(prefix('close')) || c.key.startsWith(prefix('open'))).at(-1);
  if (!last) return undefined;
  const kind = last.key.startsWith(prefix('close')) ? 'close' : 'open';
  return { kind, occurrence: last.key.slice(prefix(kind).length) };
}

/** The decision for one stage's transition at `now`. */
export function decideFreezeTransition(now: Date, policy: ApprovalPolicyConfig | undefined, freezes: FreezeWindowConfig[], t: TransitionState, slackMode: SlackMode = 'bot'): Plan {
  const plan: Plan = { subject: `pipeline ${t.pipeline} stage ${t.stage}`, actions: [], skipped: [] };
  if (!policy) return { ...plan, skipped: ['no approval policy with freezes or deploy hours governs this stage'] };
  const closure = closureAt(policy, freezes, now);
  const own = lastOwnChange(t);
  const carriesOurReason = t.disabledReason?.startsWith(FREEZE_REASON_PREFIX) ?? false;
  const ours = !t.enabled && carriesOurReason && own?.kind === 'close';
  const someoneElses = `disabled by someone else ("${t.disabledReason ?? 'no reason given'}"): left as it is, never enabled by cicd-guardian`;

  if (closure) {
    if (t.enabled && t.record.sent.includes(closeKey(t, closure.occurrence))) {
      return { ...plan, skipped: [`opened by someone during ${closure.name}, which cicd-guardian closed it for: left open`] };
    }
    if (t.enabled) return { ...plan, actions: changeActions(now, t, policy, closure, 'close', slackMode) };
    return { ...plan, skipped: [ours ? `closed by cicd-guardian for ${own!.occurrence}` : someoneElses] };
  }
  if (t.enabled) return { ...plan, skipped: ['open, and no freeze is in effect'] };
  if (ours) {
    const ended: Closure = { policy: policy.name, name: own!.occurrence.split('@')[0]!, reason: 'ended', timezone: 'UTC', occurrence: own!.occurrence };
    return { ...plan, actions: changeActions(now, t, policy, ended, 'open', slackMode) };
  }
  if (carriesOurReason) return { ...plan, skipped: ["carries cicd-guardian's freeze reason, but the state table has no record of cicd-guardian closing it: left for a person"] };
  return { ...plan, skipped: [someoneElses] };
}

/** Every stage's decision: `transitionStates` are the governed pipelines' stages as read now, with their records. */
export function decideFreezeTransitions(now: Date, config: GuardianConfig, transitionStates: TransitionState[], slackMode: SlackMode = 'bot'): Plan[] {
  return transitionStates.map((t) => decideFreezeTransition(now, governingPolicy(config, t), config.approvals.freezes, t, slackMode));
}

/** The change, its audit entry and its announcement (both only once the change is made). */
function changeActions(now: Date, t: TransitionState, policy: ApprovalPolicyConfig, c: Closure, change: 'close' | 'open', slackMode: SlackMode): Action[] {
  const key = change === 'close' ? closeKey(t, c.occurrence) : openKey(t, c.occurrence);
  const why =
    change === 'close'
      ? `${c.name === 'deploy-hours' ? c.reason : `freeze '${c.name}'${untilText(c)} (${c.reason})`}: policy '${policy.name}' closes ${t.stage}`
      : `${c.name === 'deploy-hours' ? 'deploy hours began' : `freeze '${c.name}' ended`}: cicd-guardian closed ${t.stage} for it`;
  const entry: AuditEntry = {
    capability: 'freeze',
    decision: change === 'close' ? 'transition-disabled' : 'transition-enabled',
    at: now.toISOString(),
    account: t.account,
    region: t.region,
    pipeline: t.pipeline,
    stage: t.stage,
    by: { automatic: true },
    reasons: [why],
    policy: policy.name,
  };
  const actions: Action[] = [
    change === 'close'
      ? { type: 'codepipeline.disableTransition', key, pipeline: t.pipeline, stage: t.stage, reason: consoleReason(c) }
      : { type: 'codepipeline.enableTransition', key, pipeline: t.pipeline, stage: t.stage, reason: why },
    { type: 'audit.record', key: `audit:${key}`, entry, after: key, reason: why },
  ];
  const message = announcement(t, c, change, why);
  if (t.channel && slackMode === 'bot') actions.push({ type: 'slack.upsert', channel: t.channel, messageKey: `notice:${key}`, message, after: key, reason: why });
  if (slackMode === 'webhook') actions.push({ type: 'slack.webhook', key: `webhook:${key}`, message, after: key, reason: why });
  return actions;
}

function announcement(t: TransitionState, c: Closure, change: 'close' | 'open', why: string): MessageModel {
  return {
    title: change === 'close' ? `${t.pipeline}: ${t.stage} closed for ${c.name === 'deploy-hours' ? 'the time outside deploy hours' : `freeze '${c.name}'`}` : `${t.pipeline}: ${t.stage} open again`,
    tone: change === 'close' ? 'warning' : 'info',
    summary: `The inbound transition into ${t.stage} is ${change === 'close' ? 'disabled' : 'enabled'}: ${why}.`,
    fields: [
      { label: 'Pipeline', value: t.pipeline, url: pipelineUrl(t.region, t.pipeline) },
      { label: 'Stage', value: t.stage },
      { label: 'Policy', value: c.policy },
    ],
    stages: [],
    links: [],
    context: `account ${t.account} · ${t.region}`,
  };
}
