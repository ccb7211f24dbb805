import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { clientFor } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';

// A signed Slack request is good for five minutes (its timestamp's window):
// one seen again within them is a replay (or a copy someone captured). The
// first sight of each signature is recorded in the state table by a
// conditional write, so of two arrivals of the same request, wherever they
// land, exactly one is taken. The record expires (TTL) after the window, when
// the timestamp check refuses the request anyway. IAM: STATE_IAM's UpdateItem.

/** Kept a little past the window, so a request at its edge is still recognised. */
const KEEP_S = 10 * 60;

export const requestKey = (signature: string) => `SLACKREQ#${signature}`;

/** 'first' for the first sight of a signature; 'replayed' when it was seen before. */
export async function claimRequest(table: string, signature: string, timestamp: number, deadline: Deadline): Promise<'first' | 'replayed'> {
  try {
    await clientFor(DynamoDBClient).send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: requestKey(signature) } },
        UpdateExpression: 'SET expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: { ':expiresAt': { N: String(timestamp + KEEP_S) } },
      }),
      { abortSignal: signalFor(deadline) },
    );
    return 'first';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'replayed';
    throw error;
  }
}
