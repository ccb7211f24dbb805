import { AutoScalingClient, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingDetachInstanceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, instanceTarget, performChange } from './change.js';

// Takes a compromised instance out of its Auto Scaling group without lowering
// the desired capacity: the group launches a replacement, and the instance is
// kept (not terminated) for forensics.

export const autoScalingDetachInstance: ActionModule<AutoScalingDetachInstanceAction> = {
  type: 'autoscaling.detachInstance',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['autoscaling:DetachInstances'], resources: 'anyAutoScalingGroup' }],
  target: instanceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      instanceTarget(action),
      ctx,
      call('autoscaling:DetachInstances', { AutoScalingGroupName: action.group, InstanceIds: [action.instanceId], ShouldDecrementDesiredCapacity: false }, (input) =>
        clientFor(AutoScalingClient, ctx.channels.place).send(new DetachInstancesCommand(input)),
      ),
      (res) => res?.Activities?.[0]?.ActivityId,
    ),
  describe: (action) => `detach instance ${action.instanceId} from Auto Scaling group ${action.group} (desired capacity kept)`,
};
