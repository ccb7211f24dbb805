import type { IamNeed } from './iam.js';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { tracer } from './observability.js';

// One way to get an AWS client: `clientFor(ECSClient, place)`, for the account
// and region where something happened, through a role when the account is not
// the function's own. One client per (service, account, region, role) per
// container, created on first use, so a function only initialises the clients
// it calls (and the bundler drops the ones it never imports). Endpoints follow
// the SDK's standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables
// (local stand-ins). Short timeouts and adaptive retries keep a slow dependency
// inside the Lambda's time budget instead of eating it. Each client's calls are
// traced in X-Ray (a no-op where tracing is off: locally, in tests).
// The SDK versions the lockfile pins run on Node 20 (local runs, `sls invoke local`,
// tests; Lambda runs 22), but each process would print their notice that releases
// after January 2027 need Node 22 (README: Node versions). Only that notice is off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const awsClientConfig = {
  maxAttempts: 3,
  retryMode: 'adaptive' as const,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
};

/**
 * Where to call AWS: an account and a region, and the role to assume there
 * when the account is not the function's own (identity.ts `placeOf` decides).
 */
export interface Place {
  account: string;
  region: string;
  roleArn?: string;
}

/** An SDK client whose calls are X-Ray subsegments on Lambda. */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);

/** What the SDK's providers give a client: credentials, fetched again when they near expiry. */
type CredentialsProvider = ReturnType<typeof import('@aws-sdk/credential-providers').fromTemporaryCredentials>;

type ClientConfig = typeof awsClientConfig & { region?: string; credentials?: CredentialsProvider };
type ClientClass<C> = new (config: ClientConfig) => C;

/** Clients by class (not by name: the bundle is minified), then by place. */
const clients = new Map<ClientClass<unknown>, Map<string, unknown>>();

/**
 * The client of service `Client` for `place`, or for the function's own region
 * and credentials when no place is given (its state table, its topic).
 */
export function clientFor<C>(Client: ClientClass<C>, place?: Place): C {
  let byPlace = clients.get(Client);
  if (!byPlace) clients.set(Client, (byPlace = new Map()));
  const key = place ? `${place.account}/${place.region}/${place.roleArn ?? ''}` : '';
  let client = byPlace.get(key) as C | undefined;
  if (!client) {
    const config: ClientConfig = { ...awsClientConfig };
    if (place) config.region = place.region;
    if (place?.roleArn) config.credentials = assumedRole(place.roleArn);
    client = traced(new Client(config));
    byPlace.set(key, client);
  }
  return client;
}

/** Credentials of each role, shared by all its clients (every service, every region). */
const roles = new Map<string, CredentialsProvider>();

/**
 * Temporary credentials of `roleArn` (STS AssumeRole with the function's own
 * credentials), asked once and again only when they are within 5 minutes of
 * expiring: fromTemporaryCredentials asks STS on every call, so it is memoized
 * here with the SDK's own rule (the one each client applies to its credentials).
 * The provider is loaded on first use: a function that never assumes a role
 * never initialises it.
 */
function assumedRole(roleArn: string): CredentialsProvider {
  let provider = roles.get(roleArn);
  if (!provider) {
    let load: Promise<CredentialsProvider> | undefined;
    const assume: CredentialsProvider = async (properties) => {
      load ??= import('@aws-sdk/credential-providers').then(({ fromTemporaryCredentials }) =>
        fromTemporaryCredentials({
          // The session name is what CloudTrail shows in the member account: the guardian's own calls.
          params: { RoleArn: roleArn, RoleSessionName: 'cicd-guardian' },
          // STS in the function's own region (Lambda sets AWS_REGION), whichever region the first caller is in.
          clientConfig: { ...awsClientConfig, region: process.env.AWS_REGION },
        }),
      );
      try {
        return await (await load)(properties);
      } catch (error) {
        throw new RoleUnavailableError(roleArn, error);
      }
    };
    provider = memoizeIdentityProvider(assume, isIdentityExpired, doesIdentityRequireRefresh)!;
    roles.set(roleArn, provider);
  }
  return provider;
}

/** STS answers that no retry changes: the role does not exist, or its trust does not admit the function's role. */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'RegionDisabledException']);

/** A role that could not be assumed: every call through it fails with this, naming the role and why. */
export class RoleUnavailableError extends Error {
  override readonly name = 'RoleUnavailableError';
  readonly account: string;
  /** The role is missing or denies (permanent until someone fixes it), as opposed to STS throttling or failing. */
  readonly denied: boolean;

  constructor(
    readonly roleArn: string,
    cause: unknown,
  ) {
    const { name = 'Error', message = String(cause) } = (cause ?? {}) as { name?: string; message?: string };
    const account = roleArn.split(':')[4] ?? '';
    const denied = DENIED.has(name);
    super(
      `cannot assume ${roleArn} (${name}: ${message})` +
        (denied ? `: deploy the member-account template in account ${account} (npm run member-template) and check that its role trusts this function's role` : ''),
      { cause },
    );
    this.account = account;
    this.denied = denied;
  }
}

/** The error, or one it was caused by, when it is a role that could not be assumed. */
export function roleUnavailable(error: unknown): RoleUnavailableError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof RoleUnavailableError) return e;
  return undefined;
}

/** The credentials of `place` (its role's, cached as its clients' are), to find out whether it can be reached before reading it. */
export const credentialsOf = async (place: Place): Promise<void> => {
  if (place.roleArn) await assumedRole(place.roleArn)();
};

/** Acting in member accounts: their member role, only in the organisation's accounts (granted only where guardian.yml has an organization section). */
export const MEMBER_ROLE_IAM: IamNeed[] = [
  { actions: ['sts:AssumeRole'], resources: 'memberRoles', conditions: { StringEquals: { 'aws:ResourceOrgID': 'organizationId' } }, why: 'the member role the member-account template creates' },
];
