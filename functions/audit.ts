import type { Context } from 'aws-lambda';
import { AuditRequestInput, type AuditRequest } from '../shared/events/audit-request.js';
import { getConfig } from '../shared/config/load.js';
import type { AuditEntry } from '../shared/plan/audit.js';
import { AUDIT_INDEX, AuditTokenError, auditTrail } from '../shared/state/audit.js';
import { guardedHandler, type Runtime } from '../shared/runtime/middleware.js';
import { ownIdentity } from '../shared/runtime/identity.js';

// The audit trail of a pipeline (or another subject) over a period, invoked by
// hand: `sls invoke -f audit -d '{"pipeline":"payments-api","from":"2026-12-01","to":"2026-12-02"}'`.
// Read-only: its role may only Query the state table's audit index.

export interface AuditListing {
  subject: string;
  account: string;
  region: string;
  from: string;
  until: string;
  count: number;
  entries: AuditEntry[];
  /** More entries follow: send the same request with this `next`. */
  next?: string;
}

export async function listAudit(request: AuditRequest, context: Pick<Context, 'invokedFunctionArn'>, { env }: Runtime): Promise<AuditListing> {
  const config = getConfig(env.configFile);
  const needs = `the audit trail is read from the state table ${env.table ? `"${env.table}" ` : ''}(index "${AUDIT_INDEX}"): invoke the deployed function (sls invoke --stage <stage> -f audit), or run locally with credentials or a local DynamoDB (AWS_ENDPOINT_URL_DYNAMODB)`;
  if (!env.table) throw new Error(`GUARDIAN_TABLE is not set; ${needs}`);
  try {
    const own = request.account && request.region ? undefined : await ownIdentity(context.invokedFunctionArn);
    const where = { account: request.account ?? own!.account, region: request.region ?? own!.region };
    const page = await auditTrail(env.table, config.audit.retentionDays).list({ ...where, ...request });
    return {
      subject: request.subject,
      ...where,
      from: request.from.toISOString(),
      until: request.until.toISOString(),
      count: page.entries.length,
      entries: page.entries,
      ...(page.next ? { next: page.next } : {}),
    };
  } catch (error) {
    if (error instanceof AuditTokenError) throw error;
    throw new Error(`cannot list the audit trail: ${(error as Error).message}; ${needs}`, { cause: error });
  }
}

/** The Lambda handler; tests give their own environment. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Audit', AuditRequestInput, (request: AuditRequest, context: Context, runtime: Runtime) => listAudit(request, context, runtime), given);

export const handler = createHandler();
