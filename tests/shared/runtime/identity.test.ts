import { mockClient } from 'aws-sdk-client-mock';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ownIdentity, placeFor, placeOf } from '../../../shared/runtime/identity';
import { parseConfig } from '../../../shared/config/load';

// The function's own account, region and partition: from the invoked function
// ARN on Lambda; asked of STS once per container where the invocation carries
// none (`sls invoke local`); never a placeholder.

const sts = mockClient(STSClient);

beforeEach(() => sts.reset());

describe('the function knows its own account', () => {
  it('reads it from the invoked function ARN, asking STS nothing', async () => {
    expect(await ownIdentity('arn:aws-us-gov:lambda:us-gov-west-1:210987654321:function:cicd-guardian-prod-rollback:live')).toEqual({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      account: '210987654321',
    });
    expect(sts.calls()).toHaveLength(0);
  });

  it('without a function ARN (sls invoke local), asks STS who its credentials are: says why when STS cannot answer, then asks once per container', async () => {
    sts.on(GetCallerIdentityCommand).rejectsOnce(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    await expect(ownIdentity(undefined)).rejects.toThrow(
      "the function's own account is unknown: the invocation names no function ARN and STS GetCallerIdentity failed (Could not load credentials from any providers)",
    );
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/deployer/alice', UserId: 'AROA:alice' });
    expect(await ownIdentity(undefined)).toEqual({ partition: 'aws', region: 'us-east-1', account: '123456789012' });
    expect(await ownIdentity('not-an-arn')).toEqual({ partition: 'aws', region: 'us-east-1', account: '123456789012' });
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(2);
  });
});

describe('where the function acts on an event', () => {
  const own = { account: '123456789012', partition: 'aws' };
  const organization = parseConfig(
    { organization: { id: 'o-a1b2c3d4e5', serve: ['210987654321'], regions: ['us-west-2', 'us-east-1'], memberRole: 'guardian-member' } },
    'guardian.yml',
  ).organization;

  it("in its own account: the event's region, with its own credentials (no role), with or without an organization", () => {
    expect(placeFor({ account: '123456789012', region: 'eu-west-1' }, own, undefined)).toEqual({ account: '123456789012', region: 'eu-west-1' });
    expect(placeFor({ account: '123456789012', region: 'eu-west-1' }, own, organization)).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });

  it("in a member account the organization serves: through the member role, in the function's own partition", () => {
    expect(placeFor({ account: '210987654321', region: 'us-west-2' }, own, organization)).toEqual({
      account: '210987654321',
      region: 'us-west-2',
      roleArn: 'arn:aws:iam::210987654321:role/guardian-member',
    });
    expect(placeFor({ account: '210987654321', region: 'us-east-1' }, { ...own, partition: 'aws-us-gov' }, organization).roleArn).toBe('arn:aws-us-gov:iam::210987654321:role/guardian-member');
  });

  it.each([
    ['another account, no organization section', '210987654321', 'us-west-2', undefined, 'account 210987654321 (region us-west-2) is not served: cicd-guardian runs in account 123456789012 and guardian.yml has no organization section naming other accounts'],
    ['an account the organization does not serve', '345678901234', 'us-west-2', organization, 'account 345678901234 (region us-west-2) is not served: cicd-guardian runs in account 123456789012 and organization.serve names neither it nor a unit listing it'],
    ['a served account in a region not served', '210987654321', 'eu-west-1', organization, 'region eu-west-1 of account 210987654321 is not served: organization.regions is us-west-2, us-east-1'],
  ])('refuses %s, saying why', (_, account, region, org, message) => {
    expect(() => placeFor({ account, region }, own, org)).toThrow(message);
  });

  it('knows its own account from the invoked function ARN', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:cicd-guardian-prod-notify';
    await expect(placeOf({ account: '123456789012', region: 'us-east-1' }, arn, undefined)).resolves.toEqual({ account: '123456789012', region: 'us-east-1' });
    await expect(placeOf({ account: '210987654321', region: 'us-east-1' }, arn, undefined)).rejects.toThrow('account 210987654321 (region us-east-1) is not served');
    await expect(placeOf({ account: '210987654321', region: 'us-east-1' }, arn, organization)).resolves.toMatchObject({ roleArn: 'arn:aws:iam::210987654321:role/guardian-member' });
    expect(sts.calls()).toHaveLength(0);
  });
});
