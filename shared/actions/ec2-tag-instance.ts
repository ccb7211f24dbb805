import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2TagInstanceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, instanceTarget, performChange } from './change.js';

// Tags a compromised instance with the finding (the first, evidence-keeping step of the EC2 playbook).

export const ec2TagInstance: ActionModule<Ec2TagInstanceAction> = {
  type: 'ec2.tagInstance',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['ec2:CreateTags'], resources: 'anyEc2' }],
  target: instanceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      instanceTarget(action),
      ctx,
      call('ec2:CreateTags', { Resources: [action.instanceId], Tags: Object.entries(action.tags).map(([Key, Value]) => ({ Key, Value })) }, (input) =>
        clientFor(EC2Client, ctx.channels.place).send(new CreateTagsCommand(input)),
      ),
      () => undefined,
    ),
  describe: (action) => `tag instance ${action.instanceId} with ${Object.entries(action.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`,
};
