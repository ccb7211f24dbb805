import type { RollbackEvent } from '../../../shared/events/types';
import { applyServiceEvent, emptyServiceView, type ServiceView } from '../../../shared/views/service-view';
import { at, BAD_DEPLOYMENT, BAD_REVISION, sample } from '../../helpers/rollback-events';

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
