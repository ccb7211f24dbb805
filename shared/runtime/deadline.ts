/** The time an invocation has left, so retries stop before Lambda kills it. */
export interface Deadline {
  /** Milliseconds left before we must stop starting new work. */
  remainingMs(): number;
}

/** Leaves a margin to record what was done and answer before the Lambda timeout. */
export const deadlineFrom = (getRemainingTimeInMillis: () => number, marginMs = 3000): Deadline => ({
  remainingMs: () => Math.max(0, getRemainingTimeInMillis() - marginMs),
});
