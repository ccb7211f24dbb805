import type { BuildEvent } from '../events/types.js';
import type { BuildFailure, ExecutionView } from './execution-view.js';

// A build's state is its latest event: a late or repeated event never moves it back.
const rank = (s: BuildEvent['status']) => (s === 'IN_PROGRESS' ? 0 : 1);

export function laterBuildEvent(current: BuildEvent | undefined, event: BuildEvent): BuildEvent {
  if (!current) return event;
  if (current.eventId === event.eventId) return current;
  const diff = Date.parse(event.time) - Date.parse(current.time);
  return diff > 0 || (diff === 0 && rank(event.status) > rank(current.status)) ? event : current;
}

/** Which execution a pipeline build belongs to. */
export type ExecutionRef = Pick<ExecutionView, 'pipeline' | 'executionId' | 'account' | 'region'>;

/**
 * A build a pipeline started, stored by build id: its event carries no
 * execution id, so whichever comes first of the build's failure (its event)
 * and the failed action that names it (and so the execution) waits here for
 * the other.
 */
export interface PipelineBuild {
  execution?: ExecutionRef;
  failure?: BuildFailure;
}

export const pipelineBuildKey = (account: string, region: string, buildId: string): string => `PIPELINE-BUILD#${account}#${region}#${buildId}`;

/** The record with the execution the build belongs to; the same object when it already names it. */
export function withExecution(current: PipelineBuild | undefined, execution: ExecutionRef): PipelineBuild {
  if (current?.execution) return current;
  const { pipeline, executionId, account, region } = execution;
  return { ...current, execution: { pipeline, executionId, account, region } };
}

/** The record with why the build failed; the same object when already known. */
export function withFailure(current: PipelineBuild | undefined, failure: BuildFailure): PipelineBuild {
  return current?.failure ? current : { ...current, failure };
}
