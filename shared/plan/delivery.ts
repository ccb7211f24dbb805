// What was delivered for a subject: the bookkeeping of carrying out its plans,
// kept with its view in the state table so a retry never repeats a delivery.

/** What was already delivered for a subject (kept with its view in the state table). */
export interface Delivery {
  /** Slack message posted per channel (as configured): its ts, the channel id Slack returned, and a hash of what it shows. */
  messages: Record<string, { ts: string; channelId: string; hash?: string }>;
  /** Keys of replies, webhook posts, emails and changes already made. */
  sent: string[];
  /** Audit trail of the changes made to AWS resources (rollbacks, disabled transitions), oldest first. */
  changes?: ChangeRecord[];
}

export interface ChangeRecord {
  key: string;
  type: string;
  at: string;
  /** What AWS answered, e.g. the id of the deployment a rollback started. */
  detail?: string;
}

export const emptyDelivery = (): Delivery => ({ messages: {}, sent: [] });

// Bounds: the delivery record shares the subject's DynamoDB item with its view.
// Only some records are kept: keys are planned again only for what the view
// shows now: its latest states (recorded last) or its start (recorded first:
// `STARTED` emails and webhook posts), or a rollback of a recent deployment.
// So the first keys and the most recent ones are kept, and the middle goes.
const FIRST_SENT = 10;
const MAX_SENT = 100;
const MAX_CHANGES = 20;
const MAX_MESSAGES = 20;
/** Serialized delivery record, at most (beside a view of at most 44 KB: the item stays under 64 KB). */
export const DELIVERY_BYTES = 16 * 1024;

/** Keeps the first FIRST_SENT keys and the most recent ones, `max` in all. */
const keepEnds = (sent: string[], max: number) => (sent.length <= max ? sent : [...sent.slice(0, FIRST_SENT), ...sent.slice(sent.length - (max - FIRST_SENT))]);

/** The delivery record with only the entries that matter still, within `maxBytes`. */
export function boundDelivery(delivery: Delivery, maxBytes = DELIVERY_BYTES): Delivery {
  const messages = Object.entries(delivery.messages);
  const bounded: Delivery = {
    ...delivery,
    messages: messages.length > MAX_MESSAGES ? Object.fromEntries(messages.slice(-MAX_MESSAGES)) : delivery.messages,
    sent: keepEnds(delivery.sent, MAX_SENT),
    ...(delivery.changes ? { changes: delivery.changes.slice(-MAX_CHANGES) } : {}),
  };
  // Long keys (channel names, topic ARNs): fewer of them.
  while (Buffer.byteLength(JSON.stringify(bounded)) > maxBytes && (bounded.sent.length > FIRST_SENT || (bounded.changes?.length ?? 0) > 1)) {
    if (bounded.sent.length > FIRST_SENT) bounded.sent = keepEnds(bounded.sent, FIRST_SENT + Math.floor(((bounded.sent.length - FIRST_SENT) * 3) / 4));
    else bounded.changes = bounded.changes!.slice(-1);
  }
  return bounded;
}
