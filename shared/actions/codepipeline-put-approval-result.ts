import { CodePipelineClient, PutApprovalResultCommand } from '@aws-sdk/client-codepipeline';
import type { PutApprovalResultAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import { signalFor } from '../runtime/deadline.js';
import { logger } from '../runtime/observability.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Approves or rejects a manual approval. A token that expired, or an approval
// someone already decided, is a permanent answer: recorded as the outcome and
// never retried (a retry would get the same answer). An approval already
// completed after our own earlier call with the same token (`resent`) is that
// call having landed: done. With `channels.bound`, the call is cut short then.

/** CodePipeline takes a summary of at most 512 characters. */
export const APPROVAL_SUMMARY_CHARS = 512;

/** AWS's answers that no retry can change: the token is stale, or the approval is decided. */
export const PERMANENT_APPROVAL_ERRORS = new Set(['InvalidApprovalTokenException', 'ApprovalAlreadyCompletedException', 'ActionNotFoundException', 'StageNotFoundException', 'PipelineNotFoundException']);

const actionTarget = (a: PutApprovalResultAction) => `${a.pipeline}/${a.stage}/${a.action}`;

export const codePipelinePutApprovalResult: ActionModule<PutApprovalResultAction> = {
  type: 'codepipeline.putApprovalResult',
  kind: 'change',
  order: 1,
  iam: [{ actions: ['codepipeline:PutApprovalResult'], resources: 'approvalActions' }],
  target: actionTarget,
  async perform(action, ctx) {
    const approval = call(
      'codepipeline:PutApprovalResult',
      {
        pipelineName: action.pipeline,
        stageName: action.stage,
        actionName: action.action,
        token: action.token,
        result: { status: action.status, summary: action.summary.slice(0, APPROVAL_SUMMARY_CHARS) },
      },
      (input) => {
        const bound = ctx.channels.bound;
        return clientFor(CodePipelineClient, ctx.channels.place).send(new PutApprovalResultCommand(input), bound ? { abortSignal: signalFor(bound) } : {});
      },
    );
    const landed = { earlier: false };
    const refused = { reason: undefined as string | undefined };
    const permanent = {
      ...approval,
      send: () =>
        approval.send().catch((error: unknown) => {
          const name = (error as Error).name;
          if (action.resent && name === 'ApprovalAlreadyCompletedException') {
            landed.earlier = true;
            return undefined;
          }
          if (!PERMANENT_APPROVAL_ERRORS.has(name)) throw error;
          refused.reason = `${name}: ${(error as Error).message}`;
          return undefined;
        }),
    };
    await performChange(action, actionTarget(action), ctx, permanent, () =>
      refused.reason ? `not ${action.status.toLowerCase()}: ${refused.reason}` : landed.earlier ? `${action.status} (by our earlier call: CodePipeline answered ApprovalAlreadyCompleted)` : action.status,
    );
    if (refused.reason) logger.warn(`PutApprovalResult for ${actionTarget(action)} refused for good, not retried`, { refused: refused.reason });
    return refused.reason === undefined;
  },
  describe: (action) => `${action.status === 'Approved' ? 'approve' : 'reject'} ${actionTarget(action)}: ${action.summary}`,
};
