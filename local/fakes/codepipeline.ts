import { createHash } from 'node:crypto';
import type { ActionExecutionDetail, ActionState, PipelineDeclaration, PipelineExecution, PipelineMetadata, StageExecutionStatus, StageState, TransitionState } from '@aws-sdk/client-codepipeline';
import { ACCOUNT } from '../environment';
import { AwsFault, requiredString as required, type AsData, type ServiceFake } from './service-fake';

// CodePipeline over the data file's pipelines and executions (codepipeline.json):
// GetPipeline, GetPipelineExecution, ListActionExecutions and GetPipelineState
// select from them; DisableStageTransition disables the stage's transition
// (GetPipelineState then reads it disabled) and EnableStageTransition
// enables it again; both are recorded as changes.
// A manual approval in progress has a token in GetPipelineState (one per
// action execution); PutApprovalResult with that token approves or rejects
// it (it then reads Succeeded or Failed, with the summary) and is recorded
// as a change; any other token is refused as CodePipeline refuses it.

export interface CodePipelineData {
  /** GetPipeline's answers. */
  pipelines: AsData<{ pipeline: PipelineDeclaration & { name: string }; metadata?: PipelineMetadata }>[];
  /** Executions of those pipelines, each with its ListActionExecutions details, newest first (as the API lists them). */
  executions: AsData<{ execution: PipelineExecution & { pipelineName: string; pipelineExecutionId: string }; actions: ActionExecutionDetail[] }>[];
}
type Execution = CodePipelineData['executions'][number];

/** "Length Constraints: Minimum length of 1. Maximum length of 300. Pattern: [a-zA-Z0-9!@ \(\)\.\*\?\-]+" */
const REASON = /^[a-zA-Z0-9!@ ().*?-]{1,300}$/;

/** The token of an approval action execution: stable per execution, unguessable enough for a local world. */
const tokenOf = (actionExecutionId: string | undefined) => {
  const hex = createHash('sha256').update(`approval:${actionExecutionId ?? ''}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
const isApproval = (a: Execution['actions'][number]) => a.input?.actionTypeId?.category === 'Approval';

export const codepipeline: ServiceFake = (data, { now, change }) => {
  const { pipelines = [], executions = [] } = data as Partial<CodePipelineData>;
  /** Stage transitions DisableStageTransition disabled, by "pipeline/stage/Inbound|Outbound". */
  const transitions = new Map<string, AsData<TransitionState>>();

  const pipelineOf = (name: unknown) => {
    const found = pipelines.find((p) => p.pipeline.name === name);
    if (!found) throw new AwsFault(400, 'PipelineNotFoundException', `Account '${ACCOUNT}' does not have a pipeline with name '${String(name)}'`);
    return found;
  };
  const runsOf = (name: string) => executions.filter((e) => e.execution.pipelineName === name);
  const executionOf = (pipeline: unknown, id: unknown) => {
    pipelineOf(pipeline);
    const found = executions.find((e) => e.execution.pipelineName === pipeline && e.execution.pipelineExecutionId === id);
    if (!found) throw new AwsFault(400, 'PipelineExecutionNotFoundException', `Pipeline execution with id '${String(id)}' does not exist in pipeline '${String(pipeline)}'`);
    return found;
  };

  /** GetPipelineState's stage state: the latest execution that ran the stage, and the state of its actions. */
  function stageState(pipelineName: string, stageName: string): AsData<StageState> {
    const started = (a: Execution['actions'][number]) => Date.parse(a.startTime ?? '') || 0;
    // The world as it is now (the replay clock): an execution a later event of the scenario starts has not run yet.
    const begun = (a: Execution['actions'][number]) => started(a) <= now().getTime();
    const latest = runsOf(pipelineName)
      .map((run) => ({ run, actions: run.actions.filter((a) => a.stageName === stageName && begun(a)) }))
      .filter((r) => r.actions.length > 0)
      .sort((a, b) => Math.max(...b.actions.map(started)) - Math.max(...a.actions.map(started)))[0];
    const inboundTransitionState = transitions.get(`${pipelineName}/${stageName}/Inbound`) ?? { enabled: true };
    if (!latest) return { stageName, inboundTransitionState, actionStates: [] };
    const statuses = latest.actions.map((a) => a.status);
    const status: StageExecutionStatus = statuses.includes('Failed') ? 'Failed' : statuses.includes('InProgress') ? 'InProgress' : statuses.includes('Abandoned') ? 'Stopped' : 'Succeeded';
    const actionStates: AsData<ActionState>[] = latest.actions.map((a) => {
      const result = a.output?.executionResult;
      return {
        actionName: a.actionName,
        latestExecution: {
          actionExecutionId: a.actionExecutionId,
          status: a.status,
          lastStatusChange: a.lastUpdateTime,
          externalExecutionId: result?.externalExecutionId,
          externalExecutionUrl: result?.externalExecutionUrl,
          summary: result?.externalExecutionSummary,
          errorDetails: result?.errorDetails,
          ...(isApproval(a) && a.status === 'InProgress' ? { token: tokenOf(a.actionExecutionId) } : {}),
        },
      };
    });
    return { stageName, inboundTransitionState, actionStates, latestExecution: { pipelineExecutionId: latest.run.execution.pipelineExecutionId, status } };
  }

  return {
    GetPipelineExecution: (input) => ({ pipelineExecution: executionOf(required(input, 'pipelineName'), required(input, 'pipelineExecutionId')).execution }),
    GetPipeline: (input) => pipelineOf(required(input, 'name')),
    ListActionExecutions: (input) => {
      const name = required(input, 'pipelineName');
      const filter = input.filter as { pipelineExecutionId?: string } | undefined;
      const max = typeof input.maxResults === 'number' ? input.maxResults : 100;
      const details = filter?.pipelineExecutionId ? executionOf(name, filter.pipelineExecutionId).actions : runsOf(pipelineOf(name).pipeline.name).flatMap((e) => e.actions);
      return { actionExecutionDetails: details.slice(0, max) };
    },
    GetPipelineState: (input) => {
      const { pipeline, metadata } = pipelineOf(required(input, 'name'));
      return {
        pipelineName: pipeline.name,
        pipelineVersion: pipeline.version,
        stageStates: (pipeline.stages ?? []).map((stage) => stageState(pipeline.name, stage.name!)),
        created: metadata?.created,
        updated: metadata?.updated,
      };
    },
    PutApprovalResult: (input) => {
      const [pipelineName, stageName, actionName, token] = ['pipelineName', 'stageName', 'actionName', 'token'].map((name) => required(input, name)) as [string, string, string, string];
      const result = input.result as { status?: string; summary?: string } | undefined;
      if (result?.status !== 'Approved' && result?.status !== 'Rejected') {
        throw new AwsFault(400, 'ValidationException', `1 validation error detected: Value at 'result.status' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected]`);
      }
      const summary = result.summary ?? '';
      if (summary.length > 512) throw new AwsFault(400, 'ValidationException', `1 validation error detected: Value at 'result.summary' failed to satisfy constraint: Member must have length less than or equal to 512`);
      pipelineOf(pipelineName);
      const approvals = runsOf(pipelineName)
        .flatMap((run) => run.actions)
        .filter((a) => a.stageName === stageName && a.actionName === actionName && isApproval(a));
      if (approvals.length === 0) throw new AwsFault(400, 'ActionNotFoundException', `Action with name '${actionName}' does not exist in stage '${stageName}' of pipeline '${pipelineName}'`);
      const waiting = approvals.find((a) => a.status === 'InProgress');
      if (!waiting) throw new AwsFault(400, 'ApprovalAlreadyCompletedException', 'The approval action has already been approved or rejected');
      if (tokenOf(waiting.actionExecutionId) !== token) throw new AwsFault(400, 'InvalidApprovalTokenException', 'The approval request already received a response or has expired');
      const at = now().toISOString();
      waiting.status = result.status === 'Approved' ? 'Succeeded' : 'Failed';
      waiting.lastUpdateTime = at;
      waiting.output = { ...waiting.output, executionResult: { ...waiting.output?.executionResult, externalExecutionSummary: summary } };
      change({ service: 'codepipeline', operation: 'PutApprovalResult', target: `${pipelineName}/${stageName}/${actionName}`, detail: { status: result.status, summary } });
      return { approvedAt: at };
    },
    DisableStageTransition: (input) => {
      const [pipelineName, stageName, transitionType, reason] = ['pipelineName', 'stageName', 'transitionType', 'reason'].map((name) => required(input, name)) as [string, string, string, string];
      const { pipeline } = pipelineOf(pipelineName);
      if (!pipeline.stages?.some((st) => st.name === stageName)) throw new AwsFault(400, 'StageNotFoundException', `Stage with name '${stageName}' does not exist in pipeline '${pipelineName}'`);
      if (transitionType !== 'Inbound' && transitionType !== 'Outbound') {
        throw new AwsFault(400, 'ValidationException', `1 validation error detected: Value '${transitionType}' at 'transitionType' failed to satisfy constraint: Member must satisfy enum value set: [Inbound, Outbound]`);
      }
      if (!REASON.test(reason)) {
        throw new AwsFault(400, 'ValidationException', `1 validation error detected: Value at 'reason' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9!@ \\(\\)\\.\\*\\?\\-]+`);
      }
      transitions.set(`${pipelineName}/${stageName}/${transitionType}`, {
        enabled: false,
        disabledReason: reason,
        lastChangedAt: now().toISOString(),
        lastChangedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/cicd-guardian-local-rollback/local`,
      });
      change({ service: 'codepipeline', operation: 'DisableStageTransition', target: `${pipelineName}/${stageName}`, detail: { transitionType, reason } });
      return {};
    },
    EnableStageTransition: (input) => {
      const [pipelineName, stageName, transitionType] = ['pipelineName', 'stageName', 'transitionType'].map((name) => required(input, name)) as [string, string, string];
      const { pipeline } = pipelineOf(pipelineName);
      if (!pipeline.stages?.some((st) => st.name === stageName)) throw new AwsFault(400, 'StageNotFoundException', `Stage with name '${stageName}' does not exist in pipeline '${pipelineName}'`);
      transitions.delete(`${pipelineName}/${stageName}/${transitionType}`);
      change({ service: 'codepipeline', operation: 'EnableStageTransition', target: `${pipelineName}/${stageName}`, detail: { transitionType } });
      return {};
    },
  };
};
