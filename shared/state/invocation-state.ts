import { peekState, stateStore, type StateStore, type SubjectRecord } from './store.js';
import { peekRehearsed } from './dry-run.js';
import type { Deadline } from '../runtime/deadline.js';

/**
 * The state table as one invocation sees it: a real run reads and writes it; a
 * dry-run only reads it (when it is configured, failures tolerated) on top of
 * what it rehearsed in this process, and never writes.
 */
export interface InvocationState {
  dryRun: boolean;
  store(): StateStore;
  /** What the invocation takes as stored for `pk`. */
  read<V>(pk: string): Promise<SubjectRecord<V> | undefined>;
}

export function invocationState(
  table: string | undefined,
  now: () => Date,
  dryRun: boolean,
  onReadError: (call: string, error: unknown) => void,
  /** When given, no call to the table outlives it (an answer Slack waits for). */
  bound?: Deadline,
): InvocationState {
  const store = () => stateStore(table, now, bound);
  const peek = <V>(pk: string) => peekRehearsed<V>(pk, (key) => peekState(table ? store() : undefined, key, onReadError));
  return { dryRun, store, read: (pk) => (dryRun ? peek(pk) : store().get(pk)) };
}
