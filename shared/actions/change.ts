import type { DisableTransitionAction, RollbackAction } from '../plan/plan.js';
import { rollbackError } from '../runtime/aws-errors.js';
import type { ActionContext } from './module.js';

type ChangeAction = RollbackAction | DisableTransitionAction;

/**
 * Performs one change to AWS and records it (key, type, time and what AWS
 * answered, for the audit trail); an AWS error becomes a RollbackError that
 * names the target, says what to do and whether a retry can help.
 */
export async function performChange<A extends ChangeAction>(
  action: A,
  target: string,
  api: string,
  ctx: ActionContext,
  call: () => Promise<string | undefined>,
): Promise<true> {
  let detail: string | undefined;
  try {
    detail = await call();
  } catch (error) {
    throw rollbackError(error, target, api);
  }
  const { delivery } = ctx;
  const change = { key: action.key, type: action.type, at: new Date().toISOString(), ...(detail ? { detail } : {}) };
  await ctx.done({ ...delivery, sent: [...delivery.sent, action.key], changes: [...(delivery.changes ?? []), change] });
  return true;
}

export const serviceTarget = (action: { cluster: string; service: string }) => `${action.cluster}/${action.service}`;
