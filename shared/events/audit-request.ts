import * as z from 'zod/mini';
import { accountId, matching, region } from './envelope.js';
import { EventValidationError, asStandardSchema, check } from './parse.js';

// What `sls invoke -f audit -d '{...}'` sends: whose audit trail, over which
// period, and a page of it. Dates without a time are whole days in UTC.

export const AUDIT_REQUEST = 'audit listing request';
export const MAX_AUDIT_PAGE = 1000;
export const DEFAULT_AUDIT_PAGE = 100;

const DAY_OR_TIME = 'a date (2026-12-01, a whole day in UTC) or an ISO-8601 time with an offset (2026-12-01T09:00:00+01:00)';
const dayOrTime = () => z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: `expected ${DAY_OR_TIME}` });

const AuditRequestSchema = z
  .strictObject({
    /** A pipeline (what approval and freeze decisions concern), or another subject: "cluster/service", a trail. */
    pipeline: z.optional(matching(/^[A-Za-z0-9.@_-]+$/, 100, 'a pipeline name (1 to 100 letters, digits, and . @ - _)')),
    resource: z.optional(matching(/^[\x21-\x7e]+$/, 512, 'a resource such as "payments-prod/payments-api" (printable, no spaces)')),
    from: dayOrTime(),
    to: dayOrTime(),
    /** Where the subject is; default: the function's own account and region. */
    account: z.optional(accountId()),
    region: z.optional(region()),
    limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_AUDIT_PAGE))),
    /** The `next` of the previous page. */
    next: z.optional(matching(/^[A-Za-z0-9_-]+$/, 4096, "the previous page's `next` token")),
  })
  .check(
    z.refine((r) => (r.pipeline === undefined) !== (r.resource === undefined), { message: 'name either `pipeline` or `resource` (one of them)', path: ['pipeline'] }),
  );

export interface AuditRequest {
  subject: string;
  /** The period: from (inclusive) until (exclusive). */
  from: Date;
  until: Date;
  account?: string;
  region?: string;
  limit: number;
  next?: string;
}

const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
/** A day's start, or the instant given. */
const startOf = (s: string) => new Date(isDay(s) ? `${s}T00:00:00Z` : s);
/** The day after a date (the period includes the whole day), or the instant given. */
const endOf = (s: string) => (isDay(s) ? new Date(Date.parse(`${s}T00:00:00Z`) + 86_400_000) : new Date(s));

/** Validates a listing request; throws an EventValidationError naming each bad field. */
export function parseAuditRequest(raw: unknown): AuditRequest {
  const r = check(AuditRequestSchema, raw, AUDIT_REQUEST);
  const from = startOf(r.from);
  const until = endOf(r.to);
  if (from.getTime() >= until.getTime()) {
    throw new EventValidationError(AUDIT_REQUEST, [{ path: 'to', message: `expected a period: \`to\` (${r.to}) is not after \`from\` (${r.from})` }]);
  }
  return {
    subject: (r.pipeline ?? r.resource)!,
    from,
    until,
    limit: r.limit ?? DEFAULT_AUDIT_PAGE,
    ...(r.account ? { account: r.account } : {}),
    ...(r.region ? { region: r.region } : {}),
    ...(r.next ? { next: r.next } : {}),
  };
}

export const AuditRequestInput = asStandardSchema(parseAuditRequest);
