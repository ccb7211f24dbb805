import type { ChangeAction } from '../plan/plan.js';
import { rollbackError } from '../runtime/aws-errors.js';
import { liveAws, type ActionContext, type AwsCall } from './module.js';


/**
 * Performs one change to AWS and records it (key, type, time and what AWS
 * answered, for the audit trail); an AWS error becomes a RollbackError that
 * names the target, says what to do and whether a retry can help.
 */
export async function performChange<A extends ChangeAction, O>(
  action: A,
  target: string,
  ctx: ActionContext,
  call: AwsCall<O>,
  /** What to keep of AWS's answer (undefined in a dry-run). */
  detailOf: (answer: O | undefined) => string | undefined,
): Promise<true> {
  let detail: string | undefined;
  try {
    detail = detailOf(await (ctx.channels.aws ?? liveAws).call(call));
  } catch (error) {
    throw rollbackError(error, target, call.api);
  }
  const { delivery } = ctx;
  const change = { key: action.key, type: action.type, at: ctx.now().toISOString(), ...(detail ? { detail } : {}) };
  await ctx.done({ ...delivery, sent: [...delivery.sent, action.key], changes: [...(delivery.changes ?? []), change] });
  return true;
}

/**
 * One AWS call of an action made of several (each snapshot, the isolation group
 * before the interfaces): made, or recorded in a dry-run, with the same error meanings.
 */
export async function callAws<O>(target: string, ctx: ActionContext, c: AwsCall<O>): Promise<O | undefined> {
  try {
    return await (ctx.channels.aws ?? liveAws).call(c);
  } catch (error) {
    throw rollbackError(error, target, c.api);
  }
}

export const serviceTarget = (action: { cluster: string; service: string }) => `${action.cluster}/${action.service}`;
export const instanceTarget = (action: { instanceId: string }) => `instance ${action.instanceId}`;
export const stageTarget = (action: { pipeline: string; stage: string }) => `${action.pipeline}/${action.stage}`;

/** An AWS call with its parameters, made by `send` (a dry-run records the parameters instead). */
export const call = <I extends object, O>(api: string, input: I, send: (input: I) => Promise<O>): AwsCall<O> => ({ api, input, send: () => send(input) });
