import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { clientFor } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';
import type { IamNeed } from '../runtime/iam.js';
import { logger } from '../runtime/observability.js';
import type { AuditEntry, AuditWriter } from '../plan/audit.js';
import { truncate } from '../views/bounds.js';

// The audit trail in the state table. The table has only a hash key, so each
// entry is an item of its own (pk "AUDIT#<id>") that also carries the keys of
// the `audit` index: auditPk "AUDIT#<account>#<region>#<pipeline or resource>"
// and auditAt "<ISO time>#<id>", so a subject's entries over a period are one
// Query, in time order. Only audit items have auditPk: the index holds nothing else.
// The id is derived from the entry (and the plan's key for it), so a retried
// invocation writes the same item, once (a conditional put).

export const AUDIT_INDEX = 'audit';

/** What listing the trail needs: a Query on the audit index, nothing else. */
export const AUDIT_LIST_IAM: IamNeed[] = [{ actions: ['dynamodb:Query'], resources: 'auditIndex', why: 'the audit trail is listed through its index only' }];

const DAY_S = 86_400;
/** Bounds of what an entry keeps (an item stays far below DynamoDB's 400 KB). */
const MAX_REASONS = 20;
const REASON_CHARS = 1000;
const NAME_CHARS = 256;
const PRINCIPAL_CHARS = 2048;

/** What an entry's listing is by: its pipeline, else its resource. */
export const auditSubject = (entry: Pick<AuditEntry, 'pipeline' | 'resource'>): string => entry.pipeline ?? entry.resource ?? '-';

export const auditPartition = (account: string, region: string, subject: string) => `AUDIT#${account}#${region}#${subject}`;

/** The entry as it is kept: its time normalised to UTC milliseconds (the index sorts by text), its text bounded. */
export function boundAuditEntry(entry: AuditEntry): AuditEntry {
  const at = new Date(entry.at);
  if (Number.isNaN(at.getTime())) throw new Error(`an audit entry's time is not an ISO-8601 time: "${truncate(entry.at, 40)}"`);
  const name = (s: string | undefined) => (s === undefined ? undefined : truncate(s, NAME_CHARS));
  const bounded: AuditEntry = {
    capability: entry.capability,
    decision: truncate(entry.decision, NAME_CHARS),
    at: at.toISOString(),
    account: truncate(entry.account, NAME_CHARS),
    region: truncate(entry.region, NAME_CHARS),
    pipeline: name(entry.pipeline),
    stage: name(entry.stage),
    action: name(entry.action),
    executionId: name(entry.executionId),
    resource: name(entry.resource),
    by: {
      automatic: entry.by.automatic,
      ...(entry.by.person !== undefined ? { person: truncate(entry.by.person, NAME_CHARS) } : {}),
      ...(entry.by.principal !== undefined ? { principal: truncate(entry.by.principal, PRINCIPAL_CHARS) } : {}),
    },
    reasons: [
      ...entry.reasons.slice(0, MAX_REASONS).map((r) => truncate(r, REASON_CHARS)),
      ...(entry.reasons.length > MAX_REASONS ? [`… and ${entry.reasons.length - MAX_REASONS} more reasons`] : []),
    ],
    policy: name(entry.policy),
  };
  return JSON.parse(JSON.stringify(bounded)) as AuditEntry; // undefined fields dropped
}

/**
 * The entry's id: a hash of what it says, without its time when the plan gave
 * it a key (a retry decides the same at a later instant), with it otherwise.
 */
export function auditId(entry: AuditEntry, key?: string): string {
  const { at: _at, ...rest } = entry;
  const identity = key === undefined ? { entry } : { key, entry: rest };
  return createHash('sha256').update(stableJson(identity)).digest('hex').slice(0, 32);
}

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

export interface AuditQuery {
  account: string;
  region: string;
  /** A pipeline name, or another subject ("cluster/service", a trail). */
  subject: string;
  /** From this instant (inclusive) until that one (exclusive). */
  from: Date;
  until: Date;
  limit: number;
  /** Where the previous page ended (its `next`). */
  next?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** More entries follow: pass it as `next` for the next page. */
  next?: string;
}

/** A `next` token that is not one this listing gave out. */
export class AuditTokenError extends Error {
  override readonly name = 'AuditTokenError';
}

export class AuditTrail implements AuditWriter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    /** guardian.yml `audit.retentionDays`: items expire (DynamoDB TTL) this long after the decision. */
    private readonly retentionDays: number,
    /** When given, no write outlives it (an answer Slack waits for). */
    private readonly bound?: Deadline,
  ) {}

  /** Writes the entry once; a second write of the same entry (a retry) changes nothing. Every entry is logged, structured. */
  async record(entry: AuditEntry, key?: string): Promise<void> {
    const bounded = boundAuditEntry(entry);
    const id = auditId(bounded, key);
    const at = Date.parse(bounded.at);
    let written = true;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: `AUDIT#${id}` },
            auditPk: { S: auditPartition(bounded.account, bounded.region, auditSubject(bounded)) },
            auditAt: { S: `${bounded.at}#${id}` },
            expiresAt: { N: String(Math.floor(at / 1000) + this.retentionDays * DAY_S) },
            entry: { S: JSON.stringify(bounded) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        this.bound ? { abortSignal: signalFor(this.bound) } : {},
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      written = false;
    }
    logger.info('audit', { audit: bounded, auditId: id, ...(written ? {} : { alreadyRecorded: true }) });
  }

  /** The subject's entries in [from, until), oldest first, at most `limit` of them. */
  async list(query: AuditQuery): Promise<AuditPage> {
    const auditPk = auditPartition(query.account, query.region, query.subject);
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: AUDIT_INDEX,
        // An entry at `until` sorts after "<until>" ("<until>#<id>"): BETWEEN leaves it out.
        KeyConditionExpression: 'auditPk = :pk AND auditAt BETWEEN :from AND :until',
        ExpressionAttributeValues: { ':pk': { S: auditPk }, ':from': { S: query.from.toISOString() }, ':until': { S: query.until.toISOString() } },
        ScanIndexForward: true,
        Limit: query.limit,
        ...(query.next ? { ExclusiveStartKey: startKey(query.next, auditPk) } : {}),
      }),
    );
    const entries = (Items ?? []).flatMap((item) => (item.entry?.S ? [JSON.parse(item.entry.S) as AuditEntry] : []));
    return { entries, ...(LastEvaluatedKey ? { next: tokenOf(LastEvaluatedKey) } : {}) };
  }
}

/** A page's end as an opaque token (the index's keys, base64url JSON). */
function tokenOf(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify({ pk: key.pk?.S, auditPk: key.auditPk?.S, auditAt: key.auditAt?.S })).toString('base64url');
}

function startKey(token: string, auditPk: string): Record<string, AttributeValue> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const k = key as { pk?: unknown; auditPk?: unknown; auditAt?: unknown } | undefined;
  if (typeof k?.pk !== 'string' || typeof k.auditAt !== 'string' || typeof k.auditPk !== 'string') {
    throw new AuditTokenError('next: not a token this listing gave out (pass the `next` of the previous page as it was)');
  }
  if (k.auditPk !== auditPk) throw new AuditTokenError('next: the token is from the listing of another pipeline, account or region');
  return { pk: { S: k.pk }, auditPk: { S: k.auditPk }, auditAt: { S: k.auditAt } };
}

/** The function's audit trail, on the table GUARDIAN_TABLE names (env.table). */
export function auditTrail(table: string | undefined, retentionDays: number, bound?: Deadline): AuditTrail {
  if (!table) throw new Error('GUARDIAN_TABLE is not set: the name of the state table, which holds the audit trail');
  return new AuditTrail(clientFor(DynamoDBClient), table, retentionDays, bound);
}
