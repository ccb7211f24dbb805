import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { clientFor } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';

// GuardDuty remediation's blast-radius cap: counters per window, one per
// account and one overall, in the state table. Each destructive step takes a
// unit from both with conditional updates (ADD only while below the limit), so
// however many findings arrive at once, no more than the limit are taken; a
// unit taken from the account but refused overall is given back. The first
// invocation refused in a window claims its page, so people are paged once.
// Items expire (TTL) a day after their window. IAM: STATE_IAM's UpdateItem.

export interface CapLimits {
  perAccount: number;
  overall: number;
  windowMinutes: number;
}

export interface CapClaim {
  /** Units taken (at most the ones asked for). */
  granted: number;
  /** Why fewer were granted: which limit was reached. */
  reached?: string;
}

const KEEP_AFTER_WINDOW_S = 86_400;

export const capKey = (window: string, scope: string) => `REMEDIATE#CAP#${window}#${scope}`;
export const pageKey = (window: string) => `REMEDIATE#PAGE#${window}`;

export class BlastRadius {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly limits: CapLimits,
    /** The window's start (capWindow). */
    private readonly window: string,
    private readonly deadline: Deadline,
  ) {}

  private get expiresAt(): string {
    return String(Math.floor(Date.parse(this.window) / 1000) + this.limits.windowMinutes * 60 + KEEP_AFTER_WINDOW_S);
  }

  /** Adds `delta` to a counter, only while it stays at or below `limit` (a refund has no limit); false when refused. */
  private async add(pk: string, delta: number, limit?: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk } },
          UpdateExpression: 'ADD taken :delta SET expiresAt = :expiresAt',
          ...(limit === undefined ? {} : { ConditionExpression: 'attribute_not_exists(taken) OR taken < :limit' }),
          ExpressionAttributeValues: { ':delta': { N: String(delta) }, ':expiresAt': { N: this.expiresAt }, ...(limit === undefined ? {} : { ':limit': { N: String(limit) } }) },
        }),
        { abortSignal: signalFor(this.deadline) },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Takes up to `wanted` units for `account`, one at a time, each from the account's counter and the overall one. */
  async claim(account: string, wanted: number): Promise<CapClaim> {
    const { perAccount, overall, windowMinutes } = this.limits;
    for (let granted = 0; granted < wanted; granted += 1) {
      if (!(await this.add(capKey(this.window, `account#${account}`), 1, perAccount))) {
        return { granted, reached: `the blast-radius cap of ${perAccount} destructive changes per ${windowMinutes} min in account ${account} is reached (window from ${this.window})` };
      }
      if (!(await this.add(capKey(this.window, 'overall'), 1, overall))) {
        await this.add(capKey(this.window, `account#${account}`), -1);
        return { granted, reached: `the blast-radius cap of ${overall} destructive changes per ${windowMinutes} min over all accounts is reached (window from ${this.window})` };
      }
    }
    return { granted: wanted };
  }

  /** True for the first caller in the window: it pages people; later ones do not. */
  async claimPage(): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pageKey(this.window) } },
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: { ':expiresAt': { N: this.expiresAt } },
        }),
        { abortSignal: signalFor(this.deadline) },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

export const blastRadius = (table: string, limits: CapLimits, window: string, deadline: Deadline): BlastRadius => new BlastRadius(clientFor(DynamoDBClient), table, limits, window, deadline);
