import { mockClient } from 'aws-sdk-client-mock';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ownIdentity, placeFor, placeOf } from '../../../shared/runtime/identity';

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
  const own = { account: '123456789012' };

  it("in its own account: the event's region, with its own credentials (no role)", () => {
    expect(placeFor({ account: '123456789012', region: 'eu-west-1' }, own)).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });

  it('in another account: refused, naming the account, while no role is configured for it', () => {
    expect(() => placeFor({ account: '210987654321', region: 'us-west-2' }, own)).toThrow(
      'no role to act in account 210987654321 (region us-west-2): cicd-guardian runs in account 123456789012 and acts in another account only through a role assumed there, and none is configured',
    );
  });

  it('knows its own account from the invoked function ARN', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:cicd-guardian-prod-notify';
    await expect(placeOf({ account: '123456789012', region: 'us-east-1' }, arn)).resolves.toEqual({ account: '123456789012', region: 'us-east-1' });
    await expect(placeOf({ account: '210987654321', region: 'us-east-1' }, arn)).rejects.toThrow('no role to act in account 210987654321');
    expect(sts.calls()).toHaveLength(0);
  });
});
