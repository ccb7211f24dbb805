import type { ActionResult, PipelineEvent, Trigger } from '../events/types.js';
import type { ActionState, PipelineState, StageState } from '../events/codepipeline.js';
import { MAX_URL_LENGTH, truncate } from '../messages/text.js';

// What we know of one pipeline execution, folded from its events in any order.
// EventBridge delivers at least once and out of order, so applying an event
// is idempotent and never moves an entity back to an older state.

export interface Revision {
  commitId?: string;
  url?: string;
  message?: string;
  author?: string;
  branch?: string;
  repository?: string;
}

interface Timeline<S extends string> {
  state: S;
  /** Time of the event that set `state`. */
  at: string;
  startedAt?: string;
  endedAt?: string;
}

export type StageView = Timeline<StageState>;

export interface ActionView extends Timeline<ActionState> {
  stage: string;
  action: string;
  category: string;
  provider: string;
  result?: ActionResult;
}

export interface ExecutionView {
  pipeline: string;
  executionId: string;
  account: string;
  region: string;
  pipelineState?: Timeline<PipelineState>;
  trigger?: Trigger;
  stages: Record<string, StageView>;
  /** Stage names in pipeline order, once known (GetPipeline); else first-start order. */
  stageOrder: string[];
  /** True once stageOrder comes from the pipeline's definition. */
  stagesDefined?: boolean;
  actions: Record<string, ActionView>;
  revision?: Revision;
  /** Ids of the events already applied (bounded), so a redelivery is a no-op. */
  applied: string[];
}

const MAX_APPLIED = 200;

// Bounds: the view is stored in one DynamoDB item (refused over 400 KB; each
// write costs a unit per KB), so free text is capped where it enters the view
// and the whole view is kept within a byte budget (see fitExecutionView).
/** Serialized view, at most: with the delivery record, the item stays under 64 KB. */
export const EXECUTION_VIEW_BYTES = 44 * 1024;
/** CodePipeline's own limit for an action's external execution summary: nothing shown is lost. */
const MAX_SUMMARY = 2048;
/** Commit messages (the message shows their first line), error codes, ids, trigger details. */
const MAX_TEXT = 1000;

const cap = (s: string | undefined, max: number) => (s === undefined ? undefined : truncate(s, max));
/** Longer links are never shown (safeUrl drops them): not kept either. */
const capUrl = (url: string | undefined) => (url !== undefined && url.length > MAX_URL_LENGTH ? undefined : url);

function boundResult(r: ActionResult | undefined): ActionResult | undefined {
  if (!r) return r;
  return definedOnly({ externalUrl: capUrl(r.externalUrl), summary: cap(r.summary, MAX_SUMMARY), externalId: cap(r.externalId, MAX_TEXT), errorCode: cap(r.errorCode, MAX_TEXT) });
}

const boundTrigger = (t: Trigger): Trigger => definedOnly({ ...t, detail: cap(t.detail, MAX_TEXT), commitMessage: cap(t.commitMessage, MAX_TEXT) });
const boundRevision = (r: Revision): Revision => definedOnly({ ...r, message: cap(r.message, MAX_TEXT), url: capUrl(r.url) });

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/**
 * The view within `maxBytes`, giving up first what the message never shows:
 * old event ids (redeliveries that old are rare), then results of actions
 * that did not fail, then the summaries beyond a short head, then finished
 * actions that did not fail.
 */
export function fitExecutionView(view: ExecutionView, maxBytes = EXECUTION_VIEW_BYTES): ExecutionView {
  if (bytes(view) <= maxBytes) return view;
  // Down to 7/8 of the budget, so the next events fit without compacting again.
  maxBytes = Math.floor((maxBytes * 7) / 8);
  const mapActions = (f: (a: ActionView) => ActionView | undefined) =>
    Object.fromEntries(
      Object.entries(next.actions).flatMap(([k, a]) => {
        const kept = f(a);
        return kept ? [[k, kept]] : [];
      }),
    );
  let next: ExecutionView = { ...view, applied: view.applied.slice(-50) };
  const steps: (() => ExecutionView)[] = [
    () => ({ ...next, actions: mapActions((a) => (a.state === 'FAILED' ? a : { ...a, result: undefined })) }),
    () => ({ ...next, actions: mapActions((a) => ({ ...a, result: boundResultTo(a.result, 200) })) }),
    () => ({ ...next, actions: mapActions((a) => (a.state === 'FAILED' || !isTerminal(a.state) ? a : undefined)) }),
  ];
  for (const step of steps) {
    if (bytes(next) <= maxBytes) break;
    next = step();
  }
  return next;
}

const boundResultTo = (r: ActionResult | undefined, max: number) => r && definedOnly({ ...r, summary: cap(r.summary, max), externalId: cap(r.externalId, max), errorCode: cap(r.errorCode, max) });
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'STOPPED', 'SUPERSEDED', 'ABANDONED']);
/** Lifecycle order for same-second ties. RESUMED only ever follows a terminal state, so it wins. */
const rank = (state: string): number => (state === 'RESUMED' ? 4 : TERMINAL.has(state) ? 3 : state === 'STOPPING' ? 2 : 1);
export const isTerminal = (state: string): boolean => TERMINAL.has(state);

/** True when an event (state at time `at`) is newer than the current timeline. Ties go to the later state in the lifecycle. */
function supersedes(current: Timeline<string> | undefined, state: string, at: string): boolean {
  if (!current) return true;
  const diff = Date.parse(at) - Date.parse(current.at);
  return diff > 0 || (diff === 0 && rank(state) > rank(current.state));
}

function advance<S extends string>(current: Timeline<S> | undefined, state: S, at: string): Timeline<S> | undefined {
  if (supersedes(current, state, at)) {
    const starting = !isTerminal(state) && state !== 'STOPPING';
    return {
      state,
      at,
      // A newer start is a new attempt (a retry, or a re-run approval): its own start time.
      startedAt: starting ? at : current?.startedAt,
      endedAt: isTerminal(state) ? at : undefined,
    };
  }
  // An older event can still tell us when something started.
  if (current && !current.startedAt && (state === 'STARTED' || state === 'RESUMED')) return { ...current, startedAt: at };
  return undefined;
}

/** The state-table key of a pipeline execution. */
export const executionKey = (e: { account: string; region: string; pipeline: string; executionId: string }): string =>
  `EXEC#${e.account}#${e.region}#${e.pipeline}#${e.executionId}`;

export function emptyView(e: Pick<PipelineEvent, 'pipeline' | 'executionId' | 'account' | 'region'>): ExecutionView {
  return { pipeline: e.pipeline, executionId: e.executionId, account: e.account, region: e.region, stages: {}, stageOrder: [], actions: {}, applied: [] };
}

export const actionKey = (stage: string, action: string): string => `${stage}/${action}`;

/** Folds one event into the view, within its byte budget. Returns the same object when the event changes nothing. */
export function applyEvent(view: ExecutionView, event: PipelineEvent): ExecutionView {
  const next = foldEvent(view, event);
  return next === view ? view : fitExecutionView(next);
}

function foldEvent(view: ExecutionView, event: PipelineEvent): ExecutionView {
  if (view.applied.includes(event.eventId)) return view;
  const next: ExecutionView = { ...view, applied: [...view.applied, event.eventId].slice(-MAX_APPLIED) };
  if (!next.trigger && event.trigger) {
    next.trigger = boundTrigger(event.trigger);
    // Git-triggered executions name their commit: no API call needed for it.
    const t = next.trigger;
    if (t.commitId && !view.revision?.commitId) {
      next.revision = { commitId: t.commitId, message: t.commitMessage, author: t.author, branch: t.branch ?? t.tag, repository: t.repository, ...view.revision };
    }
  }

  if (event.kind === 'pipeline') {
    const t = advance(view.pipelineState, event.state, event.time);
    if (t) next.pipelineState = t;
    return next;
  }

  if (!view.stageOrder.includes(event.stage)) next.stageOrder = [...view.stageOrder, event.stage];
  if (event.kind === 'stage') {
    const t = advance(view.stages[event.stage], event.state, event.time);
    if (t) next.stages = { ...view.stages, [event.stage]: t };
    return next;
  }

  const key = actionKey(event.stage, event.action);
  const current = view.actions[key];
  const t = advance(current, event.state, event.time);
  if (t) {
    next.actions = {
      ...view.actions,
      [key]: {
        ...t,
        stage: event.stage,
        action: event.action,
        category: event.category,
        provider: event.provider,
        // A result belongs to the attempt that produced it; an older event only fills in startedAt.
        result: !supersedes(current, event.state, event.time)
          ? current?.result
          : (boundResult(event.result) ?? (t.startedAt === current?.startedAt ? current?.result : undefined)),
      },
    };
  }
  return next;
}

/** Stage order from the pipeline's definition; stages seen in events but not defined keep their place at the end. */
export function withStageOrder(view: ExecutionView, definedOrder: string[]): ExecutionView {
  const extra = view.stageOrder.filter((s) => !definedOrder.includes(s));
  return { ...view, stageOrder: [...definedOrder, ...extra], stagesDefined: true };
}

/** The pipeline's state: as reported, or inferred as in progress from stage/action events. */
export function overallState(view: ExecutionView): PipelineState | 'IN_PROGRESS' {
  return view.pipelineState?.state ?? 'IN_PROGRESS';
}

/** Manual approval actions waiting for a person. */
export const pendingApprovals = (view: ExecutionView): ActionView[] =>
  Object.values(view.actions).filter((a) => a.category === 'Approval' && a.provider === 'Manual' && a.state === 'STARTED');

/** The action failure that explains the execution's failure: the latest failed action. */
export function latestFailure(view: ExecutionView): ActionView | undefined {
  return Object.values(view.actions)
    .filter((a) => a.state === 'FAILED')
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
}

/** Adds enrichment facts; event data wins over facts where both exist. */
export function applyFacts(
  view: ExecutionView,
  facts: { revision?: Revision; stageOrder?: string[]; results?: Record<string, ActionResult> },
): ExecutionView {
  let next = view;
  if (facts.revision && !view.revision?.commitId) next = { ...next, revision: boundRevision({ ...view.revision, ...facts.revision }) };
  if (facts.stageOrder) next = withStageOrder(next, facts.stageOrder);
  for (const [key, result] of Object.entries(facts.results ?? {})) {
    const a = next.actions[key];
    if (a && a.state === 'FAILED' && !(a.result?.summary || a.result?.errorCode)) {
      next = { ...next, actions: { ...next.actions, [key]: { ...a, result: boundResult({ ...result, ...definedOnly(a.result) }) } } };
    }
  }
  return next === view ? view : fitExecutionView(next);
}

const definedOnly = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
