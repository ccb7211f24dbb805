import { CodePipelineClient, GetPipelineStateCommand, ListActionExecutionsCommand, type ActionExecutionDetail } from '@aws-sdk/client-codepipeline';
import type { ApprovalFacts, ApprovalSubject } from '../policies/approval.js';
import { clientFor, type Place } from '../runtime/aws.js';
import type { IamNeed } from '../runtime/iam.js';
import { approvalFacts } from './approval.js';

// What a PutApprovalResult made outside cicd-guardian approved: the execution
// whose approval it decided (the one to stop if the approval broke the policy),
// then what the approval gate reads of it (who started it, its source revision).
// Not "the stage's latest execution": with QUEUED or PARALLEL execution modes, or
// a later execution reaching the stage, that may be another one. The approval's
// token names its action execution while GetPipelineState still shows it; else
// ListActionExecutions (which carries no token, and whose filter needs the very
// execution id sought) is read for the action's executions, and the one decided
// at the call's time (by its caller, where it says) is it. A failure is reported
// in `unreadable`, never thrown: the decision then alerts.

/** Reads the approval action's state and executions on the pipelines approval policies govern (the approval facts declare the rest). */
export const APPROVED_EXECUTION_IAM: IamNeed[] = [
  { actions: ['codepipeline:GetPipelineState', 'codepipeline:ListActionExecutions'], resources: 'approvalPipelines', why: 'which execution a PutApprovalResult outside cicd-guardian decided' },
];

/** A PutApprovalResult as CloudTrail recorded it. */
export interface ApprovalCall extends ApprovalSubject {
  /** requestParameters.token. */
  token?: string;
  /** eventTime. */
  at: Date;
  /** The caller's ARN. */
  by?: string;
  status: 'Approved' | 'Rejected';
}

/** How far from the call's time the decided action execution's last update may be (CloudTrail's eventTime is the call's, to the second). */
const WITHIN_MS = 2 * 60_000;
/** ListActionExecutions pages read at most (newest first, 100 each): an approval waits at most 7 days, while other actions run. */
const MAX_PAGES = 5;

/**
 * The pipeline execution whose approval `call` decided, among the pipeline's action executions: the one with
 * the token's action execution id, else the action's execution decided (Succeeded for Approved, Failed for
 * Rejected) closest to the call's time and within WITHIN_MS, by the caller where the detail names who; else why not.
 */
export function decidedExecution(call: ApprovalCall, details: ActionExecutionDetail[], tokenActionExecutionId?: string): { executionId: string } | { why: string } {
  const mine = details.filter((d) => d.stageName === call.stage && d.actionName === call.action && d.pipelineExecutionId);
  const byToken = tokenActionExecutionId ? mine.find((d) => d.actionExecutionId === tokenActionExecutionId) : undefined;
  if (byToken) return { executionId: byToken.pipelineExecutionId! };
  const decided = call.status === 'Approved' ? 'Succeeded' : 'Failed';
  const distance = (d: ActionExecutionDetail) => Math.abs((d.lastUpdateTime?.getTime() ?? Infinity) - call.at.getTime());
  const near = mine.filter((d) => d.status === decided && distance(d) <= WITHIN_MS && (!d.startTime || d.startTime.getTime() <= call.at.getTime()));
  const byCaller = call.by ? near.filter((d) => d.updatedBy === call.by) : [];
  const candidates = (byCaller.length > 0 ? byCaller : near.filter((d) => !d.updatedBy || !call.by)).sort((a, b) => distance(a) - distance(b));
  const [best, next] = candidates;
  const where = `${call.stage}/${call.action}`;
  if (!best) return { why: `no execution of ${where} was ${decided.toLowerCase()} within ${WITHIN_MS / 60_000} minutes of ${call.at.toISOString()} (ListActionExecutions, ${mine.length} of its executions read)` };
  if (next && distance(next) === distance(best) && next.pipelineExecutionId !== best.pipelineExecutionId) {
    return { why: `executions ${best.pipelineExecutionId} and ${next.pipelineExecutionId} of ${where} were both decided at ${best.lastUpdateTime?.toISOString()}` };
  }
  return { executionId: best.pipelineExecutionId! };
}

const failure = (call: string, error: unknown) => `${call} failed (${(error as Error).name}: ${(error as Error).message})`;

export async function approvedExecution(place: Place, call: ApprovalCall): Promise<ApprovalFacts> {
  const client = clientFor(CodePipelineClient, place);
  const unreadable: string[] = [];
  // The token names its action execution in GetPipelineState while that is the action's latest.
  let tokenActionExecutionId: string | undefined;
  try {
    const state = await client.send(new GetPipelineStateCommand({ name: call.pipeline }));
    const latest = state.stageStates?.find((s) => s.stageName === call.stage)?.actionStates?.find((a) => a.actionName === call.action)?.latestExecution;
    if (call.token && latest?.token === call.token) tokenActionExecutionId = latest.actionExecutionId;
  } catch (error) {
    unreadable.push(failure('GetPipelineState', error));
  }
  const details: ActionExecutionDetail[] = [];
  let found: ReturnType<typeof decidedExecution> = { why: 'ListActionExecutions was not read' };
  try {
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await client.send(new ListActionExecutionsCommand({ pipelineName: call.pipeline, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
      details.push(...(answer.actionExecutionDetails ?? []));
      found = decidedExecution(call, details, tokenActionExecutionId);
      nextToken = answer.nextToken;
      if ('executionId' in found || !nextToken) break;
    }
  } catch (error) {
    found = { why: failure('ListActionExecutions', error) };
  }
  if (!('executionId' in found)) return { source: {}, unreadable: [...unreadable, found.why] };
  return approvalFacts(place).gather({ pipeline: call.pipeline, stage: call.stage, action: call.action, executionId: found.executionId });
}
