import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { clientFor, credentialsOf, roleUnavailable, type Place } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';
import { logger, metrics } from '../runtime/observability.js';

// A member account whose role is missing or denies would fail every read of
// every event there. It is said once per account, role and hour: the first
// invocation to find it out records it in the state table by a conditional
// write (of concurrent ones exactly one wins), logs an error and counts
// MemberAccountUnreachable (the stack's alarm on it emails the topic); the
// others log a warning. The record expires (TTL) with its hour. Other accounts
// have roles and credentials of their own, so nothing here waits on them.
// IAM: STATE_IAM's UpdateItem.

export const ALERT_PERIOD_S = 3600;

export const unreachableKey = (account: string, roleArn: string, periodStart: number) => `MEMBERDOWN#${account}#${roleArn}#${periodStart}`;

/** 'first' for the first report of the role in its period (across every container); 'known' after. */
export async function claimUnreachable(table: string, account: string, roleArn: string, now: Date, deadline: Deadline): Promise<'first' | 'known'> {
  const periodStart = Math.floor(now.getTime() / 1000 / ALERT_PERIOD_S) * ALERT_PERIOD_S;
  try {
    await clientFor(DynamoDBClient).send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: unreachableKey(account, roleArn, periodStart) } },
        UpdateExpression: 'SET expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: { ':expiresAt': { N: String(periodStart + 2 * ALERT_PERIOD_S) } },
      }),
      { abortSignal: signalFor(deadline) },
    );
    return 'first';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'known';
    throw error;
  }
}

/**
 * `place` when its credentials can be had (its own account's always; a member's role assumed, or cached);
 * undefined when the member role is missing or denies, reported once per account, role and period
 * (`table` undefined, in a dry-run: reported each time, recorded nowhere); undefined too, with a warning,
 * when STS could not answer this time.
 */
export async function reachable(place: Place, run: { table: string | undefined; now: () => Date; deadline: Deadline }): Promise<Place | undefined> {
  try {
    await credentialsOf(place);
    return place;
  } catch (error) {
    const unavailable = roleUnavailable(error);
    if (!unavailable) throw error;
    if (!unavailable.denied) {
      // STS throttled or failed: this event goes without reading there, the next one asks again.
      logger.warn(`member account ${unavailable.account} not reached this time; notifying what the event says`, { account: unavailable.account, error: unavailable });
      return undefined;
    }
    const seen = run.table ? await claimUnreachable(run.table, unavailable.account, unavailable.roleArn, run.now(), run.deadline).catch(() => 'first' as const) : 'first';
    const keys = { account: unavailable.account, roleArn: unavailable.roleArn, error: unavailable };
    if (seen === 'first') {
      logger.error(`member account ${unavailable.account} cannot be reached through its role: notifying what the events say, acting on nothing there, until the role can be assumed`, keys);
      metrics.addMetric('MemberAccountUnreachable', MetricUnit.Count, 1);
    } else {
      logger.warn(`member account ${unavailable.account} still cannot be reached (said this hour already)`, { account: unavailable.account, roleArn: unavailable.roleArn });
    }
    return undefined;
  }
}
