import fc from 'fast-check';
import { parseCiEvent } from '../../../shared/events/parse';
import type { ActionExecutionEvent, PipelineEvent } from '../../../shared/events/types';
import {
  applyEvent,
  applyFacts,
  emptyView,
  latestFailure,
  overallState,
  pendingApprovals,
  type ExecutionView,
} from '../../../shared/views/execution-view';
import { listEvents, loadEvent } from '../../helpers/fixtures';

const scenario = (): PipelineEvent[] =>
  listEvents('scenarios/pipeline-fails-in-deploy').map((f) => parseCiEvent(loadEvent(f)) as PipelineEvent);

const fold = (events: PipelineEvent[], start?: ExecutionView) =>
  events.reduce((view, e) => applyEvent(view, e), start ?? emptyView(events[0]!));

/** The view without the bookkeeping of which events were applied (it depends on arrival order). */
const essence = ({ applied: _applied, stageOrder: _order, ...rest }: ExecutionView) => rest;

describe('folding a pipeline execution from its events', () => {
  it('knows the pipeline failed in Deploy, with each stage state and the failure details', () => {
    const view = fold(scenario());
    expect(overallState(view)).toBe('FAILED');
    expect(view.stageOrder).toEqual(['Source', 'Build', 'Deploy']);
    expect(Object.fromEntries(Object.entries(view.stages).map(([k, s]) => [k, s.state]))).toEqual({
      Source: 'SUCCEEDED',
      Build: 'SUCCEEDED',
      Deploy: 'FAILED',
    });
    const failure = latestFailure(view);
    expect(failure).toMatchObject({ stage: 'Deploy', provider: 'ECS', state: 'FAILED' });
    expect(failure?.result?.errorCode).toBeTruthy();
    expect(view.stages.Build?.startedAt).toBeDefined();
    expect(view.stages.Build?.endedAt).toBeDefined();
  });

  it('ignores a redelivered event: the same object comes back', () => {
    const events = scenario();
    const view = fold(events);
    expect(applyEvent(view, events[3]!)).toBe(view);
  });

  it('reaches the same state whatever order the events arrive in, and never goes backwards', () => {
    const events = scenario();
    const expected = essence(fold(events));
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (shuffled) => {
        const view = fold(shuffled);
        expect(essence(view)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a terminal state when an older STARTED arrives late, but learns when it started', () => {
    const events = scenario();
    const started = events.find((e) => e.kind === 'stage' && e.stage === 'Deploy' && e.state === 'STARTED')!;
    const failed = events.find((e) => e.kind === 'stage' && e.stage === 'Deploy' && e.state === 'FAILED')!;
    const view = fold([failed, started]);
    expect(view.stages.Deploy).toMatchObject({ state: 'FAILED', startedAt: started.time, endedAt: failed.time });
  });

  it('follows a retried stage back into progress when the retry is newer than the failure', () => {
    const events = scenario();
    const failed = events.find((e) => e.kind === 'stage' && e.stage === 'Deploy' && e.state === 'FAILED')!;
    const retry: PipelineEvent = { ...failed, eventId: 'retry-1', state: 'STARTED', time: '2099-01-01T00:00:00Z' } as PipelineEvent;
    const view = fold([failed, retry]);
    expect(view.stages.Deploy).toMatchObject({ state: 'STARTED', startedAt: retry.time, endedAt: undefined });
  });

  it('breaks a tie in time by lifecycle: FAILED beats STARTED in the same second', () => {
    const failed = scenario().find((e): e is ActionExecutionEvent => e.kind === 'action' && e.state === 'FAILED')!;
    const sameSecondStart: ActionExecutionEvent = { ...failed, eventId: 'same-second', state: 'STARTED' };
    const key = `${failed.stage}/${failed.action}`;
    expect(fold([failed, sameSecondStart]).actions[key]?.state).toBe('FAILED');
    expect(fold([sameSecondStart, failed]).actions[key]?.state).toBe('FAILED');
  });

  it('lets RESUMED win a same-second tie with the failure it resumes', () => {
    const failed = scenario().find((e) => e.kind === 'pipeline' && e.state === 'FAILED')!;
    const resumed = { ...failed, eventId: 'resumed', state: 'RESUMED' } as PipelineEvent;
    expect(overallState(fold([resumed, failed]))).toBe('RESUMED');
    expect(overallState(fold([failed, resumed]))).toBe('RESUMED');
  });

  it('lists a manual approval as pending until it is approved or rejected', () => {
    const approval = parseCiEvent(loadEvent('codepipeline/approval-needed.json')) as PipelineEvent;
    const view = fold([approval]);
    expect(pendingApprovals(view)).toHaveLength(1);
    const approved = { ...approval, eventId: 'approved', state: 'SUCCEEDED', time: '2099-01-01T00:00:00Z' } as PipelineEvent;
    expect(pendingApprovals(applyEvent(view, approved))).toHaveLength(0);
  });

  it('recognizes a manual approval by its provider Manual, whatever its category (AWS\'s own sample says Deploy)', () => {
    const raw = loadEvent('codepipeline/approval-needed.json');
    ((raw.detail as Record<string, unknown>).type as Record<string, unknown>).category = 'Deploy';
    expect(pendingApprovals(fold([parseCiEvent(raw) as PipelineEvent]))).toHaveLength(1);
  });

  it('takes stage order from the pipeline definition, keeping undefined stages at the end', () => {
    const view = fold(scenario().slice(5, 9)); // Build only
    const enriched = applyFacts(view, { stageOrder: ['Source', 'Build', 'Deploy'] });
    expect(enriched.stageOrder).toEqual(['Source', 'Build', 'Deploy']);
    expect(enriched.stagesDefined).toBe(true);
  });

  it('fills failure details from ListActionExecutions only where the event carried none', () => {
    const failed = scenario().find((e) => e.kind === 'action' && e.state === 'FAILED')!;
    const bare = { ...failed, result: undefined } as PipelineEvent;
    const key = 'kind' in bare && bare.kind === 'action' ? `${bare.stage}/${bare.action}` : '';
    const view = applyFacts(fold([bare]), { results: { [key]: { errorCode: 'JobFailed', summary: 'from the API' } } });
    expect(view.actions[key]?.result).toMatchObject({ errorCode: 'JobFailed', summary: 'from the API' });
    const withEventResult = applyFacts(fold([failed]), { results: { [key]: { summary: 'from the API' } } });
    expect(withEventResult.actions[key]?.result?.summary).not.toBe('from the API');
  });
});
