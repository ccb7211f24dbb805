import { parseConfig } from '../../../shared/config/load';
import type { RollbackEvent } from '../../../shared/events/types';
import type { ServiceFacts } from '../../../shared/views/service-view';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import { decideRollback, findTrigger, rollbackSettings, servicesFor, servicesToHandle, settledTrigger, unreadableServicePlan, whatIsOwed, type RollbackInputs } from '../../../shared/policies/rollback';
import { applyServiceEvent, emptyServiceView, promoteKnownGood, type ServiceView } from '../../../shared/views/service-view';
import type { Action } from '../../../shared/plan/plan';
import { at, BAD_DEPLOYMENT, BAD_REVISION, GOOD_REVISION, sample } from '../../helpers/rollback-events';

const config = parseConfig(
  {
    rollback: {
      services: [
        {
          cluster: 'payments-prod',
          service: 'payments-api',
          alarms: ['payments-api-5xx'],
          pipeline: { name: 'payments-api', deployStage: 'Deploy', postDeployChecks: ['Verify/SmokeTests'] },
          slack: { channel: '#deployments' },
        },
      ],
    },
  },
  'test',
);
const service = config.rollback.services[0]!;
const settings = (over: object = {}) => ({ ...rollbackSettings(service, config), ...over });

const inFlightFacts = (over: Partial<ServiceFacts> = {}): ServiceFacts => ({
  controller: 'ECS',
  nativeRollbackEnabled: false,
  nativeRollbackInProgress: false,
  deployments: [{ id: BAD_DEPLOYMENT, status: 'PRIMARY', taskDefinition: BAD_REVISION, rolloutState: 'IN_PROGRESS' }],
  inFlight: { serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/abc', status: 'IN_PROGRESS', targetTaskDefinition: BAD_REVISION },
  successfulTaskDefinitions: [{ taskDefinition: GOOD_REVISION }],
  taskDefinitionStatus: { [GOOD_REVISION]: 'ACTIVE' },
  ...over,
});
const settledFacts = (over: Partial<ServiceFacts> = {}): ServiceFacts =>
  inFlightFacts({ inFlight: undefined, deployments: [{ id: BAD_DEPLOYMENT, status: 'PRIMARY', taskDefinition: BAD_REVISION, rolloutState: 'COMPLETED' }], ...over });

const started = () => sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { updatedAt: at(0) });
const completed = (minutes = 5) => sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(minutes) });
const crashed = (minutes: number, n: number) =>
  sample<'ecs-task'>('ecs/task-stopped-exit-code.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/t${n}`, stoppedAt: at(minutes), time: at(minutes) });
const alarm = (minutes: number) => sample<'alarm'>('cloudwatch/alarm-5xx-alarm.json', { stateTimestamp: at(minutes), time: at(minutes) });

const fold = (events: RollbackEvent[], view = emptyServiceView({ account: '123456789012', region: 'us-east-1', cluster: 'payments-prod', service: 'payments-api' })): ServiceView =>
  events.reduce((v, e) => applyServiceEvent(v, e), view);

function decide(events: RollbackEvent[], over: Partial<RollbackInputs> = {}) {
  const view = fold(events);
  return decideRollback({ view, event: events.at(-1)!, settings: settings(), facts: inFlightFacts(), delivery: emptyDelivery(), slackMode: 'bot', now: new Date(at(30)), ...over });
}
const changes = (actions: Action[]) => actions.filter((a) => a.type.startsWith('ecs.') || a.type.startsWith('codedeploy.') || a.type.startsWith('codepipeline.'));
const told = (actions: Action[]) => actions.filter((a) => a.type.startsWith('slack.') || a.type === 'email.publish');
const titleOf = (actions: Action[]) => {
  const m = told(actions).find((a) => a.type === 'slack.upsert' || a.type === 'email.publish');
  return m && 'message' in m ? m.message.title : undefined;
};

describe('which services an event concerns', () => {
  it('maps ECS events by cluster and service, alarms by name, pipeline checks by stage/action', () => {
    expect(servicesFor(started(), config)).toEqual([service]);
    expect(servicesFor(alarm(1), config)).toEqual([service]);
    expect(servicesFor(sample<'alarm'>('cloudwatch/alarm-5xx-alarm.json', { alarmName: 'other' }), config)).toEqual([]);
    expect(servicesFor(sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { service: 'other' }), config)).toEqual([]);
  });
});

describe('which services an event acts on, and whether a request by hand may act', () => {
  const request = (over = {}) => sample<'manual'>('manual/rollback-request.json', over);

  it('gives the settings of each service an event concerns, and none for an event of another service', () => {
    expect(servicesToHandle(started(), config)).toEqual([settings()]);
    expect(servicesToHandle(sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { service: 'other' }), config)).toEqual([]);
  });

  it('refuses a request by hand for a service rollback.services does not list, naming it', () => {
    expect(() => servicesToHandle(request({ service: 'billing-api' }), config)).toThrow('payments-prod/billing-api is not in rollback.services of guardian.yml: cicd-guardian may not roll it back');
  });

  it("lets a request ask for a dry-run, never turn the policy's off", () => {
    expect(servicesToHandle(request({ dryRun: true }), config).map((s) => s.dryRun)).toEqual([true]);
    expect(servicesToHandle(request({ dryRun: false }), config).map((s) => s.dryRun)).toEqual([false]);
    const rehearsing = parseConfig({ dryRun: false, rollback: { defaults: { dryRun: true }, services: [{ cluster: 'payments-prod', service: 'payments-api' }] } }, 'test');
    expect(servicesToHandle(request({ dryRun: false }), rehearsing).map((s) => s.dryRun)).toEqual([true]);
  });
});

describe('whether an event can owe anything (else no ECS read and no lease)', () => {
  const stored = (delivery: Partial<Delivery> = {}) => ({ delivery: { ...emptyDelivery(), ...delivery }, slackMode: 'bot' as const });
  const KEY = `rollback:${BAD_DEPLOYMENT}`;
  const toldInFull = stored({ sent: [KEY, `email:notice:${KEY}`], messages: { [`notice:${KEY}`]: { ts: '1.2', channelId: 'C1', hash: 'h' } } });
  const failing = [started(), crashed(1, 1), crashed(2, 2)];

  it('owes nothing for an event that triggers nothing, and says why', () => {
    const owed = whatIsOwed(fold([started()]), started(), settings(), stored());
    expect(owed.trigger).toBeUndefined();
    expect(owed.nothingOwed).toEqual(expect.any(String));
  });

  it('owes a decision for a trigger not yet told in full, and nothing once it was', () => {
    expect(whatIsOwed(fold(failing), failing.at(-1)!, settings(), stored())).toEqual({ trigger: expect.objectContaining({ deploymentId: BAD_DEPLOYMENT }) });
    expect(whatIsOwed(fold(failing), failing.at(-1)!, settings(), toldInFull).nothingOwed).toBe(`already rolled back for ${BAD_DEPLOYMENT}`);
  });

  it('always owes a decision for a finished deployment (its outcome to report) and in a dry-run', () => {
    const done = completed();
    expect(whatIsOwed(fold([started(), done]), done, settings(), stored()).nothingOwed).toBeUndefined();
    expect(whatIsOwed(fold([started()]), started(), settings(), undefined).nothingOwed).toBeUndefined();
  });

  it("a dry-run that cannot read the service plans nothing and says why", () => {
    const { trigger } = whatIsOwed(fold(failing), failing.at(-1)!, settings(), stored());
    expect(unreadableServicePlan('payments-prod/payments-api', trigger!, new Error('no credentials'))).toEqual({
      subject: 'service payments-prod/payments-api',
      actions: [],
      skipped: [`${trigger!.summary}: would decide a rollback, but the service could not be read: no credentials`],
    });
  });
});

describe('early failure during a deployment', () => {
  it('rolls back once the threshold of failed tasks is reached within the window, stopping the in-flight deployment', () => {
    expect(changes(decide([started(), crashed(2, 1)]).actions)).toEqual([]);
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)]);
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.stopDeployment', key: `rollback:${BAD_DEPLOYMENT}` })]);
    expect(titleOf(plan.actions)).toBe('payments-api rolled back by cicd-guardian');
    const email = plan.actions.find((a) => a.type === 'email.publish');
    const message = email && 'message' in email ? email.message : undefined;
    expect(message?.failure?.summary).toMatch(/exit-code: .*payments-api.*1/);
    expect(message?.links[0]?.url).toMatch(/\/ecs\/v2\/clusters\/payments-prod\/services\/payments-api\/deployments/);
  });

  it('triggers when the failures arrive out of order (the window may lie on either side)', () => {
    const later = crashed(3, 2);
    const earlier = crashed(2, 1);
    expect(changes(decide([started(), later, earlier]).actions).map((a) => a.type)).toEqual(['ecs.stopDeployment']);
  });

  it('does not roll back a deployment ECS no longer reports as in flight (tasks of a settled service crashing)', () => {
    const plan = decide([crashed(2, 1), crashed(3, 2)], { facts: settledFacts() });
    expect(changes(plan.actions)).toEqual([]);
    expect(plan.skipped.join()).toContain('not in flight according to ECS');
  });

  it('does not count SERVICE_TASK_START_IMPAIRED without a deployment in flight (a capacity problem, not a bad revision)', () => {
    expect(fold([sample('ecs/service-task-start-impaired.json')]).signals).toEqual([]);
  });

  it('does not count failures spread wider than the window', () => {
    expect(changes(decide([started(), crashed(1, 1), crashed(30, 2)]).actions)).toEqual([]);
  });

  it('counts the same stopped task once, however often its event arrives', () => {
    const once = crashed(2, 1);
    expect(changes(decide([started(), once, { ...once, eventId: 'redelivered' }]).actions)).toEqual([]);
  });

  it('ignores tasks stopped by scale-in and tasks still running', () => {
    const view = fold([started(), sample('ecs/task-stopped-scale-in.json'), sample('ecs/task-running.json')]);
    expect(view.signals).toEqual([]);
  });

  it('counts SERVICE_TASK_START_IMPAIRED as a failure of the in-flight deployment', () => {
    const plan = decide([started(), crashed(2, 1), sample<'ecs-service-action'>('ecs/service-task-start-impaired.json', { time: at(3) })]);
    expect(changes(plan.actions).map((a) => a.type)).toEqual(['ecs.stopDeployment']);
  });

  it('leaves failures of a deployment that already completed to the alarms', () => {
    expect(findTrigger(fold([started(), completed(1), crashed(2, 1), crashed(3, 2)]), crashed(3, 2), settings())).toBeUndefined();
  });
});

describe('acting on the first conclusive failure', () => {
  const cannotPull = (minutes: number, n: number) =>
    sample<'ecs-task'>('ecs/task-stopped-cannot-pull.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/pull${n}`, stoppedAt: at(minutes), time: at(minutes) });
  const rateLimited = (minutes: number, n: number) => {
    const reason = 'CannotPullContainerError: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit';
    return { ...cannotPull(minutes, n), stoppedReason: reason, containers: [{ name: 'payments-api', lastStatus: 'STOPPED', reason }] };
  };

  it('rolls back on the first task whose image does not exist: no retry would ever start it', () => {
    const plan = decide([started(), cannotPull(1, 1)]);
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.stopDeployment', key: `rollback:${BAD_DEPLOYMENT}` })]);
    const trigger = findTrigger(fold([started(), cannotPull(1, 1)]), cannotPull(1, 1), settings());
    expect(trigger).toMatchObject({ kind: 'task-failures', deploymentId: BAD_DEPLOYMENT, summary: expect.stringMatching(/the image or tag does not exist/) });
  });

  it('waits for the threshold when the service turns conclusive-first off', () => {
    const off = settings({ conclusiveFirst: false });
    expect(changes(decide([started(), cannotPull(1, 1)], { settings: off }).actions)).toEqual([]);
    expect(changes(decide([started(), cannotPull(1, 1), cannotPull(2, 2)], { settings: off }).actions).map((a) => a.type)).toEqual(['ecs.stopDeployment']);
  });

  it('is on by default and can be turned off per service or in rollback.defaults', () => {
    expect(rollbackSettings(service, config).conclusiveFirst).toBe(true);
    const offByDefault = parseConfig({ rollback: { defaults: { conclusiveFirst: false }, services: [{ cluster: 'c', service: 's' }, { cluster: 'c', service: 't', conclusiveFirst: true }] } }, 'test');
    expect(offByDefault.rollback.services.map((s) => rollbackSettings(s, offByDefault).conclusiveFirst)).toEqual([false, true]);
  });

  it('waits for the threshold on an inconclusive start failure (a registry rate limit may pass)', () => {
    expect(changes(decide([started(), rateLimited(1, 1)]).actions)).toEqual([]);
  });

  it('still acts only while the deployment is in flight', () => {
    expect(findTrigger(fold([started(), completed(1), cannotPull(2, 1)]), cannotPull(2, 1), settings())).toBeUndefined();
    const plan = decide([cannotPull(2, 1)], { facts: settledFacts() });
    expect(changes(plan.actions)).toEqual([]);
  });
});

describe('never fighting AWS, never making things worse', () => {
  const failed = () => sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(10) });

  it('stands down when the circuit breaker rolls back by itself, and says so once', () => {
    const plan = decide([started(), failed()], { facts: settledFacts({ nativeRollbackEnabled: true }) });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api is being rolled back by ECS');
    const again = decide([started(), failed()], { facts: settledFacts({ nativeRollbackInProgress: true }), delivery: { ...emptyDelivery(), sent: told(plan.actions).flatMap((a) => ('key' in a ? [a.key] : [])) } });
    expect(told(again.actions).filter((a) => a.type === 'email.publish')).toEqual([]);
  });

  it('rolls a failed deployment back to the last known-good revision, never to the failed one', () => {
    const plan = decide([started(), failed()], { facts: settledFacts({ successfulTaskDefinitions: [{ taskDefinition: BAD_REVISION }, { taskDefinition: GOOD_REVISION }] }) });
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.updateService', taskDefinitionArn: GOOD_REVISION })]);
  });

  it('skips an INACTIVE revision and alerts loudly when nothing good is left', () => {
    const plan = decide([started(), failed()], { facts: settledFacts({ taskDefinitionStatus: { [GOOD_REVISION]: 'INACTIVE' } }) });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api needs a rollback: no known-good revision');
    expect(plan.skipped.join()).toContain('no known-good revision for service payments-prod/payments-api');
  });

  it('rolls back at most once per bad deployment: 20 signals, one rollback', () => {
    const events = [started(), ...Array.from({ length: 20 }, (_, i) => crashed(2 + i / 10, i))];
    const first = decide(events.slice(0, 3));
    const delivery: Delivery = { ...emptyDelivery(), sent: changes(first.actions).map((a) => (a as { key: string }).key), changes: [{ key: `rollback:${BAD_DEPLOYMENT}`, type: 'ecs.stopDeployment', at: at(3) }] };
    // A 1-minute cooldown: only the one-rollback-per-deployment rule can hold the others back.
    for (let i = 3; i < events.length; i++) expect(changes(decide(events.slice(0, i + 1), { delivery, settings: settings({ cooldownMinutes: 1 }) }).actions)).toEqual([]);
  });

  it('alerts instead of rolling back again within the cooldown', () => {
    const delivery: Delivery = { ...emptyDelivery(), changes: [{ key: 'rollback:ecs-svc/earlier', type: 'ecs.updateService', at: at(5), detail: 'ecs-svc/earlier-rollback' }] };
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)], { delivery });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toContain('within the rollback cooldown');
  });

  it('never stops a newer deployment in flight for an older one\'s failures', () => {
    const newer = inFlightFacts({ inFlight: { serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/newer', status: 'IN_PROGRESS', targetTaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:43' } });
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)], { facts: newer });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api has a newer deployment in flight: no rollback');
  });

  it('treats ECS\'s rollback, and the deployment it rolls back to, as rollbacks: an alarm after them alerts, never rolls back', () => {
    const rollingBack = sample<'ecs-deployment'>('ecs/deployment-rollback-in-progress.json', { updatedAt: at(8) });
    const target = rollingBack.nativeRollbackTo!;
    const restored = sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: target, updatedAt: at(12) });
    const view = fold([started(), sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(7) }), rollingBack, restored]);
    expect(view.deployments[rollingBack.deploymentId]?.isRollback).toBe(true);
    expect(view.deployments[target]?.isRollback).toBe(true);
    const plan = decide([started(), sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(7) }), rollingBack, restored, alarm(14)], { facts: settledFacts() });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api rollback is failing: a person must act');
  });

  it('does not keep a deployment "in flight" once a later one finished (ECS completed its rollback under another id)', () => {
    const rollingBack = sample<'ecs-deployment'>('ecs/deployment-rollback-in-progress.json', { updatedAt: at(8) });
    const restored = sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: rollingBack.nativeRollbackTo!, updatedAt: at(12) });
    const next = sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { deploymentId: 'ecs-svc/5555', updatedAt: at(60) });
    const nextDone = sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/5555', updatedAt: at(65) });
    const plan = decide([started(), rollingBack, restored, next, nextDone, alarm(70)], { facts: settledFacts(), now: new Date(at(120)) });
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.updateService' })]);
    expect(plan.actions.some((a) => 'message' in a && a.message.fields.some((f) => f.value === 'ecs-svc/5555'))).toBe(true);
  });

  it('calls a failing rollback of ours what it is, even while ECS shows it as ROLLBACK_REQUESTED', () => {
    const delivery: Delivery = { ...emptyDelivery(), sent: [`rollback:${BAD_DEPLOYMENT}`], changes: [{ key: `rollback:${BAD_DEPLOYMENT}`, type: 'ecs.stopDeployment', at: at(3), detail: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/abc' }] };
    const rollbackDeployment = sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { deploymentId: 'ecs-svc/4444', updatedAt: at(3.5) });
    const crashOf = (m: number, n: number) => ({ ...crashed(m, n), startedBy: 'ecs-svc/4444' });
    const facts = inFlightFacts({ nativeRollbackInProgress: true, deployments: [{ id: 'ecs-svc/4444', status: 'PRIMARY', taskDefinition: GOOD_REVISION, rolloutState: 'IN_PROGRESS' }] });
    const plan = decide([started(), rollbackDeployment, crashOf(5, 1), crashOf(6, 2)], { delivery, facts, settings: settings({ cooldownMinutes: 1 }) });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api rollback is failing: a person must act');
  });

  it('never rolls back a rollback', () => {
    const delivery: Delivery = { ...emptyDelivery(), changes: [{ key: 'rollback:ecs-svc/0', type: 'ecs.updateService', at: at(-60), detail: BAD_DEPLOYMENT }] };
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)], { delivery, settings: settings({ cooldownMinutes: 30 }) });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api rollback is failing: a person must act');
  });

  it('only alerts for EXTERNAL controllers, and stops CodeDeploy deployments with auto-rollback for CODE_DEPLOY', () => {
    const events = [started(), crashed(2, 1), crashed(3, 2)];
    expect(changes(decide(events, { facts: inFlightFacts({ controller: 'EXTERNAL' }) }).actions)).toEqual([]);
    const codeDeploy = decide(events, { facts: inFlightFacts({ controller: 'CODE_DEPLOY', codeDeployDeploymentId: 'd-ABC123' }) });
    expect(changes(codeDeploy.actions)).toEqual([expect.objectContaining({ type: 'codedeploy.stopDeployment', deploymentId: 'd-ABC123' })]);
  });

  it('in per-service dry-run decides and tells, but changes nothing: the rollback is a rehearsal (the recording sink shows its call)', () => {
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)], { settings: settings({ dryRun: true, disableTransition: true }) });
    expect(changes(plan.actions)).toEqual([
      expect.objectContaining({ type: 'ecs.stopDeployment', rehearsal: true }),
      expect.objectContaining({ type: 'codepipeline.disableTransition', rehearsal: true }),
    ]);
    expect(titleOf(plan.actions)).toBe('payments-api would be rolled back (dry-run)');
  });

  it('disables the transition into the deploy stage when asked', () => {
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)], { settings: settings({ disableTransition: true }) });
    expect(changes(plan.actions)).toContainEqual(expect.objectContaining({ type: 'codepipeline.disableTransition', pipeline: 'payments-api', stage: 'Deploy' }));
  });
});

describe('after the deployment: alarms and checks', () => {
  it('rolls back on a mapped alarm within the bake window, and not after it', () => {
    const within = decide([started(), completed(5), alarm(10)], { facts: settledFacts() });
    expect(changes(within.actions)).toEqual([expect.objectContaining({ type: 'ecs.updateService', taskDefinitionArn: GOOD_REVISION })]);
    expect(changes(decide([started(), completed(5), alarm(25)], { facts: settledFacts() }).actions)).toEqual([]);
  });

  it('rolls back when the post-deploy check of the service fails', () => {
    const check = sample<'action'>('codepipeline/action-failed.json', { pipeline: 'payments-api', stage: 'Verify', action: 'SmokeTests', time: at(6) });
    expect(changes(decide([started(), completed(5), check], { facts: settledFacts() }).actions).map((a) => a.type)).toEqual(['ecs.updateService']);
  });

  it('rolls back by hand on request', () => {
    const manual = sample<'manual'>('manual/rollback-request.json', { time: at(7), dryRun: undefined });
    expect(changes(decide([started(), completed(5), manual], { facts: settledFacts() }).actions).map((a) => a.type)).toEqual(['ecs.updateService']);
  });

  it('forgets a known-good revision when a late alarm lands in its bake window', () => {
    const done = applyServiceEvent(fold([started()]), completed(5), { taskDefinitionArn: GOOD_REVISION });
    const promoted = promoteKnownGood(done, 15 * 60_000, new Date(at(21)));
    expect(promoted.knownGood).toBeDefined();
    expect(promoteKnownGood(fold([alarm(10)], promoted), 15 * 60_000, new Date(at(25))).knownGood).toBeUndefined();
  });

  it('records a deployment that survived its bake window as known-good, but not one that alarmed', () => {
    const done = applyServiceEvent(fold([started()]), completed(5), { taskDefinitionArn: GOOD_REVISION });
    expect(promoteKnownGood(done, 15 * 60_000, new Date(at(19))).knownGood).toBeUndefined();
    expect(promoteKnownGood(done, 15 * 60_000, new Date(at(21))).knownGood).toMatchObject({ taskDefinitionArn: GOOD_REVISION, deploymentId: BAD_DEPLOYMENT });
    expect(promoteKnownGood(fold([alarm(10)], done), 15 * 60_000, new Date(at(21))).knownGood).toBeUndefined();
  });
});

describe('saying why nothing is done', () => {
  it('counts failed tasks towards the threshold in the policy\'s terms', () => {
    expect(decide([started(), crashed(2, 1)]).skipped).toEqual([`1 of 2 failed tasks counted for deployment ${BAD_DEPLOYMENT} within 10 min: no rollback yet`]);
  });

  it('names a scale-in as no failure, and a deployment still in progress as nothing to act on', () => {
    expect(decide([started(), sample('ecs/task-stopped-scale-in.json')]).skipped.join()).toMatch(/not a failure \(ServiceSchedulerInitiated\), not counted/);
    expect(decide([started()]).skipped.join()).toMatch(/in progress: only a failed deployment triggers a rollback/);
  });
});

describe('telling people', () => {
  it('replies in the pipeline execution thread when there is one, else posts in the service channel; emails either way', () => {
    const thread = { channelId: 'C0DEPLOY1', ts: '1700000000.000100' };
    const inThread = told(decide([started(), crashed(2, 1), crashed(3, 2)], { thread }).actions);
    expect(inThread.map((a) => a.type).sort()).toEqual(['email.publish', 'slack.reply']);
    // Named by the channel the thread is in (where Slack may refuse it), not by a placeholder.
    expect(inThread.find((a) => a.type === 'slack.reply')).toMatchObject({ channel: 'C0DEPLOY1', thread, broadcast: true });
    const inChannel = told(decide([started(), crashed(2, 1), crashed(3, 2)]).actions);
    expect(inChannel.map((a) => a.type).sort()).toEqual(['email.publish', 'slack.upsert']);
  });

  it('names the failed and restored revisions and the evidence', () => {
    const plan = decide([started(), sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(10) })], { facts: settledFacts() });
    const email = plan.actions.find((a) => a.type === 'email.publish');
    const fields = email && 'message' in email ? Object.fromEntries(email.message.fields.map((f) => [f.label, f.value])) : {};
    expect(fields).toMatchObject({ Service: 'payments-prod/payments-api', 'Failed revision': 'payments-api:42', 'Restored revision': 'payments-api:41' });
  });

  it('names the revision ECS restores when it stops the in-flight deployment (family:revision), not "the revision before"', () => {
    const plan = decide([started(), crashed(2, 1), crashed(3, 2)]);
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.stopDeployment' })]);
    const email = plan.actions.find((a) => a.type === 'email.publish');
    const fields = email && 'message' in email ? Object.fromEntries(email.message.fields.map((f) => [f.label, f.value])) : {};
    expect(fields).toMatchObject({ 'Failed revision': 'payments-api:42', 'Restored revision': 'payments-api:41' });
  });

  it('says what triggered the rollback once: in the Trigger field, with the evidence under it, not again as an error code', () => {
    const email = decide([started(), crashed(2, 1), crashed(3, 2)]).actions.find((a) => a.type === 'email.publish');
    const message = email && 'message' in email ? email.message : undefined;
    expect(message?.fields.find((f) => f.label === 'Trigger')?.value).toBe('2 task failures within 10 min (threshold 2)');
    expect(message?.failure?.errorCode).toBeUndefined();
    expect(message?.failure?.summary).toMatch(/exit-code: /);
  });

  it('replies with the outcome in the thread of its rollback notice, not as a new message', () => {
    const notice = { ts: '1700000000.000200', channelId: 'C0DEPLOY1' };
    const delivery: Delivery = {
      ...emptyDelivery(),
      messages: { [`notice:rollback:${BAD_DEPLOYMENT}`]: notice },
      changes: [{ key: `rollback:${BAD_DEPLOYMENT}`, type: 'ecs.updateService', at: at(10), detail: 'ecs-svc/999' }],
    };
    const done = sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/999', updatedAt: at(14) });
    const slack = told(decide([started(), done], { delivery, facts: undefined }).actions).filter((a) => a.type.startsWith('slack.'));
    expect(slack).toEqual([expect.objectContaining({ type: 'slack.reply', thread: notice, broadcast: false, reply: expect.objectContaining({ text: expect.stringContaining('rollback completed') }) })]);
  });

  it('does not report the stopped deployment\'s own FAILED event, nor an unrelated deployment, as the outcome', () => {
    const delivery: Delivery = { ...emptyDelivery(), changes: [{ key: `rollback:${BAD_DEPLOYMENT}`, type: 'ecs.stopDeployment', at: at(10), detail: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/abc' }] };
    const stoppedFails = sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(11) });
    expect(titleOf(decide([started(), stoppedFails], { delivery, facts: undefined }).actions)).toBeUndefined();
    const unrelated = sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { deploymentId: 'ecs-svc/7777', updatedAt: at(200) });
    const unrelatedDone = sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/7777', updatedAt: at(210) });
    expect(titleOf(decide([started(), unrelated, unrelatedDone], { delivery, facts: undefined }).actions)).toBeUndefined();
  });

  it('reports the outcome when the rollback deployment completes, once', () => {
    const delivery: Delivery = { ...emptyDelivery(), changes: [{ key: `rollback:${BAD_DEPLOYMENT}`, type: 'ecs.updateService', at: at(10), detail: 'ecs-svc/999' }] };
    const done = sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: 'ecs-svc/999', updatedAt: at(14) });
    const plan = decide([started(), done], { delivery, facts: undefined });
    expect(titleOf(plan.actions)).toBe('payments-api rollback completed');
    const sent = told(plan.actions).flatMap((a) => ('key' in a ? [a.key] : []));
    const again = decide([started(), done], { delivery: { ...delivery, sent }, facts: undefined });
    expect(told(again.actions).filter((a) => a.type === 'email.publish')).toEqual([]);
  });
});

describe('after the rollback was made: its follow-ups are owed until delivered', () => {
  const KEY = `rollback:${BAD_DEPLOYMENT}`;
  const events = () => [started(), crashed(2, 1), crashed(3, 2)];
  /** The change succeeded and was recorded; what else was delivered is given. */
  const rolledBack = (over: Partial<Delivery> = {}): Delivery => ({
    ...emptyDelivery(),
    ...over,
    sent: [KEY, ...(over.sent ?? [])],
    changes: [{ key: KEY, type: 'ecs.stopDeployment', at: at(3), detail: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/abc' }],
  });
  const withDisable = settings({ disableTransition: true });

  it('plans the notice, its email and the transition-disable when none was delivered, and no second rollback', () => {
    const plan = decide(events(), { delivery: rolledBack(), settings: withDisable });
    expect(plan.actions.map((a) => a.type).sort()).toEqual(['codepipeline.disableTransition', 'email.publish', 'slack.upsert']);
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'codepipeline.disableTransition', key: `disable:${KEY}` })]);
    expect(titleOf(plan.actions)).toBe('payments-api rolled back by cicd-guardian');
    const email = plan.actions.find((a) => a.type === 'email.publish');
    const fields = email && 'message' in email ? Object.fromEntries(email.message.fields.map((f) => [f.label, f.value])) : {};
    expect(fields).toMatchObject({ 'Failed revision': 'payments-api:42', 'Restored revision': 'payments-api:41', Pipeline: expect.stringMatching(/transition into payments-api\/Deploy disabled/) });
    expect(plan.skipped).toEqual([`already rolled back for ${BAD_DEPLOYMENT}`]);
  });

  it('plans only what was not delivered: the email when the notice was posted, the reply in the pipeline thread when only the email went', () => {
    const posted = rolledBack({ sent: [`disable:${KEY}`], messages: { [`notice:${KEY}`]: { ts: '1.2', channelId: 'C1', hash: 'h' } } });
    expect(decide(events(), { delivery: posted, settings: withDisable }).actions.map((a) => a.type)).toEqual(['email.publish']);
    const thread = { channelId: 'C0DEPLOY1', ts: '1700000000.000100' };
    const emailed = rolledBack({ sent: [`disable:${KEY}`, `email:notice:${KEY}`] });
    expect(decide(events(), { delivery: emailed, settings: withDisable, thread }).actions).toEqual([expect.objectContaining({ type: 'slack.reply', key: `reply:notice:${KEY}`, thread })]);
  });

  it('names the revision UpdateService restored, from the deployment it started', () => {
    const failed = sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(10) });
    const delivery: Delivery = { ...emptyDelivery(), sent: [KEY], changes: [{ key: KEY, type: 'ecs.updateService', at: at(11), detail: 'ecs-svc/5555' }] };
    const facts = settledFacts({
      deployments: [
        { id: 'ecs-svc/5555', status: 'PRIMARY', taskDefinition: GOOD_REVISION, rolloutState: 'IN_PROGRESS' },
        { id: BAD_DEPLOYMENT, status: 'ACTIVE', taskDefinition: BAD_REVISION, rolloutState: 'FAILED' },
      ],
    });
    const email = decide([started(), failed], { delivery, facts }).actions.find((a) => a.type === 'email.publish');
    expect(email && 'message' in email && email.message.fields.find((f) => f.label === 'Restored revision')?.value).toBe('payments-api:41');
  });

  it('plans nothing once the rollback, the transition-disable, the notice and its email were all delivered', () => {
    const all = rolledBack({ sent: [`disable:${KEY}`, `email:notice:${KEY}`], messages: { [`notice:${KEY}`]: { ts: '1.2', channelId: 'C1', hash: 'h' } } });
    expect(decide(events(), { delivery: all, settings: withDisable }).actions).toEqual([]);
  });
});

describe('a deployment whose outcome was fully told needs no ECS read and no lease again', () => {
  const KEY = `rollback:${BAD_DEPLOYMENT}`;
  const inputs = (delivery: Partial<Delivery>, over: object = {}) => ({ settings: settings(over), delivery: { ...emptyDelivery(), ...delivery }, slackMode: 'bot' as const });
  const noticePosted = { [`notice:${KEY}`]: { ts: '1.2', channelId: 'C1', hash: 'h' } };

  it('a rollback is settled only once the change, the transition-disable (when on), the notice and its email are delivered', () => {
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [KEY] }))).toBeUndefined();
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [KEY], messages: noticePosted }))).toBeUndefined();
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [KEY, `email:notice:${KEY}`], messages: noticePosted }))).toBe(`already rolled back for ${BAD_DEPLOYMENT}`);
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [KEY, `email:notice:${KEY}`], messages: noticePosted }, { disableTransition: true }))).toBeUndefined();
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [KEY, `disable:${KEY}`, `email:notice:${KEY}`], messages: noticePosted }, { disableTransition: true }))).toBeDefined();
    // A reply in the pipeline execution's thread tells the channel as well as a message of its own.
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [KEY, `reply:notice:${KEY}`, `email:notice:${KEY}`] }))).toBeDefined();
  });

  it.each(['native', 'superseded', 'external', 'no-target', 'rollback-of-rollback', 'other-family'])('a stand-down (%s) told in Slack and by email is settled', (kind) => {
    const key = `${kind}:${BAD_DEPLOYMENT}`;
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [`email:${key}`] }))).toBeUndefined();
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [`email:${key}`], messages: { [key]: { ts: '1.3', channelId: 'C1', hash: 'h' } } }))).toMatch(new RegExp(`^already decided for ${BAD_DEPLOYMENT}: `));
  });

  it('the stand-downs a decision records are the ones it recognises', () => {
    // ECS is rolling back: the decision alerts once per deployment; that alert, delivered, settles it.
    const failed = sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(10) });
    const plan = decide([started(), failed], { facts: settledFacts({ nativeRollbackInProgress: true }) });
    const sent = told(plan.actions).flatMap((a) => ('key' in a ? [a.key] : []));
    const messages = Object.fromEntries(told(plan.actions).flatMap((a) => (a.type === 'slack.upsert' ? [[a.messageKey ?? a.channel, { ts: '1.4', channelId: 'C1', hash: 'h' }]] : [])));
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent, messages }))).toBe(`already decided for ${BAD_DEPLOYMENT}: ECS is rolling it back by itself, and people were told`);
  });

  it('a cooldown is never settled: it ends', () => {
    const key = `cooldown:${BAD_DEPLOYMENT}`;
    expect(settledTrigger(BAD_DEPLOYMENT, inputs({ sent: [`email:${key}`], messages: { [key]: { ts: '1.5', channelId: 'C1', hash: 'h' } } }))).toBeUndefined();
  });

  it('webhook mode counts the webhook post; no Slack at all, the email alone', () => {
    const key = `native:${BAD_DEPLOYMENT}`;
    expect(settledTrigger(BAD_DEPLOYMENT, { ...inputs({ sent: [`email:${key}`] }), slackMode: 'webhook' })).toBeUndefined();
    expect(settledTrigger(BAD_DEPLOYMENT, { ...inputs({ sent: [`email:${key}`, `webhook:${key}`] }), slackMode: 'webhook' })).toBeDefined();
    expect(settledTrigger(BAD_DEPLOYMENT, { ...inputs({ sent: [`email:${key}`] }), slackMode: 'off' })).toBeDefined();
  });
});

describe('rolling back only to revisions of the family the role may deploy (taskDefinitionFamily, default: the service name)', () => {
  const td = (family: string, revision: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
  const failed = () => sample<'ecs-deployment'>('ecs/deployment-failed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(10) });
  /** ECS's view of a service whose failed deployment runs `failedRevision`, after `history` (newest first). */
  const running = (failedRevision: string, history: string[]) =>
    settledFacts({
      deployments: [{ id: BAD_DEPLOYMENT, status: 'PRIMARY', taskDefinition: failedRevision, rolloutState: 'FAILED' }],
      successfulTaskDefinitions: history.map((taskDefinition) => ({ taskDefinition })),
      taskDefinitionStatus: Object.fromEntries(history.map((h) => [h, 'ACTIVE'])),
    });

  it('after a rename, never picks the known-good revision of the previous family: the newest good one of its own', () => {
    const view = { ...fold([started(), failed()]), knownGood: { taskDefinitionArn: td('payments-legacy', 7), deploymentId: 'ecs-svc/1111', at: at(-100) } };
    const plan = decide([started(), failed()], { view, facts: running(BAD_REVISION, [td('payments-legacy', 7), GOOD_REVISION]) });
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.updateService', taskDefinitionArn: GOOD_REVISION })]);
  });

  it('a service running another family than the configured one: alerts naming the fix in guardian.yml, instead of an UpdateService IAM would deny', () => {
    const plan = decide([started(), failed()], { facts: running(td('prod-payments-api-task', 42), [td('prod-payments-api-task', 41)]) });
    expect(changes(plan.actions)).toEqual([]);
    expect(titleOf(plan.actions)).toBe('payments-api needs a rollback cicd-guardian may not deploy (task definition family)');
    expect(plan.skipped.join()).toMatch(/payments-prod\/payments-api runs task definition family prod-payments-api-task, but cicd-guardian may deploy only family payments-api .*set taskDefinitionFamily: prod-payments-api-task/);
    expect(told(plan.actions).map((a) => ('key' in a ? a.key : a.messageKey))).toContain(`email:other-family:${BAD_DEPLOYMENT}`);
  });

  it('with taskDefinitionFamily set to the family the service runs, rolls back to its newest good revision', () => {
    const plan = decide([started(), failed()], { settings: settings({ taskDefinitionFamily: 'prod-payments-api-task' }), facts: running(td('prod-payments-api-task', 42), [td('prod-payments-api-task', 41)]) });
    expect(changes(plan.actions)).toEqual([expect.objectContaining({ type: 'ecs.updateService', taskDefinitionArn: td('prod-payments-api-task', 41) })]);
  });

  it('when the only good revisions are of another family, alerts naming the family instead of "no known-good revision"', () => {
    const plan = decide([started(), failed()], { facts: running(BAD_REVISION, [td('payments-legacy', 7)]) });
    expect(changes(plan.actions)).toEqual([]);
    expect(plan.skipped.join()).toMatch(/the newest good revision, payments-legacy:7, is of family payments-legacy, and cicd-guardian may deploy only family payments-api/);
  });

  it('stopping an in-flight deployment needs no task definition: the family does not matter', () => {
    const facts = inFlightFacts({ deployments: [{ id: BAD_DEPLOYMENT, status: 'PRIMARY', taskDefinition: td('prod-payments-api-task', 42), rolloutState: 'IN_PROGRESS' }], inFlight: { serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/abc', status: 'IN_PROGRESS', targetTaskDefinition: td('prod-payments-api-task', 42) } });
    expect(changes(decide([started(), crashed(2, 1), crashed(3, 2)], { facts }).actions).map((a) => a.type)).toEqual(['ecs.stopDeployment']);
  });

  describe('when a deployment of another family completes', () => {
    const completedOf = (taskDefinitionArn: string) => {
      const event = completed(5);
      return { event, view: applyServiceEvent(fold([started()]), event, { taskDefinitionArn }) };
    };

    it('warns once, before any rollback is needed, that a rollback to it would be denied and how to fix it', () => {
      const { event, view } = completedOf(td('prod-payments-api-task', 42));
      const plan = decide([event], { view, facts: undefined });
      expect(titleOf(plan.actions)).toBe('payments-api runs task definition family prod-payments-api-task: cicd-guardian could not roll it back');
      const email = plan.actions.find((a) => a.type === 'email.publish');
      expect(email && 'message' in email && email.message.summary).toMatch(/set taskDefinitionFamily: prod-payments-api-task for payments-prod\/payments-api in guardian\.yml/i);
      const sent = told(plan.actions).flatMap((a) => ('key' in a ? [a.key] : []));
      const messages = Object.fromEntries(told(plan.actions).flatMap((a) => (a.type === 'slack.upsert' ? [[a.messageKey ?? a.channel, { ts: '1.6', channelId: 'C1', hash: 'h' }]] : [])));
      const again = completedOf(td('prod-payments-api-task', 43));
      const next = decide([again.event], { view: again.view, facts: undefined, delivery: { ...emptyDelivery(), sent, messages } });
      expect(told(next.actions)).toEqual([]);
    });

    it('says nothing when it runs the configured family', () => {
      const { event, view } = completedOf(GOOD_REVISION);
      expect(decide([event], { view, facts: undefined }).actions).toEqual([]);
    });
  });
});
