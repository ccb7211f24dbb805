import { StartLoggingCommand, CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { StartLoggingAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Starts a protected trail's logging again after someone stopped it. Called in
// the Region the StopLogging was (a trail's home Region: it is refused elsewhere).

export const cloudTrailStartLogging: ActionModule<StartLoggingAction> = {
  type: 'cloudtrail.startLogging',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['cloudtrail:StartLogging'], resources: 'protectedTrails' }],
  target: (action) => `trail ${action.trail}`,
  perform: (action, ctx) =>
    performChange(
      action,
      `trail ${action.trail}`,
      ctx,
      call('cloudtrail:StartLogging', { Name: action.trail }, (input) => clientFor(CloudTrailClient, ctx.channels.place).send(new StartLoggingCommand(input))),
      () => undefined,
    ),
  describe: (action) => `start logging again on trail ${action.trail}`,
};
