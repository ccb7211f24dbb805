import type { Context } from 'aws-lambda';
import { invocationState, type InvocationState } from '../state/invocation-state.js';
import { deadlineFrom, type Deadline } from '../runtime/deadline.js';
import type { Plan } from '../plan/plan.js';
import { factErrorReporter, logPlan } from './plan-log.js';

// What a function that decides and acts hands its executor about this
// invocation (rollback, tamper, remediate): its view of the state table, the
// Lambda's deadline, its clock, and how it logs plans and reads it went without.

export interface InvocationRun {
  state: InvocationState;
  deadline: Deadline;
  invokedFunctionArn: string | undefined;
  now: () => Date;
  logPlan: (plan: Plan) => Plan;
  onFactError: (call: string, error: unknown) => void;
}

const onFactError = factErrorReporter('deciding with what is known');

export const invocationRun = (
  table: string | undefined,
  now: () => Date,
  dryRun: boolean,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>,
): InvocationRun => ({
  state: invocationState(table, now, dryRun, onFactError),
  deadline: deadlineFrom(() => context.getRemainingTimeInMillis()),
  invokedFunctionArn: context.invokedFunctionArn,
  now,
  logPlan,
  onFactError,
});
