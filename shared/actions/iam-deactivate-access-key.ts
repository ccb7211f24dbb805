import { IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { IamDeactivateAccessKeyAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Deactivates the one access key a finding names. Never the user's other keys,
// and never deleted: a person can turn it on again once it is understood.

export const iamDeactivateAccessKey: ActionModule<IamDeactivateAccessKeyAction> = {
  type: 'iam.deactivateAccessKey',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['iam:UpdateAccessKey'], resources: 'anyUser' }],
  target: (action) => `access key ${action.accessKeyId} of ${action.userName}`,
  perform: (action, ctx) =>
    performChange(
      action,
      `access key ${action.accessKeyId} of ${action.userName}`,
      ctx,
      call('iam:UpdateAccessKey', { UserName: action.userName, AccessKeyId: action.accessKeyId, Status: 'Inactive' as const }, (input) =>
        clientFor(IAMClient, ctx.channels.place).send(new UpdateAccessKeyCommand(input)),
      ),
      () => 'Inactive',
    ),
  describe: (action) => `deactivate access key ${action.accessKeyId} of IAM user ${action.userName}`,
};
