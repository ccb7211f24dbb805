import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo';
import { installFakeAws, type FakeAws } from '../../../local/fakes/world';
import { claimUnreachable, reachable } from '../../../shared/state/member-access';
import { logger, metrics } from '../../../shared/runtime/observability';

// A member account whose role is missing or denies is said once per account,
// role and hour, however many invocations find it out at once (dynalite: real
// conditional writes, a few milliseconds away so that they contend), and it
// never holds up another account.

const DENIED = '210987654321';
const FINE = '345678901234';
const roleIn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const deadline = { remainingMs: () => 30_000 };

let dynamo: LocalDynamo;
let world: FakeAws;
let seq = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo('cicd-guardian-test-member-access', { latencyMs: 3 });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
});
afterAll(() => dynamo.close());

/** STS refuses DENIED's roles, as it does when the role is missing or its trust does not admit the caller. */
beforeEach(() => {
  world = installFakeAws({
    data: {
      sts: {
        answers: {
          AssumeRole: ['member-1', 'member-2', 'member-3'].map((name) => ({
            input: { RoleArn: roleIn(DENIED, name) },
            error: { status: 403, code: 'AccessDenied', message: `User: arn:aws:sts::123456789012:assumed-role/notify/fn is not authorized to perform: sts:AssumeRole on resource: ${roleIn(DENIED, name)}` },
          })),
        },
      },
    },
  });
});
afterEach(async () => {
  jest.restoreAllMocks();
  await world.close();
});

describe('the first report of an unreachable member role', () => {
  it('is claimed by exactly one of twenty concurrent invocations, and again in the next hour', async () => {
    const role = roleIn(DENIED, `claim-${++seq}`);
    const at = new Date('2026-12-02T14:10:00Z');
    const claims = await Promise.all(Array.from({ length: 20 }, () => claimUnreachable(dynamo.tableName, DENIED, role, at, deadline)));
    expect(claims.filter((c) => c === 'first')).toHaveLength(1);
    expect(await claimUnreachable(dynamo.tableName, DENIED, role, new Date('2026-12-02T14:59:59Z'), deadline)).toBe('known');
    expect(await claimUnreachable(dynamo.tableName, DENIED, role, new Date('2026-12-02T15:00:00Z'), deadline)).toBe('first');
    // Another role of the same account is its own report.
    expect(await claimUnreachable(dynamo.tableName, DENIED, roleIn(DENIED, `other-${seq}`), at, deadline)).toBe('first');
  });
});

describe('reaching a member account through its role', () => {
  const run = { table: '', now: () => new Date(), deadline };
  beforeEach(() => (run.table = dynamo.tableName));

  it('denied: ten events at once give one error and one MemberAccountUnreachable, the rest a warning, and no place to read', async () => {
    const error = jest.spyOn(logger, 'error');
    const warn = jest.spyOn(logger, 'warn');
    const counted = jest.spyOn(metrics, 'addMetric');
    const place = { account: DENIED, region: 'eu-west-1', roleArn: roleIn(DENIED, 'member-1') };
    const places = await Promise.all(Array.from({ length: 10 }, () => reachable(place, run)));
    expect(places).toEqual(Array(10).fill(undefined));
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]![0]).toBe(
      `member account ${DENIED} cannot be reached through its role: notifying what the events say, acting on nothing there, until the role can be assumed`,
    );
    expect((error.mock.calls[0]![1] as { error: Error }).error.message).toMatch(
      new RegExp(`^cannot assume ${roleIn(DENIED, 'member-1')} \\(AccessDenied: .*\\): deploy the member-account template in account ${DENIED}`),
    );
    expect(counted.mock.calls.filter(([name]) => name === 'MemberAccountUnreachable')).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(9);
  });

  it('never holds up another account: its role is assumed and its place given, while the denied one is refused', async () => {
    const denied = { account: DENIED, region: 'us-east-1', roleArn: roleIn(DENIED, 'member-2') };
    const fine = { account: FINE, region: 'us-east-1', roleArn: roleIn(FINE, 'member-2') };
    const [a, b] = await Promise.all([reachable(denied, run), reachable(fine, run)]);
    expect(a).toBeUndefined();
    expect(b).toBe(fine);
  });

  it("the function's own account needs no role and is always reachable", async () => {
    const own = { account: '123456789012', region: 'us-east-1' };
    expect(await reachable(own, run)).toBe(own);
    expect(world.calls).toEqual([]);
  });

  it('in a dry-run (no table): reported each time, nothing recorded', async () => {
    const error = jest.spyOn(logger, 'error');
    const place = { account: DENIED, region: 'us-east-1', roleArn: roleIn(DENIED, 'member-3') };
    await reachable(place, { ...run, table: undefined });
    await reachable(place, { ...run, table: undefined });
    expect(error).toHaveBeenCalledTimes(2);
  });
});
