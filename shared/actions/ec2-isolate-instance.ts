import { EC2Client, ModifyNetworkInterfaceAttributeCommand } from '@aws-sdk/client-ec2';
import type { Ec2IsolateInstanceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { ISOLATION_GROUP_IAM, isolationGroup } from './isolation-group.js';
import { call, callAws, instanceTarget, performChange } from './change.js';

// Replaces the security groups of each network interface of an instance with
// the VPC's isolation group (shared/actions/isolation-group.ts). Security
// groups only stop new connections from being tracked; a network ACL deny
// cuts tracked ones.

export const ec2IsolateInstance: ActionModule<Ec2IsolateInstanceAction> = {
  type: 'ec2.isolateInstance',
  kind: 'change',
  order: 0,
  iam: [
    ...ISOLATION_GROUP_IAM,
    { actions: ['ec2:ModifyNetworkInterfaceAttribute'], resources: 'anyEc2' },
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
