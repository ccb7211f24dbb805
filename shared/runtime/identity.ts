import { logger } from './observability.js';
import { clientFor, type Place } from './aws.js';
import type { RollbackEvent } from '../events/types.js';
import type { OrganizationConfig } from '../config/schema.js';
import { refusal } from '../config/organization.js';

// Where this function runs: its partition, region and account, for what the
// event does not say (a rollback requested by hand keys its state by account;
// the stack's topic ARN). On Lambda the invoked function ARN says it.
// `sls invoke local` passes no ARN, so the credentials' own identity is asked
// once per container (STS GetCallerIdentity needs no permission). Never a
// placeholder: a made-up account keys state no ECS event ever reads.

export interface OwnIdentity {
  partition: string;
  region: string;
  account: string;
}

const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:/;

let fromCredentials: Promise<OwnIdentity> | undefined;

/** The function's own identity; rejects, saying why, when neither its ARN nor STS can tell. */
export async function ownIdentity(invokedFunctionArn: string | undefined): Promise<OwnIdentity> {
  const arn = invokedFunctionArn === undefined ? null : FUNCTION_ARN.exec(invokedFunctionArn);
  if (arn) return { partition: arn[1]!, region: arn[2]!, account: arn[3]! };
  // A failure is not cached: the next invocation asks again.
  fromCredentials ??= callerIdentity().catch((error: unknown) => {
    fromCredentials = undefined;
    throw new Error(`the function's own account is unknown: the invocation names no function ARN and STS GetCallerIdentity failed (${(error as Error).message})`, {
      cause: error,
    });
  });
  return fromCredentials;
}

async function callerIdentity(): Promise<OwnIdentity> {
  // Loaded only where it is needed (never on Lambda, whose invocations carry their ARN).
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const client = clientFor(STSClient);
  const { Account, Arn } = await client.send(new GetCallerIdentityCommand({}));
  const partition = Arn?.split(':')[1];
  if (!Account || !partition) throw new Error(`unexpected answer: account ${Account}, ARN ${Arn}`);
  return { partition, region: await client.config.region(), account: Account };
}

/** The role cicd-guardian assumes in a member account (the member template creates it, under `organization.memberRole`). */
export const memberRoleArn = (partition: string, account: string, roleName: string): string => `arn:${partition}:iam::${account}:role/${roleName}`;

/**
 * Where to act on what happened in `where` (an event's account and region):
 * in the function's own account, with its own credentials; in a member account
 * the organization section serves, through the member role assumed there;
 * anywhere else refused, saying why, rather than acted on with credentials
 * that belong elsewhere.
 */
export function placeFor(where: { account: string; region: string }, own: Pick<OwnIdentity, 'account' | 'partition'>, organization: OrganizationConfig | undefined): Place {
  const refused = refusal(organization, where, own.account);
  if (refused) throw new Error(refused);
  if (where.account === own.account) return { account: where.account, region: where.region };
  return { account: where.account, region: where.region, roleArn: memberRoleArn(own.partition, where.account, organization!.memberRole) };
}

/**
 * The function's own account: unknown offline (no ARN, no STS), a dry-run
 * decides as if it were `assumed` (the event's) and says so; a real run fails.
 */
export async function ownAccountOr(invokedFunctionArn: string | undefined, dryRun: boolean, assumed: string): Promise<Pick<OwnIdentity, 'account' | 'partition'>> {
  return ownIdentity(invokedFunctionArn).catch((error: unknown) => {
    if (!dryRun) throw error;
    logger.warn(`${(error as Error).message}; deciding as if in account ${assumed}`);
    // As if in that account, so no member role ARN is ever made from this partition.
    return { account: assumed, partition: 'aws' };
  });
}

/** placeFor with the function's own identity (from the invoked function ARN, else STS). */
export async function placeOf(where: { account: string; region: string }, invokedFunctionArn: string | undefined, organization: OrganizationConfig | undefined): Promise<Place> {
  return placeFor(where, await ownIdentity(invokedFunctionArn), organization);
}

/** Where to read and act, and, when the function's own account is unknown (a dry-run only), why and what was assumed. */
export type Whereabouts = Place & { unknown?: string };

/**
 * Where a rollback event's service is, and so where to read and act: the event's account and region,
 * or (for a request by hand) the function's own. Another account than the function's own is acted in
 * through its member role, or refused when the organization section does not serve it. The function's own account unknown, a dry-run still plans (and
 * says so); a real run stops rather than act on a wrong key or in the wrong account.
 */
export async function whereabouts(
  event: RollbackEvent,
  invokedFunctionArn: string | undefined,
  dryRun: boolean,
  fallbackRegion: string | undefined,
  organization: OrganizationConfig | undefined,
): Promise<Whereabouts> {
  let own;
  try {
    own = await ownIdentity(invokedFunctionArn);
  } catch (error) {
    const why = (error as Error).message;
    const subject = event.kind === 'manual' ? `the request for ${event.cluster}/${event.service}` : `the ${event.kind} event from account ${event.account}`;
    if (!dryRun) throw new Error(`cannot handle ${subject}: ${why}; it keys the service's state (known-good revision, cooldown)`, { cause: error });
    if (event.kind !== 'manual') return { account: event.account, region: event.region, unknown: `${why}; planned as if in the function's own account` };
    return { account: 'unknown', region: fallbackRegion ?? 'unknown', unknown: `${why}; planned from the request alone` };
  }
  return placeFor(event.kind === 'manual' ? own : event, own, organization);
}
