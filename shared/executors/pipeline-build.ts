import type { BuildEvent, PipelineEvent } from '../events/types.js';
import { buildIdOf } from '../events/codebuild.js';
import { actionKey, applyBuildFailure, buildFailureOf, emptyView, executionKey, failedBuildOf, type BuildFailure, type ExecutionView } from '../views/execution-view.js';
import { pipelineBuildKey, withExecution, withFailure, type PipelineBuild } from '../views/build-view.js';
import { emptyDelivery } from '../plan/delivery.js';
import type { Plan } from '../plan/plan.js';
import type { ExecutionFacts } from '../facts/codepipeline.js';
import { buildFacts } from '../facts/codebuild.js';
import { keepRehearsal } from '../state/dry-run.js';
import type { InvocationState } from '../state/invocation-state.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Place } from '../runtime/aws.js';
import { nothingRehearsed, type Rehearsal } from './rehearse.js';

// A failed build a pipeline started, and the pipeline's failed action that
// names it (`external-execution-id`), are joined by build id through a small
// record per build, whichever arrives first.

type OnFactError = (call: string, error: unknown) => void;

/** What a pipeline's build event comes to: nothing to tell yet, or a fold into its execution's view. */
export type BuildJoin =
  | { status: 'ignored' | 'recorded'; reason: string }
  | Rehearsal
  | { status: 'joined'; pk: string; fold: (view: ExecutionView | undefined) => ExecutionView };

/** The build's failure, kept in its record; once the record knows the execution, folded into the execution's view. */
export async function joinBuildToPipeline(event: BuildEvent, pipeline: string, state: InvocationState, deadline: Deadline, onPlan: (plan: Plan) => Plan): Promise<BuildJoin> {
  const failure = buildFailureOf(event);
  const label = `build ${buildIdOf(event.buildArn)} started by pipeline ${pipeline}`;
  if (!failure) return { status: 'ignored', reason: `${label} is ${event.status} with no failed phase: nothing to add to the pipeline's message` };
  const known = await changeBuild(state, pipelineBuildKey(event.account, event.region, failure.buildId), (b) => withFailure(b, failure), deadline);
  const execution = known?.view.execution;
  const waiting = `${label} failed in phase ${failure.phase}: kept until the pipeline's failed action names the build`;
  if (!execution && state.dryRun) return nothingRehearsed(onPlan({ subject: label, actions: [], skipped: [`(dry-run, not recorded) ${waiting}`] }));
  if (!execution) return { status: 'recorded', reason: waiting };
  return { status: 'joined', pk: executionKey(execution), fold: (view) => applyBuildFailure(view ?? emptyView(execution), failure) };
}

/**
 * For a failed CodeBuild action: why its build failed. The build's own event,
 * if it came first, left it in the build's record; else CodeBuild is asked.
 * The record also learns the execution, for a build event that comes later.
 */
export async function failedBuild(
  event: PipelineEvent,
  facts: ExecutionFacts,
  known: ExecutionView | undefined,
  state: InvocationState,
  deadline: Deadline,
  onFactError: OnFactError,
  place: Place | undefined,
): Promise<BuildFailure | undefined> {
  const action =
    event.kind === 'action'
      ? { ...event, result: event.result?.externalId ? event.result : facts.results?.[actionKey(event.stage, event.action)] }
      : // A FAILED execution whose failed action is known only from ListActionExecutions.
        Object.values(facts.failedActions ?? {}).find((a) => failedBuildOf(a));
  const buildId = action && failedBuildOf(action);
  if (!buildId || known?.builds?.[buildId]) return undefined;
  const record = await changeBuild(state, pipelineBuildKey(event.account, event.region, buildId), (b) => withExecution(b, event), deadline);
  return record?.view.failure ?? (place ? await buildFacts(place).failure(buildId, onFactError) : undefined);
}

/** Changes a pipeline build's record; a dry-run keeps the change in this process only. */
async function changeBuild(state: InvocationState, key: string, change: (b: PipelineBuild | undefined) => PipelineBuild, deadline: Deadline) {
  if (!state.dryRun) return (await state.store().updateView<PipelineBuild>(key, change, undefined, { deadline })).record;
  const stored = await state.read<PipelineBuild>(key);
  const view = change(stored?.view);
  keepRehearsal(key, stored, view, stored?.delivery ?? emptyDelivery());
  return { ...stored, view, delivery: stored?.delivery ?? emptyDelivery(), version: stored?.version ?? 0 };
}
