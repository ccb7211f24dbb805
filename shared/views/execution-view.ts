import { isManualApproval, type ActionResult, type BuildEvent, type PipelineEvent, type Trigger } from '../events/types.js';
import type { ActionState, PipelineState, StageState } from '../events/codepipeline.js';
import { buildIdOf } from '../events/codebuild.js';
import { MAX_URL_LENGTH, truncate } from './bounds.js';

// What we know of one pipeline execution, folded from its events in any order.
// EventBridge delivers at least once and out of order, so applying an event
// is idempotent and never moves an entity back to an older state.

export interface Revision {
  commitId?: string;
  url?: string;
  message?: string;
  author?: string;
  branch?: string;
  /** The git tag that triggered the execution (GitLab, GitHub and Bitbucket tag triggers). */
  tag?: string;
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
  /**
   * Why CodeBuild builds of this execution failed, by build id ("project:uuid",
   * the failed action's external execution id). Kept apart from the actions
   * because the build's event may arrive before the action that names it.
   */
  builds?: Record<string, BuildFailure>;
  /** Ids of the events already applied (bounded), so a redelivery is a no-op. */
  applied: string[];
}

const MAX_APPLIED = 200;

/** Why a build failed: its first failed phase, as CodeBuild reported it. Text is capped, so a view stays small. */
export interface BuildFailure {
  buildId: string;
  /** e.g. BUILD, INSTALL, DOWNLOAD_SOURCE. */
  phase: string;
  /** The phase's status when it says more than FAILED, e.g. TIMED_OUT. */
  status?: string;
  /** CodeBuild's status code for the phase, e.g. COMMAND_EXECUTION_ERROR. */
  code?: string;
  /** e.g. "Error while executing command: mvn package. Reason: exit status 1". */
  message?: string;
  /** The build's CloudWatch Logs deep link. */
  logsUrl?: string;
}

const MAX_BUILDS = 10;
const MAX_BUILD_MESSAGE = 1000;
const MAX_BUILD_URL = 1000;

/**
 * A BuildFailure from a failed phase. CodeBuild writes each context as
 * "STATUS_CODE: message" in events, and as {statusCode, message} in
 * BatchGetBuilds: both give the same failure.
 */
export function buildFailure(build: {
  buildId: string;
  phase: string;
  status?: string;
  contexts: { statusCode?: string; message?: string }[];
  logsUrl?: string;
}): BuildFailure {
  const said = build.contexts.filter((c) => (c.statusCode ?? '').trim() || (c.message ?? '').trim());
  const code = said.map((c) => c.statusCode?.trim()).find(Boolean);
  const message = said.map((c) => c.message?.trim()).filter(Boolean).join('\n');
  const failure: BuildFailure = { buildId: buildIdOf(build.buildId), phase: truncate(build.phase, 40) };
  if (build.status && build.status !== 'FAILED') failure.status = truncate(build.status, 40);
  if (code) failure.code = truncate(code, 100);
  if (message) failure.message = truncate(message, MAX_BUILD_MESSAGE);
  if (build.logsUrl && build.logsUrl.length <= MAX_BUILD_URL) failure.logsUrl = build.logsUrl;
  return failure;
}

/** The failure a CodeBuild event reports, when it reports a failed phase. */
export function buildFailureOf(event: BuildEvent): BuildFailure | undefined {
  const p = event.failedPhase;
  if (!p) return undefined;
  const contexts = p.context.map((c) => {
    const colon = c.indexOf(': ');
    const head = colon > 0 ? c.slice(0, colon) : '';
    // "CODE: message" when the head looks like a status code; else it is all message.
    return /^[A-Z][A-Z0-9_]*$/.test(head) ? { statusCode: head, message: c.slice(colon + 2) } : { message: c };
  });
  return buildFailure({ buildId: event.buildArn, phase: p.phase, status: p.status, contexts, logsUrl: event.logsUrl });
}

/** Records why a build of this execution failed; the first report of a build wins (later ones say the same). */
export function applyBuildFailure(view: ExecutionView, failure: BuildFailure | undefined): ExecutionView {
  if (!failure || view.builds?.[failure.buildId]) return view;
  const kept = Object.entries(view.builds ?? {}).slice(-(MAX_BUILDS - 1));
  return { ...view, builds: Object.fromEntries([...kept, [failure.buildId, failure]]) };
}

/** The build a failed CodeBuild action names (its external execution id), if any. */
export function failedBuildOf(action: Pick<ActionView, 'provider' | 'state' | 'result'>): string | undefined {
  const id = action.provider === 'CodeBuild' && action.state === 'FAILED' ? action.result?.externalId : undefined;
  return id ? buildIdOf(id) : undefined;
}

/** Why the build behind a failed action failed, when known. */
export const buildFailureFor = (view: ExecutionView, action: ActionView): BuildFailure | undefined => {
  const id = failedBuildOf(action);
  return id ? view.builds?.[id] : undefined;
};
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
      next.revision = { commitId: t.commitId, message: t.commitMessage, author: t.author, branch: t.branch, tag: t.tag, repository: t.repository, ...view.revision };
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

/** Manual approval actions waiting for a person (recognized by provider: AWS's own samples give them category Deploy too). */
export const pendingApprovals = (view: ExecutionView): ActionView[] =>
  Object.values(view.actions).filter((a) => isManualApproval(a) && a.state === 'STARTED');

/** What is known of a stage, for display. */
export interface StageStatus {
  name: string;
  /**
   * The stage's own state when its events came; else read from its actions; else
   * PENDING (not reached yet), NOT RUN (after a stage that ended the execution)
   * or UNKNOWN (its events have not arrived, or never will: we cannot tell).
   */
  state: StageState | ActionState | 'PENDING' | 'NOT RUN' | 'UNKNOWN';
  timeline?: StageView;
}

const UNSUCCESSFUL = new Set(['FAILED', 'CANCELED', 'STOPPED', 'ABANDONED']);

/** A stage known only from its actions: in progress while one runs, else failed or abandoned if one was. */
function stateFromActions(actions: ActionView[], pipeline: ReturnType<typeof overallState>): StageStatus['state'] {
  for (const state of ['STARTED', 'FAILED', 'ABANDONED', 'CANCELED'] as const) if (actions.some((a) => a.state === state)) return state;
  // Every action seen succeeded: more may follow while the execution runs.
  if (!isTerminal(pipeline)) return 'STARTED';
  return pipeline === 'SUCCEEDED' ? 'SUCCEEDED' : 'UNKNOWN';
}

/** Each stage in order with what is known of it. */
export function stageStatuses(view: ExecutionView): StageStatus[] {
  const pipeline = overallState(view);
  const actionsOf = (stage: string) => Object.values(view.actions).filter((a) => a.stage === stage);
  const known = view.stageOrder.map((name): StageStatus | undefined => {
    const timeline = view.stages[name];
    if (timeline) return { name, state: timeline.state, timeline };
    const actions = actionsOf(name);
    return actions.length > 0 ? { name, state: stateFromActions(actions, pipeline) } : undefined;
  });
  const lastKnown = known.findLastIndex(Boolean);
  return known.map((status, i) => {
    if (status) return status;
    const name = view.stageOrder[i]!;
    // Stages run in order: none runs after one that ended the execution unsuccessfully.
    if (known.slice(0, i).some((s) => s && UNSUCCESSFUL.has(s.state))) return { name, state: 'NOT RUN' };
    return { name, state: !isTerminal(pipeline) && i > lastKnown ? 'PENDING' : 'UNKNOWN' };
  });
}

/** The action failure that explains the execution's failure: the latest failed action. */
export function latestFailure(view: ExecutionView): ActionView | undefined {
  return Object.values(view.actions)
    .filter((a) => a.state === 'FAILED')
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
}

/** Adds enrichment facts; event data wins over facts where both exist. */
export function applyFacts(
  view: ExecutionView,
  facts: { revision?: Revision; stageOrder?: string[]; results?: Record<string, ActionResult>; failedActions?: Record<string, ActionView> },
): ExecutionView {
  let next = view;
  // Failed actions CodePipeline lists whose FAILED events have not arrived (the execution's FAILED came first).
  for (const [key, failed] of Object.entries(facts.failedActions ?? {})) {
    if (!supersedes(next.actions[key], failed.state, failed.at)) continue;
    next = { ...next, actions: { ...next.actions, [key]: { ...failed, result: boundResult(failed.result) } } };
    if (!next.stageOrder.includes(failed.stage)) next = { ...next, stageOrder: [...next.stageOrder, failed.stage] };
  }
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
