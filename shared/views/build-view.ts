import type { BuildEvent } from '../events/types.js';
import type { BuildFailure, ExecutionView } from './execution-view.js';
import { MAX_URL_LENGTH, pairSafeCut, truncate } from './bounds.js';

// A build's state is its latest event: a late or repeated event never moves it back.
const rank = (s: BuildEvent['status']) => (s === 'IN_PROGRESS' ? 0 : 1);

/** The view of a build no pipeline covers: its latest event, bounded (see boundBuildEvent). */
export function laterBuildEvent(current: BuildEvent | undefined, event: BuildEvent): BuildEvent {
  if (!current) return boundBuildEvent(event);
  if (current.eventId === event.eventId) return current;
  const diff = Date.parse(event.time) - Date.parse(current.time);
  return diff > 0 || (diff === 0 && rank(event.status) > rank(current.status)) ? boundBuildEvent(event) : current;
}

/** Characters of a failed phase's contexts kept: twice what its message shows (1000, see buildFailure), so the message is the same. */
export const BUILD_CONTEXT_CHARS = 2000;
const MAX_TEXT = 1000;
/** Phase names and statuses are short words (BUILD, TIMED_OUT); buildFailure keeps 40 characters of them. */
const MAX_PHASE = 40;

/**
 * The event with its free text capped, so the stored view stays a few KB
 * whatever CodeBuild sends (a failed phase can carry any number of contexts):
 * the contexts to `contextChars` in all, other text to 1000 characters, a logs
 * link too long to show dropped (the message then links the console's page).
 */
export function boundBuildEvent(event: BuildEvent, contextChars = BUILD_CONTEXT_CHARS): BuildEvent {
  const p = event.failedPhase;
  const cap = (s: string | undefined) => (s === undefined ? undefined : truncate(s, MAX_TEXT));
  return {
    ...event,
    initiator: cap(event.initiator),
    sourceVersion: cap(event.sourceVersion),
    logsUrl: event.logsUrl !== undefined && event.logsUrl.length <= MAX_URL_LENGTH ? event.logsUrl : undefined,
    ...(p
      ? { failedPhase: { phase: truncate(p.phase, MAX_PHASE), ...(p.status !== undefined ? { status: truncate(p.status, MAX_PHASE) } : {}), context: firstChars(p.context, contextChars) } }
      : {}),
  };
}

/** The first `max` characters of `texts`, counting one between each. */
function firstChars(texts: string[], max: number): string[] {
  const kept: string[] = [];
  let left = max;
  for (const t of texts) {
    if (left <= 0) break;
    kept.push(t.length <= left ? t : t.slice(0, pairSafeCut(t, left)));
    left -= t.length + 1;
  }
  return kept;
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
