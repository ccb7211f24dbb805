import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import {
  CreateSecurityGroupCommand, CreateSnapshotCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand, EC2Client, ModifyNetworkInterfaceAttributeCommand, RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { AutoScalingClient, DescribeAutoScalingInstancesCommand, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { startLocalDynamo } from '../../local/dynamo';
import { applyEnv, localTopicArn, standInEnv } from '../../local/environment';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { parseConfig, setConfig } from '../../shared/config/load';
import { readEnv } from '../../shared/config/env';
import { createHandler, type RemediateResult } from '../../functions/remediate';
import type { Rehearsal } from '../../shared/executors/rehearse';
import type { DeliveryResult } from '../../shared/executors/deliver';
import { loadEvent, type JsonObject } from '../helpers/fixtures';
import { metrics } from '../../shared/runtime/observability';

// The remediate function end to end: the GuardDuty samples through the real
// handler, the state table on dynalite (one record per resource, the cap's
// counters), the official Slack client against the local Slack, and EC2, Auto
// Scaling, IAM and SNS mocked with documented answers.

const INSTANCE = 'i-0a1b2c3d4e5f60789';
const ec2 = mockClient(EC2Client);
const autoscaling = mockClient(AutoScalingClient);
const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
const ecs = mockClient(ECSClient);
let slack: SlackStandIn;
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;

/** Each test counts against the cap in a window of its own (the invocation's clock). */
let clock = Date.parse('2030-01-01T00:00:00Z');
const invoke = (file: string, change: (e: JsonObject) => void = () => undefined) => {
  const e = loadEvent(`guardduty/${file}`);
  change(e);
  const at = clock;
  return createHandler({ env: readEnv(), now: () => new Date(at) })(e, lambdaContext({ functionName: 'cicd-guardian-test-remediate', budgetMs: 30_000 }) as Context) as Promise<RemediateResult>;
};
/** Another access key (and its user), so each test starts from no record. */
const key = (id: string, user: string) => (e: JsonObject) => {
  Object.assign(((e.detail as JsonObject).resource as JsonObject).accessKeyDetails as JsonObject, { accessKeyId: id, userName: user });
};
/** Another finding id (and instance), so each test starts from no record. */
const as = (id: string, instance?: string) => (e: JsonObject) => {
  const d = e.detail as JsonObject;
  d.id = id;
  if (instance) ((d.resource as JsonObject).instanceDetails as JsonObject).instanceId = instance;
};
const calls = () => [...ec2.calls(), ...autoscaling.calls(), ...iam.calls(), ...ecs.calls()].map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
const changes = () => calls().filter((n) => !/^(Describe|List|Get)/.test(n));
const isSummary = (c: SlackStandIn['calls'][number]) => JSON.stringify(c.body).includes('GuardDuty remediation from');
/** Calls for the resources' messages and replies; the window's summary apart. */
const slackCalls = (method: string) => slack.calls.filter((c) => c.method === method && !isSummary(c));
/** The resource message as last posted or updated. */
const resourceMessage = () => JSON.stringify(slack.calls.filter((c) => /^chat\.(postMessage|update)$/.test(c.method) && !isSummary(c)).at(-1)!.body);
const summaryCalls = (method: string) => slack.calls.filter((c) => c.method === method && isSummary(c));

const describeInstance = (id: string) =>
  ec2.on(DescribeInstancesCommand, { InstanceIds: [id] }).resolves({
    Reservations: [{ Instances: [{ InstanceId: id, VpcId: 'vpc-0123456789abcdef0', State: { Name: 'running' }, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0a1b2c3d4e5f60001' } }], NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718', Groups: [{ GroupId: 'sg-0aa11bb22cc33dd44' }] }] }] }],
  });

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  applyEnv(standInEnv({ dynamo, slack: { apiUrl: slack.apiUrl, token: 'xoxb-test' }, topicArn: localTopicArn('cicd-guardian-test') }));
});

afterAll(async () => {
  await slack.close();
  await dynamo.close();
  setConfig(undefined);
});

beforeEach(() => {
  for (const mock of [ec2, autoscaling, iam, sns, ecs]) mock.reset();
  slack.recover();
  slack.calls.length = 0;
  delete process.env.GUARDIAN_DRY_RUN;
  clock += 2 * 3_600_000;
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiTermination: { Value: false } });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  autoscaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [{ InstanceId: INSTANCE, AutoScalingGroupName: 'build-runners', AvailabilityZone: 'us-east-1a', LifecycleState: 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0150la7ed000000aa' });
  ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-0a1b2c3d4e5f60001' });
  configure();
});

/** guardian.yml of these tests; a test may change its remediation section before its first invocation. */
function configure(remediation: Record<string, unknown> = {}) {
  setConfig(
    parseConfig(
      {
        slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' } },
        remediation: { slack: { channel: '#security-alerts' }, exemptions: { tags: [{ key: 'guardian:remediation', value: 'exempt' }] }, cap: { perAccount: 3, overall: 10, windowMinutes: 60 }, ...remediation },
      },
      'test',
    ),
  );
}

describe('the remediate function', () => {
  it('contains a compromised instance, evidence first, reports each step done in the same message, and never again for the re-published finding (its message updated in place)', async () => {
    describeInstance(INSTANCE);
    const first = (await invoke('ec2-backdoor-cc-activity.json')) as DeliveryResult;
    expect(first.status).toBe('delivered');
    // (Their order is the dry-run test's: the mocks of two clients do not share a clock.)
    expect(changes().sort()).toEqual(['CreateSecurityGroup', 'CreateSnapshot', 'CreateTags', 'DetachInstances', 'ModifyInstanceAttribute', 'ModifyNetworkInterfaceAttribute', 'RevokeSecurityGroupEgress']);
    expect(autoscaling.commandCalls(DetachInstancesCommand)[0]!.args[0].input).toEqual({ AutoScalingGroupName: 'build-runners', InstanceIds: [INSTANCE], ShouldDecrementDesiredCapacity: false });
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)[0]!.args[0].input).toEqual({ NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718', Groups: ['sg-0150la7ed000000aa'] });
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)[0]!.args[0].input).toMatchObject({ GroupId: 'sg-0150la7ed000000aa' });
    expect(slackCalls('chat.postMessage')).toHaveLength(1);
    // Once the changes are made, the message posted with the plan is updated to say what became of each step.
    const [posted] = slackCalls('chat.postMessage');
    const [updated] = slackCalls('chat.update');
    expect(slackCalls('chat.update')).toHaveLength(1);
    expect(updated!.body.ts).toBe(posted!.ts);
    const shown = JSON.stringify(updated!.body);
    expect(shown).toContain('cicd-guardian contained instance i-0a1b2c3d4e5f60789 (build-runner-3): 5 steps done.');
    expect(shown).toContain(`✓ replace the security groups of ${INSTANCE}'s network interfaces with the isolation group cicd-guardian-isolation: *done*`);
    expect(shown).not.toMatch(/doing/);
    // One email, with the outcome.
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message).toMatch(/contained instance i-0a1b2c3d4e5f60789 \(build-runner-3\): 5 steps done\.[\s\S]*✓ tag i-0a1b2c3d4e5f60789 with the finding: done/);

    const before = changes().length;
    await invoke('ec2-backdoor-cc-activity-republished.json');
    expect(changes()).toHaveLength(before);
    expect(slackCalls('chat.postMessage')).toHaveLength(1);
    expect(slackCalls('chat.update')).toHaveLength(2);
    expect(JSON.stringify(slackCalls('chat.update')[1]!.body)).toMatch(/14 times/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("deactivates only the finding's access key, and records a key already Inactive without changing it", async () => {
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIA3XFRBF23DEPLOYER1', Status: 'Active' }, { AccessKeyId: 'AKIA3XFRBF23DEPLOYER2', Status: 'Active' }] });
    iam.on(UpdateAccessKeyCommand).resolves({});
    await invoke('iam-user-access-key.json', as('keyfinding1'));
    expect(iam.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([{ UserName: 'ci-deployer', AccessKeyId: 'AKIA3XFRBF23DEPLOYER1', Status: 'Inactive' }]);

    iam.reset();
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIA3XFRBF23DEPLOYER2', Status: 'Inactive' }] });
    await invoke('iam-user-access-key.json', (e) => {
      as('keyfinding2')(e);
      key('AKIA3XFRBF23DEPLOYER2', 'ci-deployer-2')(e);
    });
    expect(iam.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
    expect(JSON.stringify(slackCalls('chat.postMessage').at(-1)!.body)).toMatch(/already Inactive/);
  });

  it('tells clearly, once, when the instance is gone, and is not retried (the resource cannot come back)', async () => {
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('The instance ID does not exist'), { name: 'InvalidInstanceID.NotFound', $metadata: { httpStatusCode: 400 } }));
    const result = (await invoke('ec2-bitcoin-tool.json', as('gonefinding1', 'i-0e0e0e0e0e0e0e0e0'))) as DeliveryResult;
    expect(result.status).toBe('delivered');
    expect(changes()).toEqual([]);
    expect(JSON.stringify(slackCalls('chat.postMessage').at(-1)!.body)).toMatch(/does not exist \(InvalidInstanceID\.NotFound\)/);
  });

  it('names the missing permission when AWS denies a step, alerts in the thread, and does not retry', async () => {
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIA3XFRBF23DEPLOYER3', Status: 'Active' }] });
    iam.on(UpdateAccessKeyCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: iam:UpdateAccessKey on resource: user ci-deployer-3'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const result = await invoke('iam-user-access-key.json', (e) => {
      as('deniedfinding1')(e);
      key('AKIA3XFRBF23DEPLOYER3', 'ci-deployer-3')(e);
    });
    expect(result.status).toBe('delivered');
    const reply = slackCalls('chat.postMessage').find((c) => JSON.stringify(c.body).includes("role lacks iam:UpdateAccessKey"));
    expect(reply).toBeDefined();
    // The resource's message marks the step failed, with what AWS said.
    expect(JSON.stringify(slackCalls('chat.update').at(-1)!.body)).toMatch(/✗ deactivate access key AKIA3XFRBF23DEPLOYER3 of ci-deployer-3 \(its other keys untouched\): \*failed\* \(iam:UpdateAccessKey for .*AccessDenied/);
    expect(sns.commandCalls(PublishCommand).some((c) => /could not remediate/.test(c.args[0].input.Subject ?? ''))).toBe(true);
  });

  it('retries throttling (the invocation fails, so Lambda retries it and then dead-letters it)', async () => {
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIA3XFRBF23DEPLOYER4', Status: 'Active' }] });
    iam.on(UpdateAccessKeyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    await expect(invoke('iam-user-access-key.json', (e) => {
      as('throttledfinding1')(e);
      key('AKIA3XFRBF23DEPLOYER4', 'ci-deployer-4')(e);
    })).rejects.toThrow(/throttled/);
  });

  it('stops acting past the blast-radius cap, tells which steps it held back, and pages once', async () => {
    for (const i of [1, 2, 3]) describeInstance(`i-0c0c0c0c0c0c0c0c${i}`);
    for (const i of [1, 2, 3]) await invoke('ec2-bitcoin-tool.json', as(`capfinding${i}`, `i-0c0c0c0c0c0c0c0c${i}`));
    // The cap is 3 per account: the first instance takes 2 (detach, isolate), the second 1 (detach), the third none.
    expect(autoscaling.commandCalls(DetachInstancesCommand).length + ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand).length).toBe(3);
    const pages = sns.commandCalls(PublishCommand).filter((c) => /blast-radius cap reached/.test(c.args[0].input.Subject ?? ''));
    expect(pages).toHaveLength(1);
    expect(JSON.stringify(slackCalls('chat.postMessage').at(-1)!.body)).toMatch(/blast-radius cap/);
  });

  const paymentsApi = (desiredCount: number) =>
    ecs.on(DescribeServicesCommand, { cluster: 'payments-prod', services: ['payments-api'] }).resolves({
      services: [{ serviceName: 'payments-api', status: 'ACTIVE', desiredCount, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'], securityGroups: ['sg-0aa11bb22cc33dd44'], assignPublicIp: 'DISABLED' } } }],
      failures: [],
    });

  it("isolates a service's tasks in its VPC's isolation group (created), keeping its subnets, when ecs.onServiceFinding is isolate", async () => {
    configure({ ecs: { onServiceFinding: 'isolate' } });
    paymentsApi(3);
    ec2.on(DescribeSubnetsCommand, { SubnetIds: ['subnet-0a1b2c3d4e5f60001'] }).resolves({ Subnets: [{ SubnetId: 'subnet-0a1b2c3d4e5f60001', VpcId: 'vpc-0123456789abcdef0' }] });
    ecs.on(UpdateServiceCommand).resolves({ service: { serviceName: 'payments-api' } });
    const result = (await invoke('ecs-runtime-service-task.json')) as DeliveryResult;
    expect(result.status).toBe('delivered');
    expect(ec2.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input).toMatchObject({ GroupName: 'cicd-guardian-isolation', VpcId: 'vpc-0123456789abcdef0' });
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'payments-prod', service: 'payments-api', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'], securityGroups: ['sg-0150la7ed000000aa'], assignPublicIp: 'DISABLED' } } },
    ]);
    expect(resourceMessage()).toMatch(/isolation group cicd-guardian-isolation \(it had sg-0aa11bb22cc33dd44\): \*done\*/);
  });

  it('scales a service to zero when ecs.onServiceFinding is scaleToZero, saying what its desired count was', async () => {
    configure({ ecs: { onServiceFinding: 'scaleToZero' } });
    paymentsApi(4);
    ecs.on(UpdateServiceCommand).resolves({ service: { serviceName: 'payments-api', desiredCount: 0 } });
    await invoke('ecs-runtime-service-task.json', as('scalefinding1'));
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'payments-prod', service: 'payments-api', desiredCount: 0 }]);
    expect(resourceMessage()).toMatch(/scale service payments-prod\/payments-api to zero \(desired count was 4\): \*done\*/);
  });

  it('sums up a window in one Slack message, updated as findings arrive: 200 findings on 20 keys give 20 resource messages and one summary', async () => {
    iam.on(ListAccessKeysCommand).callsFake(({ UserName }: { UserName: string }) => ({ AccessKeyMetadata: [{ AccessKeyId: `AKIASTORM${UserName.slice(-4)}`, Status: 'Active' }] }));
    iam.on(UpdateAccessKeyCommand).resolves({});
    const keys = Array.from({ length: 20 }, (_, k) => String(k).padStart(4, '0'));
    // Ten rounds, each a finding on every key at once (concurrent invocations meet at the summary's lease).
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(keys.map((k) => invoke('iam-user-access-key.json', (e) => {
        as(`storm${round}x${k}`)(e);
        key(`AKIASTORM${k}`, `storm-user-${k}`)(e);
      })));
    }
    // Cap 3 per account: three keys deactivated, the other seventeen held back.
    expect(iam.commandCalls(UpdateAccessKeyCommand)).toHaveLength(3);
    expect(slackCalls('chat.postMessage')).toHaveLength(20);
    expect(summaryCalls('chat.postMessage')).toHaveLength(1);
    const updates = summaryCalls('chat.update');
    // Updated when a resource is added or its outcome changes, not per finding.
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThanOrEqual(19);
    const last = JSON.stringify(updates.at(-1)!.body);
    expect(last).toContain('Findings on 20 resources in this window');
    expect(last).toMatch(/Playbook iamCredentials\*\\n(contained: 3, held by the cap: 17|held by the cap: 17, contained: 3)/);
    expect(last).toMatch(/• access key AKIASTORM\d{4} of storm-user-\d{4}: iamCredentials, (contained|held by the cap)/);
    expect(last).toContain('… and 10 more');
  }, 60_000);

  it('acts on no sample finding and no exempted resource, and only notifies a finding of an account guardian.yml does not serve', async () => {
    for (const file of ['ec2-sample-finding.json', 'ec2-exempted-by-tag.json', 'ec2-other-account.json']) await invoke(file);
    expect(calls()).toEqual([]);
    expect(JSON.stringify(slackCalls('chat.postMessage').at(-1)!.body)).toMatch(/account 210987654321 \(region us-east-1\) is not served: .*no organization section/);
  });

  it('in dry-run, shows every call and message it would make and changes nothing', async () => {
    process.env.GUARDIAN_DRY_RUN = 'true';
    describeInstance('i-0d0d0d0d0d0d0d0d1');
    const result = (await invoke('ec2-backdoor-cc-activity.json', as('dryfinding1', 'i-0d0d0d0d0d0d0d0d1'))) as Rehearsal;
    expect(result.status).toBe('dry-run');
    expect(result.recorded.filter((c) => c.to === 'aws').map((c) => c.to === 'aws' && c.api)).toEqual([
      'ec2:CreateTags', 'ec2:CreateSnapshot', 'ec2:ModifyInstanceAttribute', 'autoscaling:DetachInstances', 'ec2:CreateSecurityGroup', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifyNetworkInterfaceAttribute',
    ]);
    expect(changes()).toEqual([]);
    expect(slackCalls('chat.postMessage')).toHaveLength(0);
  });

  it('rejects a malformed finding, naming the fields, so it ends in the dead-letter queue', async () => {
    await expect(invoke('malformed-finding.json')).rejects.toThrow(/detail\.id.*detail\.severity/);
    expect(calls()).toEqual([]);
  });
});

describe('the remediate function in an organisation', () => {
  const MEMBER = '210987654321';
  const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/cicd-guardian-member`;
  const sts = mockClient(STSClient);
  const serving = (accounts: Record<string, unknown> = {}) =>
    setConfig(
      parseConfig(
        {
          slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' } },
          remediation: { slack: { channel: '#security-alerts' }, cap: { perAccount: 3, overall: 10, windowMinutes: 60 } },
          organization: { id: 'o-a1b2c3d4e5', serve: [MEMBER], regions: ['us-east-1'], accounts },
        },
        'test',
      ),
    );
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAMEMBERROLE000001', SecretAccessKey: 'member-secret', SessionToken: 'member-session', Expiration: new Date(Date.now() + 3_600_000) },
      AssumedRoleUser: { AssumedRoleId: 'AROAMEMBER:cicd-guardian', Arn: `arn:aws:sts::${MEMBER}:assumed-role/cicd-guardian-member/cicd-guardian` },
    });
  });
  afterAll(() => sts.restore());

  it("contains an instance of a served member account through the organisation's member role, and says so", async () => {
    serving();
    // An instance of its own, so the resource has no message yet.
    describeInstance('i-0f0f0f0f0f0f0f0f1');
    const result = (await invoke('ec2-other-account.json', as('memberfinding1', 'i-0f0f0f0f0f0f0f0f1'))) as DeliveryResult;
    expect(result.status).toBe('delivered');
    const isolation = ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand);
    expect(isolation).toHaveLength(1);
    // Made by a client with the member role's credentials (the mock answers before the SDK resolves them), in the finding's region.
    const client = isolation[0]!.thisValue as EC2Client;
    expect((await client.config.credentials()).accessKeyId).toBe('ASIAMEMBERROLE000001');
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toMatchObject({ RoleArn: MEMBER_ROLE, RoleSessionName: 'cicd-guardian' });
    expect(await client.config.region()).toBe('us-east-1');
    expect(JSON.stringify(slackCalls('chat.postMessage').at(-1)!.body)).toContain(`through ${MEMBER_ROLE}`);
  });

  it('rejects at the entry a finding sent from an account it does not serve, counts it, and reads, changes or posts nothing', async () => {
    serving();
    const counted = jest.spyOn(metrics, 'addMetric');
    try {
      const answer = await invoke('ec2-other-account.json', (e) => Object.assign(e, { account: '999988887777' }));
      expect(answer).toEqual({
        status: 'rejected',
        reason: 'account 999988887777 (region us-east-1) is not served: cicd-guardian runs in account 123456789012 and organization.serve names neither it nor a unit listing it',
      });
      expect(counted).toHaveBeenCalledWith('ForeignAccountRejected', 'Count', 1);
    } finally {
      counted.mockRestore();
    }
    expect([...calls(), ...sts.calls()]).toEqual([]);
    expect(slackCalls('chat.postMessage')).toEqual([]);
  });

  it("only notifies a finding of a served account whose policy switches remediation off (act.remediate: false), assuming nothing", async () => {
    serving({ [MEMBER]: { alias: 'payments-prod', act: { remediate: false } } });
    await invoke('ec2-other-account.json', as('memberfinding2', 'i-0e0e0e0e0e0e0e0e1'));
    expect([...calls(), ...sts.calls()]).toEqual([]);
    expect(JSON.stringify(slackCalls('chat.postMessage').at(-1)!.body)).toMatch(/remediate does not act in account payments-prod \(210987654321\)/);
  });
});
