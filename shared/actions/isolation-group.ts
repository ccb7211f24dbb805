import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupEgressCommand } from '@aws-sdk/client-ec2';
import { clientFor } from '../runtime/aws.js';
import type { IamNeed } from '../runtime/iam.js';
import type { ActionContext } from './module.js';
import { call, callAws } from './change.js';

// A VPC's isolation group, shared by what isolates (an instance's interfaces,
// an ECS service's tasks): a group without rules (its default allow-all egress
// rule is revoked when it is created), found by name or created.

/** Which isolation group: the one known, or the name to create it by in the VPC. */
export interface IsolationGroupRef {
  vpcId: string;
  groupId?: string;
  groupName: string;
}

export const ISOLATION_GROUP_IAM: IamNeed[] = [
  { actions: ['ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:RevokeSecurityGroupEgress'], resources: 'anyEc2' },
  { actions: ['ec2:DescribeSecurityGroups'], resources: 'everything', why: 'EC2 Describe calls have no resource-level permissions' },
];

const ALL_EGRESS = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

/** The isolation group's id: the one known, or the one created now (or, when two invocations raced, the other's). */
export async function isolationGroup(action: IsolationGroupRef, ctx: ActionContext, target: string): Promise<string> {
  if (action.groupId) return action.groupId;
  const ec2 = clientFor(EC2Client, ctx.channels.place);
  const create = call(
    'ec2:CreateSecurityGroup',
    {
      GroupName: action.groupName,
      VpcId: action.vpcId,
      Description: 'cicd-guardian isolation: no inbound or outbound rules',
      TagSpecifications: [{ ResourceType: 'security-group' as const, Tags: [{ Key: 'guardian:isolation', Value: 'true' }] }],
    },
    (input) => ec2.send(new CreateSecurityGroupCommand(input)),
  );
  let created;
  try {
    created = await callAws(target, ctx, create);
  } catch (error) {
    if (!/InvalidGroup\.Duplicate/.test((error as Error).message)) throw error;
    const found = await callAws(
      target,
      ctx,
      call('ec2:DescribeSecurityGroups', { Filters: [{ Name: 'vpc-id', Values: [action.vpcId] }, { Name: 'group-name', Values: [action.groupName] }] }, (input) => ec2.send(new DescribeSecurityGroupsCommand(input))),
    );
    const id = found?.SecurityGroups?.[0]?.GroupId;
    if (!id) throw error;
    return id;
  }
  // A dry-run records the calls and has no id: the calls name the group as it would be created.
  const id = created?.GroupId ?? `(new ${action.groupName})`;
  await callAws(target, ctx, call('ec2:RevokeSecurityGroupEgress', { GroupId: id, IpPermissions: ALL_EGRESS }, (input) => ec2.send(new RevokeSecurityGroupEgressCommand(input))));
  return id;
}

