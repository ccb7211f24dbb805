import { ModifyInstanceAttributeCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2ProtectInstanceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, instanceTarget, performChange } from './change.js';

// Turns termination protection on, so neither a person nor its Auto Scaling group destroys the evidence.

export const ec2ProtectInstance: ActionModule<Ec2ProtectInstanceAction> = {
  type: 'ec2.protectInstance',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['ec2:ModifyInstanceAttribute'], resources: 'anyEc2' }],
  target: instanceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      instanceTarget(action),
      ctx,
      call('ec2:ModifyInstanceAttribute', { InstanceId: action.instanceId, DisableApiTermination: { Value: true } }, (input) =>
        clientFor(EC2Client, ctx.channels.place).send(new ModifyInstanceAttributeCommand(input)),
      ),
      () => undefined,
    ),
  describe: (action) => `protect instance ${action.instanceId} from termination`,
};
