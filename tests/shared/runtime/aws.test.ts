import { ECSClient, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { installFakeAws, type FakeAws, type FakeAwsOptions } from '../../../local/fakes/world';
import { awsClientConfig, clientFor, RoleUnavailableError, type Place } from '../../../shared/runtime/aws';

// One way to get an AWS client: for an account, a region and, for an account
// that is not the function's own, a role to assume. The clients are answered
// by the fake AWS world (STS AssumeRole, ECS, CodePipeline), which records the
// access key of the credentials each call is signed with.

const MEMBER = '210987654321';
/** Roles differ per test: clients and credentials are cached per container, as on Lambda. */
const role = (name: string) => `arn:aws:iam::${MEMBER}:role/${name}`;

let stand: FakeAws;

/** A fresh world answering every client from now on (one world at a time: each replaces the clients' answers). */
const use = async (options: FakeAwsOptions = {}) => {
  await stand?.close();
  return (stand = installFakeAws(options));
};

beforeEach(() => use());
afterAll(() => stand.close());

const assumed = (s: FakeAws) => s.calls.filter((c) => c.service === 'sts' && c.operation === 'AssumeRole');
const describeServices = (client: ECSClient) => client.send(new DescribeServicesCommand({ cluster: 'payments-prod', services: ['payments-api'] }));

describe('a client for a place', () => {
  it('is one per service, account, region and role, kept for the container', () => {
    const place: Place = { account: MEMBER, region: 'eu-west-1', roleArn: role('cached') };
    const ecs = clientFor(ECSClient, place);
    expect(clientFor(ECSClient, { ...place })).toBe(ecs);
    expect(clientFor(ECSClient, { ...place, region: 'eu-central-1' })).not.toBe(ecs);
    expect(clientFor(ECSClient, { ...place, roleArn: role('other') })).not.toBe(ecs);
    expect(clientFor(ECSClient, { ...place, account: '123456789012', roleArn: undefined })).not.toBe(ecs);
    expect(clientFor(CodePipelineClient, place)).not.toBe(ecs);
    // The function's own place (its table, its topic): one client per service.
    expect(clientFor(DynamoDBClient)).toBe(clientFor(DynamoDBClient));
  });

  it("calls the place's region, with the function's timeouts and retries", async () => {
    const client = clientFor(ECSClient, { account: '123456789012', region: 'ap-southeast-2' });
    expect(await client.config.region()).toBe('ap-southeast-2');
    expect(await client.config.maxAttempts()).toBe(awsClientConfig.maxAttempts);
    expect(client.config.requestHandler).toBe(awsClientConfig.requestHandler);
  });

  it("in the function's own account, signs with the function's own credentials and assumes no role", async () => {
    await describeServices(clientFor(ECSClient, { account: '123456789012', region: 'us-east-1' }));
    expect(assumed(stand)).toHaveLength(0);
    expect(stand.calls.at(-1)).toMatchObject({ service: 'ecs', operation: 'DescribeServices', status: 200, signedBy: process.env.AWS_ACCESS_KEY_ID });
  });

  it('through a role, signs with credentials STS gave for that role, asked once per role for every service and region', async () => {
    const roleArn = role('guardian-member');
    const before = stand.calls.length;
    await describeServices(clientFor(ECSClient, { account: MEMBER, region: 'us-west-2', roleArn }));
    await describeServices(clientFor(ECSClient, { account: MEMBER, region: 'us-west-2', roleArn }));
    await clientFor(CodePipelineClient, { account: MEMBER, region: 'eu-west-1', roleArn }).send(new GetPipelineStateCommand({ name: 'payments-api' }));

    const calls = stand.calls.slice(before);
    expect(calls.map((c) => `${c.service} ${c.operation}`)).toEqual(['sts AssumeRole', 'ecs DescribeServices', 'ecs DescribeServices', 'codepipeline GetPipelineState']);
    const [assume, ...made] = calls;
    // STS is asked with the function's own credentials, under a session name CloudTrail shows in the member account.
    expect(assume).toMatchObject({ status: 200, signedBy: process.env.AWS_ACCESS_KEY_ID, input: { RoleArn: roleArn, RoleSessionName: 'cicd-guardian' } });
    const key = made[0]!.signedBy;
    expect(key).toMatch(/^ASIA/);
    for (const call of made) expect(call).toMatchObject({ status: 200, signedBy: key });
  });

  it('asks STS again only when the credentials are about to expire', async () => {
    // Credentials that expire in 2 minutes: inside the 5 minutes before expiry when the SDK refreshes.
    const shortLived = await use({ assumedRoleSeconds: 120 });
    const expiring = clientFor(ECSClient, { account: MEMBER, region: 'us-west-2', roleArn: role('short-lived') });
    await describeServices(expiring);
    const firstKey = shortLived.calls.at(-1)!.signedBy;
    const asked = assumed(shortLived).length;
    await describeServices(expiring);
    // Each answer expires within 5 minutes, when the SDK refreshes: the next call asks STS again and signs with the new key.
    expect(assumed(shortLived).length).toBeGreaterThan(asked);
    expect(shortLived.calls.at(-1)).toMatchObject({ service: 'ecs', status: 200, signedBy: expect.stringMatching(/^ASIA/) });
    expect(shortLived.calls.at(-1)!.signedBy).not.toBe(firstKey);

    // Credentials valid for an hour are reused.
    await use();
    const lasting = clientFor(ECSClient, { account: MEMBER, region: 'us-west-2', roleArn: role('long-lived') });
    for (let i = 0; i < 3; i++) await describeServices(lasting);
    expect(assumed(stand).filter((c) => c.input.RoleArn === role('long-lived'))).toHaveLength(1);
  });

  it('asks STS once per account and role for many clients in many regions, and once again for all of them near expiry', async () => {
    const accounts = ['210987654321', '345678901234'];
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
    const places = accounts.flatMap((account) => regions.map((region) => ({ account, region, roleArn: `arn:aws:iam::${account}:role/many-${account}` })));
    const readAll = () => Promise.all(places.flatMap((place) => [describeServices(clientFor(ECSClient, place)), clientFor(CodePipelineClient, place).send(new GetPipelineStateCommand({ name: 'payments-api' }))]));
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now');
    try {
      for (let i = 0; i < 5; i++) await readAll();
      expect(assumed(stand).map((c) => c.input.RoleArn).sort()).toEqual(places.filter((p) => p.region === 'us-east-1').map((p) => p.roleArn).sort());
      // 54 minutes on, the hour's credentials are still good; at 56, within 5 minutes of expiring, each role is asked for once more.
      clock.mockReturnValue(start + 54 * 60_000);
      await readAll();
      expect(assumed(stand)).toHaveLength(accounts.length);
      clock.mockReturnValue(start + 56 * 60_000);
      for (let i = 0; i < 3; i++) await readAll();
      expect(assumed(stand)).toHaveLength(2 * accounts.length);
    } finally {
      clock.mockRestore();
    }
  });

  it('a role that is missing or denies fails every call through it with the role, the reason and what to do', async () => {
    const roleArn = role('missing');
    await use({ data: { sts: { answers: { AssumeRole: [{ input: { RoleArn: roleArn }, error: { status: 403, code: 'AccessDenied', message: `not authorized to perform: sts:AssumeRole on resource: ${roleArn}` } }] } } } });
    const failure = await describeServices(clientFor(ECSClient, { account: MEMBER, region: 'us-east-1', roleArn })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RoleUnavailableError);
    expect(failure).toMatchObject({ roleArn, account: MEMBER, denied: true });
    expect((failure as Error).message).toBe(
      `cannot assume ${roleArn} (AccessDenied: not authorized to perform: sts:AssumeRole on resource: ${roleArn}): deploy the member-account template in account ${MEMBER} (npm run member-template) and check that its role trusts this function's role`,
    );
    // Nothing was called in the member account.
    expect(stand.calls.map((c) => c.service)).toEqual(['sts']);
  });

  it('says which role could not be assumed', async () => {
    const client = clientFor(ECSClient, { account: MEMBER, region: 'us-west-2', roleArn: 'arn:aws:iam::210987654321:not-a-role' });
    await expect(describeServices(client)).rejects.toThrow(/invalid RoleArn 'arn:aws:iam::210987654321:not-a-role'/);
  });

  it('loads the credential providers only when a role is first used', async () => {
    let loaded = false;
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/credential-providers', () => ((loaded = true), jest.requireActual('@aws-sdk/credential-providers')));
      const fresh = await import('../../../shared/runtime/aws.js');
      // This registry's own copy of the credential providers' STS client is answered by a world of its own.
      const isolated = (await import('../../../local/fakes/world.js')).installFakeAws();
      await describeServices(fresh.clientFor(ECSClient, { account: '123456789012', region: 'us-east-1' }));
      expect(loaded).toBe(false);
      await describeServices(fresh.clientFor(ECSClient, { account: MEMBER, region: 'us-east-1', roleArn: role('lazy') }));
      expect(loaded).toBe(true);
      await isolated.close();
    });
  });
});
