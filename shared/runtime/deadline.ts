/** The time an invocation has left, so retries stop before Lambda kills it. */
export interface Deadline {
  /** Milliseconds left before we must stop starting new work. */
  remainingMs(): number;
}

/** Leaves a margin to record what was done and answer before the Lambda timeout. */
export const deadlineFrom = (getRemainingTimeInMillis: () => number, marginMs = 3000): Deadline => ({
  remainingMs: () => Math.max(0, getRemainingTimeInMillis() - marginMs),
});

/** The work did not end before its deadline. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/** `budgetMs` from now by the wall clock (an answer Slack waits for 3 s), never past `outer` (the Lambda's own). */
export function deadlineIn(budgetMs: number, outer?: Deadline): Deadline {
  const end = Date.now() + budgetMs;
  return { remainingMs: () => Math.max(0, Math.min(end - Date.now(), outer ? outer.remainingMs() : Infinity)) };
}

/** An abort signal for one call: it fires when the deadline passes, so the call cannot outlive it. */
export const signalFor = (deadline: Deadline): AbortSignal => AbortSignal.timeout(Math.max(1, deadline.remainingMs()));

/**
 * `work`, or a DeadlineExceededError naming `what` when the deadline passes first.
 * The work is not stopped by this: its calls carry their own timeouts (signalFor).
 */
export async function within<T>(deadline: Deadline, what: string, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(`${what}: not done within the deadline`)), deadline.remainingMs());
  });
  try {
    return await Promise.race([work(), expired]);
  } finally {
    clearTimeout(timer);
  }
}
