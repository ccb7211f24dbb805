import { CodePipelineClient, GetPipelineExecutionCommand, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import type { ApprovalFacts } from '../policies/approval.js';
import { clientFor, type Place } from '../runtime/aws.js';
import type { IamNeed } from '../runtime/iam.js';

// What a PutApprovalResult made outside cicd-guardian approved: the execution
// waiting in that stage (the one to stop if the approval broke the policy), who
// started it and its source revision (for the self-approval and source checks).
// Read right after the call: the stage's latest execution is the approved one.
// A failure is reported in `unreadable`, never thrown: the decision then alerts.

/** What ApprovedExecutionFacts reads, on the protected pipelines. */
export const APPROVED_EXECUTION_FACTS_IAM: IamNeed[] = [
  { actions: ['codepipeline:GetPipelineState', 'codepipeline:GetPipelineExecution'], resources: 'protectedPipelines' },
];

export async function approvedExecution(place: Place, approval: { pipeline: string; stage: string; action: string; token?: string }): Promise<ApprovalFacts> {
  const client = clientFor(CodePipelineClient, place);
  const facts: ApprovalFacts = { source: {}, unreadable: [] };
  try {
    const state = await client.send(new GetPipelineStateCommand({ name: approval.pipeline }));
    const stage = state.stageStates?.find((s) => s.stageName === approval.stage);
    const executionId = stage?.latestExecution?.pipelineExecutionId;
    if (executionId) facts.pipelineExecutionId = executionId;
    else facts.unreadable.push(`GetPipelineState shows no execution in stage ${approval.stage}`);
  } catch (error) {
    facts.unreadable.push(`GetPipelineState failed: ${(error as Error).message}`);
  }
  if (!facts.pipelineExecutionId) return facts;
  try {
    const { pipelineExecution } = await client.send(new GetPipelineExecutionCommand({ pipelineName: approval.pipeline, pipelineExecutionId: facts.pipelineExecutionId }));
    const trigger = pipelineExecution?.trigger;
    // StartPipelineExecution's trigger detail is its caller's ARN.
    if (trigger?.triggerType === 'StartPipelineExecution' && trigger.triggerDetail?.startsWith('arn:')) facts.startedBy = trigger.triggerDetail;
    const revision = pipelineExecution?.artifactRevisions?.[0];
    if (revision?.revisionId) facts.source.commitId = revision.revisionId;
    if (revision?.revisionSummary) facts.source.commitMessage = revision.revisionSummary;
  } catch (error) {
    facts.unreadable.push(`GetPipelineExecution failed: ${(error as Error).message}`);
  }
  return facts;
}
