import * as z from 'zod/mini';
import { eventOf } from './envelope.js';
import { asStandardSchema, check } from './parse.js';

// EventBridge's "Scheduled Event" (a rule with a schedule expression): the
// envelope, its rule in `resources`, and an empty detail.

const ScheduledEventSchema = eventOf('aws.events', 'Scheduled Event', z.object({}));

export interface ScheduledTick {
  eventId: string;
  /** When the rule fired (the event's time). */
  time: string;
  account: string;
  region: string;
}

export function parseScheduledEvent(raw: unknown): ScheduledTick {
  const e = check(ScheduledEventSchema, raw, 'Scheduled Event');
  return { eventId: e.id, time: e.time, account: e.account, region: e.region };
}

export const ScheduledEventInput = asStandardSchema(parseScheduledEvent);
