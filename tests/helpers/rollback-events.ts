import { randomUUID } from 'node:crypto';
import { parseRollbackEvent } from '../../shared/events/parse-rollback';
import type { RollbackEvent } from '../../shared/events/types';
import { loadEvent, type JsonObject } from './fixtures';

/** The in-flight (bad) deployment and revisions the ECS samples in events/ecs use. */
export const BAD_DEPLOYMENT = 'ecs-svc/1234567890123456789';
export const BAD_REVISION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:42';
export const GOOD_REVISION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:41';

/**
 * A sample event from events/, parsed, with a fresh event id and the given
 * changes applied to the normalized event (e.g. another time or task).
 */
export function sample<K extends RollbackEvent['kind']>(path: string, changes: Partial<Extract<RollbackEvent, { kind: K }>> = {}): Extract<RollbackEvent, { kind: K }> {
  const raw = loadEvent<JsonObject>(path);
  if ('id' in raw) raw.id = randomUUID();
  const event = parseRollbackEvent(raw) as Extract<RollbackEvent, { kind: K }>;
  return { ...event, eventId: randomUUID(), ...changes };
}

/** ISO time `minutes` after the samples' deployment started (2025-06-12T14:02:09Z). */
export const at = (minutes: number): string => new Date(Date.parse('2025-06-12T14:02:09.514Z') + minutes * 60_000).toISOString();
