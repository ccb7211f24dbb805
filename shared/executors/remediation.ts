import type { GuardianConfig } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import type { Finding } from '../events/guardduty.js';
import { capWindow, decideRemediationFailure, destructiveDoneSince, destructiveOwed, decideRemediation, planRemediation, playbookFor, resourceKeyOf, subjectOf, whyOnlyNotified, type Reach, type RemediationFacts, type RemediationInputs, type RemediationOutcome } from '../policies/remediation.js';
import { decideSummary, foldSummary, summaryKey, type SummaryView } from '../policies/remediation-summary.js';
import { restoreKnownGood, rollbackSettings } from '../policies/rollback.js';
import { emptyDelivery, type Delivery } from '../plan/delivery.js';
import type { Plan } from '../plan/plan.js';
import { serviceKey, type ServiceView } from '../views/service-view.js';
import { remediationFacts } from '../facts/remediation.js';
import { ecsFacts } from '../facts/ecs.js';
import type { InvocationState } from '../state/invocation-state.js';
import { blastRadius } from '../state/blast-radius.js';
import { REMEDIATION_ACTIONS } from '../actions/change-actions.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Place } from '../runtime/aws.js';
import type { Channels } from '../actions/module.js';
import { slackMode } from '../runtime/slack-credentials.js';
import { deliverUnderLease, type DeliveryResult } from './deliver.js';
import { DeliveryError } from './execute-plan.js';
import { RollbackError } from '../runtime/aws-errors.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../runtime/observability.js';
import { notificationChannels } from './channels.js';
import type { Rehearsal } from './rehearse.js';
import { settle } from './settle.js';

// One GuardDuty finding: read what its playbook needs (nothing when it is only
// notified), take the destructive steps' units from the blast-radius cap, then
// fold the finding into its resource's record and deliver the plan under the
// resource's lease, so one message per resource is kept up to date and a step
// done for it is never done again. A dry-run decides the same and performs the
// plan against the recording sink, taking nothing from the cap. Then the
// resource's outcome is folded into its window's summary, one message per
// window kept up to date the same way.

export interface RemediationRun {
  finding: Finding;
  config: GuardianConfig;
  env: GuardianEnv;
  state: InvocationState;
  /** Where the finding's resource is: its account and region, and the role to act there; or why it is not acted on there. */
  where: Place | { refused: string };
  /** ECS services the finding's account exempts (capabilityFor's exempt.services). */
  exemptServices: string[];
  deadline: Deadline;
  invokedFunctionArn: string | undefined;
  now: () => Date;
  logPlan: (plan: Plan) => Plan;
  onFactError: (call: string, error: unknown) => void;
}

/** What the remediate function keeps per resource: the findings seen on it (the newest publication of each), bounded. */
export interface ResourceRecord {
  resource: string;
  findings: { id: string; type: string; severity: number; updatedAt: string; count: number }[];
}

const MAX_FINDINGS = 20;

export const remediationKey = (f: Finding) => `REMEDIATE#${f.findingAccount}#${f.findingRegion}#${resourceKeyOf(f)}`;

/** Folds a publication of the finding in; an older publication (EventBridge does not keep order) changes nothing. */
export function foldFinding(current: ResourceRecord | undefined, f: Finding): ResourceRecord {
  const findings = current?.findings ?? [];
  const known = findings.find((x) => x.id === f.id);
  if (known && known.updatedAt >= f.updatedAt) return current!;
  const entry = { id: f.id, type: f.type, severity: f.severity, updatedAt: f.updatedAt, count: f.count };
  return { resource: resourceKeyOf(f), findings: [...findings.filter((x) => x.id !== f.id), entry].slice(-MAX_FINDINGS) };
}

/** The service's known-good revision by the rollback's rules, for a runtime finding in one of its tasks (rollback.services must list it). */
async function serviceRestore(run: RemediationRun, place: Place): Promise<RemediationFacts['service']> {
  const r = run.finding.resource;
  if (r.kind !== 'ecsTask' || !r.service || run.config.remediation.ecs.onServiceFinding !== 'rollback') return undefined;
  const service = run.config.rollback.services.find((s) => s.cluster === r.cluster && s.service === r.service);
  const name = `${r.cluster}/${r.service}`;
  if (!service) return { refused: `${name} is not in rollback.services of guardian.yml, where its known-good revision is learned` };
  const settings = rollbackSettings(service, run.config);
  const stored = await run.state.read<ServiceView>(serviceKey({ ...place, cluster: r.cluster, service: r.service }));
  const view = stored?.view;
  const revert = view
    ? {
        view,
        ...(await ecsFacts(place)
          .describe(r.cluster, r.service, { candidates: view.knownGood ? [view.knownGood.taskDefinitionArn] : [] }, run.onFactError)
          .then((facts) => ({ facts }), (error: unknown) => ({ unreadable: (error as Error).message }))),
      }
    : undefined;
  if (!revert) return { refused: `nothing is known of ${name} yet: no known-good revision has been learned (the rollback function learns one when a deployment completes and bakes)` };
  const restore = restoreKnownGood(settings, revert, stored?.delivery ?? emptyDelivery(), run.now(), r.taskDefinitionArn);
  if ('refused' in restore) return restore;
  return { restore: { type: 'ecs.updateService', key: '', cluster: r.cluster, service: r.service, taskDefinitionArn: restore.target, reason: '' } };
}

export async function remediateFinding(run: RemediationRun): Promise<Rehearsal | DeliveryResult> {
  const { finding, config, env, state, deadline } = run;
  const playbook = playbookFor(finding.type, config);
  const place = 'refused' in run.where ? undefined : run.where;
  const reach: Reach = place ? (place.roleArn ? { roleArn: place.roleArn } : {}) : (run.where as { refused: string });
  const notifiedOnly = whyOnlyNotified(finding, config, { reach, exemptServices: run.exemptServices }, playbook) !== undefined;
  const facts: RemediationFacts =
    notifiedOnly || !place
      ? {}
      : { ...(await remediationFacts(place, finding, config, run.onFactError)), ...(playbook?.name === 'ecsRuntime' ? { service: await serviceRestore(run, place) } : {}) };
  const base: Omit<RemediationInputs, 'delivery'> = { finding, config, facts, slackMode: slackMode(config, env), now: run.now(), reach, exemptServices: run.exemptServices, dryRun: state.dryRun };

  let cap: Pick<RemediationInputs, 'allowance' | 'capReached' | 'page'> = {};
  const pk = remediationKey(finding);
  let claimedAgainst = emptyDelivery();
  if (!state.dryRun && !notifiedOnly) {
    // Units are taken before the lease, from what is owed as stored: a concurrent delivery for the same resource can only make this over-count, never exceed the cap.
    const stored = await state.read<ResourceRecord>(pk);
    claimedAgainst = stored?.delivery ?? claimedAgainst;
    const wanted = destructiveOwed(decideRemediation({ ...base, delivery: claimedAgainst }));
    if (wanted > 0) {
      const limits = config.remediation.cap;
      const window = capWindow(run.now(), limits.windowMinutes);
      const counters = blastRadius(env.table!, limits, window, deadline);
      const claim = await counters.claim(finding.findingAccount, wanted);
      cap = { allowance: claim.granted };
      if (claim.reached) cap = { ...cap, capReached: claim.reached, ...((await counters.claimPage()) ? { page: { window } } : {}) };
    }
  }
  // What the cap allows less what it was spent on since it was claimed: the plan decided again once the changes are made (to report them) makes no more.
  const allowed = (delivery: Delivery) => (cap.allowance === undefined ? cap : { ...cap, allowance: cap.allowance - destructiveDoneSince(claimedAgainst, delivery) });
  // The outcome of the last decision for the resource (for the window's summary).
  let outcome: RemediationOutcome | undefined;
  const decide = (delivery: Delivery) => {
    const decided = planRemediation({ ...base, ...allowed(delivery), delivery });
    outcome = decided.outcome;
    return decided.plan;
  };
  const channels = async () => ({ ...(await notificationChannels(config, env, deadline, run.invokedFunctionArn)), changes: REMEDIATION_ACTIONS, ...(place ? { place } : {}) });
  const summarise = (result: Rehearsal | DeliveryResult, as: RemediationOutcome | undefined) =>
    summariseWindow(run, channels, as ?? planRemediation({ ...base, ...cap, delivery: emptyDelivery() }).outcome).then((summary) => merged(result, summary));
  try {
    const result = await settle<ResourceRecord>(state, {
      pk,
      fold: (current) => foldFinding(current, finding),
      decide: (_view, delivery) => decide(delivery),
      channels,
      deadline,
      now: run.now,
      onPlan: run.logPlan,
      changes: REMEDIATION_ACTIONS,
    });
    return await summarise(result, outcome);
  } catch (error) {
    const failures = (error instanceof AggregateError ? error.errors : [error]).filter((e): e is RollbackError => e instanceof RollbackError);
    if (failures.length === 0 || state.dryRun) throw error;
    metrics.addMetric('RemediationFailed', MetricUnit.Count, 1);
    const told = failures.map((e) => ({ target: e.service, message: e.message, hint: e.hint, retryable: e.retryable }));
    // Which steps failed, by their changes' keys (the steps of one instance share its target).
    const outcomes = error instanceof DeliveryError ? error.outcomes : [];
    const failed = Object.fromEntries(outcomes.flatMap((o) => (o.result === 'failed' && o.key ? [[o.key, o.error ?? 'failed']] : [])));
    const result = await summarise(
      await deliverUnderLease<ResourceRecord>(state.store(), pk, (r) => run.logPlan(decideRemediationFailure({ ...base, ...allowed(r.delivery), failed, delivery: r.delivery }, told)), channels, deadline, 'wait'),
      'failed',
    );
    // A missing resource or a missing permission is told once and not retried; throttling and AWS-side errors are (then the DLQ).
    if (told.some((f) => f.retryable)) throw error;
    logger.error('remediation steps failed permanently: told people, not retried', { failures: told });
    return result;
  }
}

/** Folds the finding's outcome into the summary of its cap window and keeps the window's one message up to date. */
function summariseWindow(run: RemediationRun, channels: () => Promise<Channels>, outcome: RemediationOutcome): Promise<Rehearsal | DeliveryResult> {
  const { finding, config, env, state } = run;
  const window = capWindow(run.now(), config.remediation.cap.windowMinutes);
  const entry = { resource: `${finding.findingAccount}/${finding.findingRegion}/${resourceKeyOf(finding)}`, subject: subjectOf(finding), playbook: playbookFor(finding.type, config)?.name ?? 'none', outcome, publication: `${finding.id}:${finding.updatedAt}` };
  return settle<SummaryView>(state, {
    pk: summaryKey(window),
    fold: (current) => foldSummary(current, window, entry),
    decide: (view) => decideSummary(view, config, slackMode(config, env)),
    channels,
    deadline: run.deadline,
    now: run.now,
    onPlan: run.logPlan,
  });
}

/** The resource's result with the summary's plans, outcomes and recorded calls after it. */
function merged(resource: Rehearsal | DeliveryResult, summary: Rehearsal | DeliveryResult): Rehearsal | DeliveryResult {
  const recorded = [...(resource.recorded ?? []), ...(summary.recorded ?? [])];
  const outcomes = [...resource.outcomes, ...summary.outcomes];
  if (resource.status === 'dry-run') return { ...resource, outcomes, recorded };
  const plans = [...resource.plans, ...(summary.status === 'dry-run' ? [summary.plan] : summary.plans)];
  return { ...resource, plans, outcomes, ...(recorded.length > 0 ? { recorded } : {}) };
}
