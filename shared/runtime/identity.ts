import { clientFor, type Place } from './aws.js';

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

/**
 * Where to act on what happened in `where` (an event's account and region):
 * in the function's own account, with its own credentials; in another account
 * only through a role assumed there, and none is configured yet (guardian.yml
 * will name them), so such a place is refused rather than acted on with
 * credentials that belong elsewhere.
 */
export function placeFor(where: { account: string; region: string }, own: Pick<OwnIdentity, 'account'>): Place {
  if (where.account === own.account) return { account: where.account, region: where.region };
  throw new Error(
    `no role to act in account ${where.account} (region ${where.region}): cicd-guardian runs in account ${own.account} and acts in another account only through a role assumed there, and none is configured`,
  );
}

/** placeFor with the function's own identity (from the invoked function ARN, else STS). */
export async function placeOf(where: { account: string; region: string }, invokedFunctionArn: string | undefined): Promise<Place> {
  return placeFor(where, await ownIdentity(invokedFunctionArn));
}
