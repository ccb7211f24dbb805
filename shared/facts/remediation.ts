import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { AutoScalingClient, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetBucketPolicyStatusCommand, GetPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import type { GuardianConfig } from '../config/schema.js';
import type { Finding } from '../events/guardduty.js';
import type { RemediationFacts } from '../policies/remediation.js';
import { clientFor, type Place } from '../runtime/aws.js';
import type { IamNeed } from '../runtime/iam.js';

// What a finding's resource is like now, read before deciding, so a step
// already in effect is recorded instead of redone (a key already Inactive, an
// instance already isolated, Block Public Access already on, a trail logging)
// and a resource that is gone is said to be gone. A read that fails otherwise
// is reported and left out: the step is planned, and its own call says why it fails.

export const REMEDIATION_FACTS_IAM: IamNeed[] = [
  {
    actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceAttribute', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'autoscaling:DescribeAutoScalingInstances', 'cloudtrail:GetTrailStatus'],
    resources: 'everything',
    why: 'EC2 and Auto Scaling Describe calls have no resource-level permissions; a finding may name any trail',
  },
  { actions: ['iam:ListAccessKeys'], resources: 'anyUser' },
  { actions: ['ecs:DescribeServices'], resources: 'anyService', why: 'a runtime finding may name any service of the account' },
  { actions: ['s3:GetBucketPublicAccessBlock', 's3:GetBucketPolicyStatus'], resources: 'anyBucket', conditions: { StringEquals: { 'aws:ResourceAccount': 'thisAccount' } }, why: 'bucket ARNs name no account: only buckets of the account the role is in' },
];

type FactError = (call: string, error: unknown) => void;

/** Errors that mean the resource is gone: the step cannot succeed, now or on a retry. */
const MISSING = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed', 'NoSuchEntity', 'NoSuchEntityException', 'NoSuchBucket', 'TrailNotFoundException']);

const nameOf = (error: unknown) => (error as { name?: string }).name ?? 'Error';
const missing = (what: string, error: unknown) => ({ missing: `${what} does not exist (${nameOf(error)}): deleted or terminated?` });

async function read<T>(call: string, fn: () => Promise<T>, onError: FactError): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    onError(call, error);
    return undefined;
  }
}

/** The id of the VPC's isolation group (remediation.ec2.isolationGroupName), if it exists. */
async function isolationGroupIn(ec2: EC2Client, vpcId: string, config: GuardianConfig, onError: FactError): Promise<string | undefined> {
  const filters = [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [config.remediation.ec2.isolationGroupName] }];
  const found = await read('ec2:DescribeSecurityGroups', () => ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters })), onError);
  return found?.SecurityGroups?.[0]?.GroupId;
}

async function instanceFacts(place: Place, finding: Finding, config: GuardianConfig, onError: FactError): Promise<RemediationFacts['instance']> {
  if (finding.resource.kind !== 'instance') return undefined;
  const { instanceId } = finding.resource;
  const ec2 = clientFor(EC2Client, place);
  let described;
  try {
    described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  } catch (error) {
    if (MISSING.has(nameOf(error))) return missing(`instance ${instanceId}`, error);
    onError('ec2:DescribeInstances', error);
    return undefined;
  }
  const instance = described.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  if (!instance || instance.State?.Name === 'terminated') return { missing: `instance ${instanceId} is ${instance ? 'terminated' : 'not found'}` };
  const vpcId = instance.VpcId;
  const [protection, scaling, groups] = await Promise.all([
    read('ec2:DescribeInstanceAttribute', () => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' })), onError),
    read('autoscaling:DescribeAutoScalingInstances', () => clientFor(AutoScalingClient, place).send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] })), onError),
    vpcId ? isolationGroupIn(ec2, vpcId, config, onError) : undefined,
  ]);
  const isolationGroupId = groups;
  const autoScalingGroup = scaling?.AutoScalingInstances?.[0]?.AutoScalingGroupName;
  return {
    volumeIds: (instance.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.VolumeId ? [b.Ebs.VolumeId] : [])),
    terminationProtected: protection?.DisableApiTermination?.Value === true,
    ...(instance.State?.Name ? { state: instance.State.Name } : {}),
    ...(autoScalingGroup ? { autoScalingGroup } : {}),
    ...(isolationGroupId ? { isolationGroupId } : {}),
    groupsByEni: Object.fromEntries((instance.NetworkInterfaces ?? []).flatMap((n) => (n.NetworkInterfaceId ? [[n.NetworkInterfaceId, (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []))]] : []))),
  };
}

/** For isolating a service or scaling it to zero: its desired count, its tasks' awsvpc configuration, their VPC and its isolation group. */
async function serviceTaskFacts(place: Place, finding: Finding, config: GuardianConfig, onError: FactError): Promise<RemediationFacts['serviceTasks']> {
  const r = finding.resource;
  if (r.kind !== 'ecsTask' || !r.service || config.remediation.ecs.onServiceFinding === 'rollback') return undefined;
  const name = `${r.cluster}/${r.service}`;
  let described;
  try {
    described = await clientFor(ECSClient, place).send(new DescribeServicesCommand({ cluster: r.cluster, services: [r.service] }));
  } catch (error) {
    if (nameOf(error) === 'ClusterNotFoundException') return missing(`cluster ${r.cluster}`, error);
    onError('ecs:DescribeServices', error);
    return undefined;
  }
  const service = described.services?.find((s) => s.serviceName === r.service);
  // DescribeServices answers a missing service in failures[] (reason MISSING), not with an error.
  if (!service || service.status === 'INACTIVE') return { missing: `service ${name} ${service ? 'is INACTIVE (deleted)' : 'does not exist (MISSING)'}` };
  const vpc = service.networkConfiguration?.awsvpcConfiguration;
  const subnets = vpc?.subnets ?? [];
  const ec2 = clientFor(EC2Client, place);
  const vpcId = subnets[0] ? (await read('ec2:DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnets[0]!] })), onError))?.Subnets?.[0]?.VpcId : undefined;
  const isolationGroupId = vpcId ? await isolationGroupIn(ec2, vpcId, config, onError) : undefined;
  return {
    desiredCount: service.desiredCount ?? 0,
    subnets,
    securityGroups: vpc?.securityGroups ?? [],
    ...(vpc?.assignPublicIp ? { assignPublicIp: vpc.assignPublicIp } : {}),
    ...(vpcId ? { vpcId } : {}),
    ...(isolationGroupId ? { isolationGroupId } : {}),
  };
}

async function accessKeyFacts(place: Place, finding: Finding, onError: FactError): Promise<RemediationFacts['accessKey']> {
  const r = finding.resource;
  if (r.kind !== 'accessKey' || r.userType !== 'IAMUser' || !r.userName || !r.accessKeyId) return undefined;
  try {
    const keys = await clientFor(IAMClient, place).send(new ListAccessKeysCommand({ UserName: r.userName }));
    const key = keys.AccessKeyMetadata?.find((k) => k.AccessKeyId === r.accessKeyId);
    if (!key) return { missing: `access key ${r.accessKeyId} of ${r.userName} does not exist (deleted?)` };
    return { status: key.Status === 'Inactive' ? 'Inactive' : 'Active' };
  } catch (error) {
    if (MISSING.has(nameOf(error))) return missing(`IAM user ${r.userName}`, error);
    onError('iam:ListAccessKeys', error);
    return undefined;
  }
}

async function bucketFacts(place: Place, bucket: string, onError: FactError): Promise<NonNullable<RemediationFacts['buckets']>[string] | undefined> {
  const s3 = clientFor(S3Client, place);
  const ifNot = (absent: string) => (error: unknown) => {
    if (nameOf(error) === absent) return undefined;
    throw error;
  };
  try {
    const [block, status] = await Promise.all([
      s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })).catch(ifNot('NoSuchPublicAccessBlockConfiguration')),
      s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket })).catch(ifNot('NoSuchBucketPolicy')),
    ]);
    const c = block?.PublicAccessBlockConfiguration;
    const allBlocked = Boolean(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
    return { allBlocked, ...(status ? { publicInEffect: status.PolicyStatus?.IsPublic === true } : {}) };
  } catch (error) {
    if (MISSING.has(nameOf(error))) return missing(`bucket ${bucket}`, error);
    onError('s3:GetBucketPolicyStatus', error);
    return undefined;
  }
}

async function trailFacts(place: Place, finding: Finding, onError: FactError): Promise<RemediationFacts['trail']> {
  const trail = finding.affectedResources['AWS::CloudTrail::Trail'];
  if (!trail) return undefined;
  try {
    const status = await clientFor(CloudTrailClient, place).send(new GetTrailStatusCommand({ Name: trail }));
    return { logging: status.IsLogging === true };
  } catch (error) {
    if (MISSING.has(nameOf(error))) return missing(`trail ${trail}`, error);
    onError('cloudtrail:GetTrailStatus', error);
    return undefined;
  }
}

/** Buckets a finding is about: its own, and those an attack sequence names. */
const bucketsOf = (finding: Finding): string[] => [
  ...(finding.resource.kind === 'buckets' ? finding.resource.buckets.map((b) => b.name) : []),
  ...(finding.sequence?.resources ?? []).filter((r) => r.resourceType === 'AWS::S3::Bucket' && r.name).map((r) => r.name!),
];

/** Reads what the finding's playbook needs to know, where the resource is (`place`: its account, region and role). */
export async function remediationFacts(place: Place, finding: Finding, config: GuardianConfig, onError: FactError): Promise<RemediationFacts> {
  const buckets = [...new Set(bucketsOf(finding))];
  const [instance, serviceTasks, accessKey, trail, bucketStates] = await Promise.all([
    instanceFacts(place, finding, config, onError),
    serviceTaskFacts(place, finding, config, onError),
    accessKeyFacts(place, finding, onError),
    trailFacts(place, finding, onError),
    Promise.all(buckets.map(async (b) => [b, await bucketFacts(place, b, onError)] as const)),
  ]);
  const known = bucketStates.filter((entry): entry is readonly [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined);
  return {
    ...(instance ? { instance } : {}),
    ...(serviceTasks ? { serviceTasks } : {}),
    ...(accessKey ? { accessKey } : {}),
    ...(trail ? { trail } : {}),
    ...(known.length ? { buckets: Object.fromEntries(known) } : {}),
  };
}
