import type { RollbackEvent } from '../../../shared/events/types';
import { applyServiceEvent, emptyServiceView, fitServiceView, promoteKnownGood, SERVICE_VIEW_BYTES, type ServiceView } from '../../../shared/views/service-view';
import { at, BAD_DEPLOYMENT, BAD_REVISION, GOOD_REVISION, sample } from '../../helpers/rollback-events';

// Folding events into the service view. An event that adds no signal and no
// new fact must return the very same object: the handler then writes nothing,
// which is what keeps a rolling deployment's burst of routine task events
// from contending for the one service item.

const empty = () => emptyServiceView({ account: '123456789012', region: 'us-east-1', cluster: 'payments-prod', service: 'payments-api' });
const fold = (events: RollbackEvent[], view: ServiceView = empty()) => events.reduce((v, e) => applyServiceEvent(v, e), view);

const started = () => sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { updatedAt: at(0) });
const replaced = (n: number) => sample<'ecs-task'>('ecs/task-stopped-scale-in.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/old${n}` });
const running = (n: number) => sample<'ecs-task'>('ecs/task-running.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/new${n}` });
const crashed = (n: number) => sample<'ecs-task'>('ecs/task-stopped-exit-code.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/crash${n}`, stoppedAt: at(2) });

describe('events that change nothing return the same view', () => {
  const known = () => fold([started(), replaced(0), running(0)]);

  it.each<[string, () => RollbackEvent]>([
    ['an old task the deployment replaced, once its task definition is known', () => replaced(1)],
    ['a new task running, once its deployment is known', () => running(1)],
    ['the same deployment state reported again under another event id', () => started()],
    ['an alarm going back to OK', () => sample('cloudwatch/alarm-ok.json')],
    ['a service action other than SERVICE_TASK_START_IMPAIRED', () => sample('ecs/service-steady-state.json')],
    ['a pipeline action that did not fail', () => sample<'action'>('codepipeline/action-failed-smoke-tests.json', { state: 'SUCCEEDED' })],
  ])('%s', (_label, event) => {
    const view = known();
    expect(applyServiceEvent(view, event())).toBe(view);
  });

  it('the same failure arriving again (a redelivery, under a new event id)', () => {
    const crash = crashed(1);
    const view = fold([started(), crash]);
    expect(applyServiceEvent(view, { ...crash, eventId: 'redelivered' })).toBe(view);
  });
});

describe('events that add a signal or a fact change the view', () => {
  it('a failed task adds a signal', () => {
    const view = fold([started()]);
    const next = applyServiceEvent(view, crashed(1));
    expect(next).not.toBe(view);
    expect(next.signals).toEqual([expect.objectContaining({ kind: 'task-failed', deploymentId: BAD_DEPLOYMENT })]);
  });

  it('the first task of a deployment teaches its task definition', () => {
    const view = fold([started()]);
    const next = applyServiceEvent(view, running(1));
    expect(next).not.toBe(view);
    expect(next.taskDefinitions).toEqual({ [BAD_DEPLOYMENT]: BAD_REVISION });
  });
});

describe('over its bounds, a view gives up task failures before the evidence a bake window reads', () => {
  const BAKE_MS = 15 * 60_000;
  const NEXT = 'ecs-svc/2222222222222222222';
  const completed = () => sample<'ecs-deployment'>('ecs/deployment-completed.json', { deploymentId: BAD_DEPLOYMENT, updatedAt: at(5) });
  const alarm = () => sample<'alarm'>('cloudwatch/alarm-5xx-alarm.json', { stateTimestamp: at(10), time: at(10) });
  /** A task of the next deployment crashing, with a long stopped reason (as a burst of them would). */
  const burstCrash = (n: number) => {
    const e = sample<'ecs-task'>('ecs/task-stopped-exit-code.json', {
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/burst${n}`,
      startedBy: NEXT,
      stoppedAt: at(11 + n / 100),
      time: at(11 + n / 100),
    });
    return { ...e, containers: e.containers.map((c) => ({ ...c, reason: `OutOfMemoryError: ${'x'.repeat(600)}` })) };
  };
  /** A deployment that completed, alarmed within its bake window, then a burst of crashes of the next deployment. */
  const alarmedThenBurst = (crashes: number) => {
    const done = applyServiceEvent(fold([started()]), completed(), { taskDefinitionArn: GOOD_REVISION });
    return fold([alarm(), sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { deploymentId: NEXT, updatedAt: at(11) }), ...Array.from({ length: crashes }, (_, i) => burstCrash(i))], done);
  };

  it('keeps the alarm through a burst of 400 task failures, so the deployment that alarmed is never promoted known-good', () => {
    const view = alarmedThenBurst(400);
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThanOrEqual(SERVICE_VIEW_BYTES);
    expect(view.signals.filter((s) => s.kind === 'alarm')).toHaveLength(1);
    expect(promoteKnownGood(view, BAKE_MS, new Date(at(21))).knownGood).toBeUndefined();
  });

  it('keeps the alarm when compacted harder (a write refused for its size), dropping the oldest task failures first', () => {
    const view = alarmedThenBurst(60);
    const fitted = fitServiceView(view, SERVICE_VIEW_BYTES / 4);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(SERVICE_VIEW_BYTES / 4);
    expect(fitted.signals.filter((s) => s.kind === 'alarm')).toHaveLength(1);
    const tasks = fitted.signals.filter((s) => s.kind === 'task-failed');
    expect(tasks.length).toBeGreaterThan(0);
    // The newest failures stay: the failure window reads those.
    expect(tasks.at(-1)!.key).toBe(view.signals.at(-1)!.key);
    expect(promoteKnownGood(fitted, BAKE_MS, new Date(at(21))).knownGood).toBeUndefined();
  });
});
