import type { BuildEvent } from '../events/types.js';

// A build's state is its latest event: a late or repeated event never moves it back.
const rank = (s: BuildEvent['status']) => (s === 'IN_PROGRESS' ? 0 : 1);

export function laterBuildEvent(current: BuildEvent | undefined, event: BuildEvent): BuildEvent {
  if (!current) return event;
  if (current.eventId === event.eventId) return current;
  const diff = Date.parse(event.time) - Date.parse(current.time);
  return diff > 0 || (diff === 0 && rank(event.status) > rank(current.status)) ? event : current;
}
