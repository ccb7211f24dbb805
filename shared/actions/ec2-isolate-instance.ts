import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import type { Ec2IsolateInstanceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule, ActionContext } from './module.js';
import { call, callAws, instanceTarget, performChange } from './change.js';

// Replaces the security groups of each network interface of an instance with
// the VPC's isolation group: a group without rules (its default allow-all
// egress rule is revoked when it is created). Security groups only stop new
// connections from being tracked; a network ACL deny cuts tracked ones.

const ALL_EGRESS = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

/** The isolation group's id: the one known, or the one created now (or, when two invocations raced, the other's). */
async function isolationGroup(action: Ec2IsolateInstanceAction, ctx: ActionContext, target: string): Promise<string> {
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

export const ec2IsolateInstance: ActionModule<Ec2IsolateInstanceAction> = {
  type: 'ec2.isolateInstance',
  kind: 'change',
  order: 0,
  iam: [
    { actions: ['ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifyNetworkInterfaceAttribute'], resources: 'anyEc2' },
    { actions: ['ec2:DescribeSecurityGroups'], resources: 'everything', why: 'EC2 Describe calls have no resource-level permissions' },
  ],
  target: instanceTarget,
  async perform(action, ctx) {
    const target = instanceTarget(action);
    const groupId = await isolationGroup(action, ctx, target);
    const ec2 = () => clientFor(EC2Client, ctx.channels.place);
    const modify = (eni: string) => call('ec2:ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: eni, Groups: [groupId] }, (input) => ec2().send(new ModifyNetworkInterfaceAttributeCommand(input)));
    for (const eni of action.networkInterfaceIds.slice(0, -1)) await callAws(target, ctx, modify(eni));
    return performChange(action, target, ctx, modify(action.networkInterfaceIds.at(-1)!), () => groupId);
  },
  describe: (action) => `give network interfaces ${action.networkInterfaceIds.join(', ')} of instance ${action.instanceId} only the isolation group ${action.groupId ?? `${action.groupName} (created in ${action.vpcId})`}`,
};
