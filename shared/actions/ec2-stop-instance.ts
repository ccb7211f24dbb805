import { StopInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2StopInstanceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, instanceTarget, performChange } from './change.js';

// Stops a compromised instance (remediation.ec2.stopInstance), after its volumes are snapshotted and it is isolated.

export const ec2StopInstance: ActionModule<Ec2StopInstanceAction> = {
  type: 'ec2.stopInstance',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['ec2:StopInstances'], resources: 'anyEc2' }],
  target: instanceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      instanceTarget(action),
      ctx,
      call('ec2:StopInstances', { InstanceIds: [action.instanceId] }, (input) => clientFor(EC2Client, ctx.channels.place).send(new StopInstancesCommand(input))),
      (res) => res?.StoppingInstances?.[0]?.CurrentState?.Name,
    ),
  describe: (action) => `stop instance ${action.instanceId}`,
};
