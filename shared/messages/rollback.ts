import type { RollbackSettings } from '../config/schema.js';
import type { EcsDeploymentEvent } from '../events/types.js';
import type { RollbackAction } from '../plan/plan.js';
import type { ChangeRecord } from '../plan/delivery.js';
import type { Trigger } from '../views/service-view.js';
import type { MessageModel, Tone } from './model.js';
import { consoleOrigin } from './links.js';

// The neutral messages for rollbacks: what happened to which service, the
// evidence, what was restored, and what a person should check.

export interface RollbackStory {
  settings: RollbackSettings;
  region: string;
  trigger: Trigger;
  failedTaskDefinition?: string;
  dryRun: boolean;
  outcome?: 'rolled-back' | 'dry-run' | 'native' | 'rollback-of-rollback' | 'cooldown' | 'external' | 'no-target' | 'superseded' | 'other-family';
  why?: string;
  restored?: string;
  change?: RollbackAction;
  transitionDisabled?: boolean;
}

const MAX_EVIDENCE = 5;

const FAMILY_FIX =
  'cicd-guardian may deploy only revisions of rollback.services[].taskDefinitionFamily in guardian.yml (default: the service name). Set it to the family the service runs and deploy cicd-guardian again; meanwhile roll back by hand.';

/** "family:revision" of a task definition ARN. */
const revisionOf = (arn: string | undefined): string | undefined => arn?.split('/').pop();

const ecsServiceUrl = (region: string, cluster: string, service: string) =>
  `${consoleOrigin(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/deployments?region=${region}`;

const TITLES: Record<NonNullable<RollbackStory['outcome']>, [string, Tone]> = {
  'rolled-back': ['rolled back by cicd-guardian', 'warning'],
  'dry-run': ['would be rolled back (dry-run)', 'warning'],
  native: ['is being rolled back by ECS', 'warning'],
  'rollback-of-rollback': ['rollback is failing: a person must act', 'failure'],
  cooldown: ['is failing again within the rollback cooldown: a person must act', 'failure'],
  external: ['needs a rollback cicd-guardian cannot do (EXTERNAL controller)', 'failure'],
  'no-target': ['needs a rollback: no known-good revision', 'failure'],
  superseded: ['has a newer deployment in flight: no rollback', 'warning'],
  'other-family': ['needs a rollback cicd-guardian may not deploy (task definition family)', 'failure'],
};

const CHECKS: Record<NonNullable<RollbackStory['outcome']>, string> = {
  'rolled-back': 'Check the failed revision (logs, stopped reasons, alarm) before deploying again.',
  'dry-run': 'Dry-run is on for this service: nothing was changed. Roll back by hand if the evidence holds.',
  native: 'ECS circuit breaker or deployment alarms are rolling back; cicd-guardian stands down. Check why the revision failed.',
  'rollback-of-rollback': 'The revision being restored is failing too: check dependencies, configuration and capacity.',
  cooldown: 'cicd-guardian already rolled this service back recently and will not do it again automatically. Decide by hand.',
  external: 'Roll back with the tool that deploys this service.',
  'no-target': 'No earlier revision is known to be good (or it is INACTIVE). Deploy a good task definition by hand.',
  superseded: 'The failing deployment was replaced by a newer one; watch the newer one.',
  'other-family': FAMILY_FIX,
};

export function describeRollback(story: RollbackStory): MessageModel {
  const { settings: s, trigger } = story;
  const outcome = story.outcome ?? 'rolled-back';
  const [title, tone] = TITLES[outcome];
  const fields = [
    { label: 'Service', value: `${s.cluster}/${s.service}` },
    ...(trigger.deploymentId ? [{ label: 'Deployment', value: trigger.deploymentId }] : []),
    ...(story.failedTaskDefinition ? [{ label: 'Failed revision', value: revisionOf(story.failedTaskDefinition)! }] : []),
    ...(story.restored ? [{ label: 'Restored revision', value: revisionOf(story.restored) ?? story.restored }] : []),
    { label: 'Trigger', value: trigger.summary },
    ...(story.transitionDisabled && s.pipeline ? [{ label: 'Pipeline', value: `transition into ${s.pipeline.name}/${s.pipeline.deployStage} disabled: re-enable it once fixed` }] : []),
  ];
  const evidence = trigger.evidence.slice(-MAX_EVIDENCE).map((e) => `${e.at} ${e.detail}`);
  return {
    title: `${s.service} ${title}`,
    tone,
    summary: story.why && outcome !== 'rolled-back' ? `${story.why}. ${CHECKS[outcome]}` : CHECKS[outcome],
    fields,
    stages: [],
    failure: { summary: evidence.join('\n') },
    links: [{ label: 'Service deployments', url: ecsServiceUrl(story.region, s.cluster, s.service) }],
    context: `cicd-guardian rollback · ${s.cluster}/${s.service}`,
  };
}

export function describeRollbackOutcome(settings: RollbackSettings, change: ChangeRecord, event: EcsDeploymentEvent, ok: boolean): MessageModel {
  return {
    title: `${settings.service} rollback ${ok ? 'completed' : 'FAILED'}`,
    tone: ok ? 'success' : 'failure',
    summary: ok
      ? `The rollback started at ${change.at} finished: the service runs the restored revision.`
      : `The rollback started at ${change.at} failed${event.reason ? `: ${event.reason}` : ''}. A person must act now.`,
    fields: [
      { label: 'Service', value: `${settings.cluster}/${settings.service}` },
      { label: 'Deployment', value: event.deploymentId },
    ],
    stages: [],
    links: [{ label: 'Service deployments', url: ecsServiceUrl(event.region, settings.cluster, settings.service) }],
    context: `cicd-guardian rollback · ${settings.cluster}/${settings.service}`,
  };
}

export function describeRollbackFailure(settings: RollbackSettings, failure: { message: string; hint: string; retryable: boolean; attempted?: boolean }): MessageModel {
  return {
    // A read that failed changed nothing: calling it a failed rollback would send people looking for one.
    title: failure.attempted === false ? `${settings.service} could not be read: no rollback attempted` : `${settings.service} rollback FAILED`,
    tone: 'failure',
    summary: `${failure.hint} ${failure.retryable ? 'cicd-guardian will try again; after its retries the event waits in the dead-letter queue.' : 'Trying again will not help until this is fixed; the event waits in the dead-letter queue for a redrive.'}`,
    fields: [
      { label: 'Service', value: `${settings.cluster}/${settings.service}` },
      { label: 'Error', value: failure.message },
    ],
    stages: [],
    links: [],
    context: `cicd-guardian rollback · ${settings.cluster}/${settings.service}`,
  };
}

/**
 * A deployment completed with a revision of another task definition family than the one cicd-guardian
 * may deploy: said before a rollback to it is needed (and would be denied by IAM).
 */
export function describeFamilyDenied(settings: RollbackSettings, region: string, deploymentId: string, taskDefinition: string, family: string, allowed: string): MessageModel {
  const name = `${settings.cluster}/${settings.service}`;
  return {
    title: `${settings.service} runs task definition family ${family}: cicd-guardian could not roll it back`,
    tone: 'warning',
    summary: `cicd-guardian may deploy only revisions of family ${allowed} for ${name} (rollback.services[].taskDefinitionFamily; default: the service name), so a rollback to a revision of ${family} would be denied. Set taskDefinitionFamily: ${family} for ${name} in guardian.yml and deploy cicd-guardian again.`,
    fields: [
      { label: 'Service', value: name },
      { label: 'Deployment', value: deploymentId },
      { label: 'Running revision', value: revisionOf(taskDefinition) ?? taskDefinition },
      { label: 'Family cicd-guardian may deploy', value: allowed },
    ],
    stages: [],
    links: [{ label: 'Service deployments', url: ecsServiceUrl(region, settings.cluster, settings.service) }],
    context: `cicd-guardian rollback · ${name}`,
  };
}
