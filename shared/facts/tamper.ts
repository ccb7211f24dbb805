import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import type { ApprovalFacts, ApprovalSubject } from '../policies/approval.js';
import { clientFor, type Place } from '../runtime/aws.js';
import type { IamNeed } from '../runtime/iam.js';
import { approvalFacts } from './approval.js';

// What a PutApprovalResult made outside cicd-guardian approved: the execution
// in that stage (the one to stop if the approval broke the policy), then what
// the approval gate reads of it (who started it, its source revision). Read
// right after the call, the stage's latest execution is the approved one.
// A failure is reported in `unreadable`, never thrown: the decision then alerts.

/** Reads the stage's latest execution on the pipelines approval policies govern (the approval facts declare the rest). */
export const APPROVED_EXECUTION_IAM: IamNeed[] = [{ actions: ['codepipeline:GetPipelineState'], resources: 'approvalPipelines' }];

export async function approvedExecution(place: Place, approval: ApprovalSubject): Promise<ApprovalFacts> {
  let executionId: string | undefined;
  let why = `GetPipelineState shows no execution in stage ${approval.stage}`;
  try {
    const state = await clientFor(CodePipelineClient, place).send(new GetPipelineStateCommand({ name: approval.pipeline }));
    executionId = state.stageStates?.find((s) => s.stageName === approval.stage)?.latestExecution?.pipelineExecutionId;
  } catch (error) {
    why = `GetPipelineState failed (${(error as Error).name}: ${(error as Error).message})`;
  }
  if (!executionId) return { source: {}, unreadable: [why] };
  return approvalFacts(place).gather({ ...approval, executionId });
}
