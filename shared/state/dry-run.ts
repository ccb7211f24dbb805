import type { Delivery } from '../plan/delivery.js';
import type { SubjectRecord } from './store.js';

// A dry-run never writes the state table. What it would have stored (the
// view folded with the event, what the recording sink delivered) is kept in
// this process instead, so a series of events in one process (`npm start
// -- --dry-run`, a warm container) is decided as a real run would decide it:
// one message updated in place, not a new post per event. An entry is used
// only while the table still holds the version it was based on.

const MAX_SUBJECTS = 500;
const rehearsed = new Map<string, SubjectRecord<unknown> & { basedOn: number | undefined }>();

/** What a dry-run takes as stored: its own last rehearsal of the subject, else the table (when readable). */
export async function peekRehearsed<V>(pk: string, peekStored: (pk: string) => Promise<SubjectRecord<V> | undefined>): Promise<SubjectRecord<V> | undefined> {
  const stored = await peekStored(pk);
  const mine = rehearsed.get(pk);
  return mine && mine.basedOn === stored?.version ? (mine as SubjectRecord<V>) : stored;
}

/** Keeps what a dry-run would have stored for the subject, on top of the table's `stored` record. */
export function keepRehearsal<V>(pk: string, stored: SubjectRecord<V> | undefined, view: V, delivery: Delivery): void {
  rehearsed.delete(pk);
  if (rehearsed.size >= MAX_SUBJECTS) rehearsed.delete(rehearsed.keys().next().value!);
  const basedOn = stored && 'basedOn' in stored ? (stored.basedOn as number | undefined) : stored?.version;
  rehearsed.set(pk, { view, delivery, version: (stored?.version ?? 0) + 1, basedOn });
}
