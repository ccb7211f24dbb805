import { ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { EcsStopTaskAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Stops a standalone task a runtime finding names (a service's task would only be started again: its service is acted on instead).

export const ecsStopTask: ActionModule<EcsStopTaskAction> = {
  type: 'ecs.stopTask',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['ecs:StopTask'], resources: 'anyTask' }],
  target: (action) => `task ${action.task.split('/').pop()} in ${action.cluster}`,
  perform: (action, ctx) =>
    performChange(
      action,
      `task ${action.task.split('/').pop()} in ${action.cluster}`,
      ctx,
      call('ecs:StopTask', { cluster: action.cluster, task: action.task, reason: `cicd-guardian: ${action.reason}`.slice(0, 255) }, (input) =>
        clientFor(ECSClient, ctx.channels.place).send(new StopTaskCommand(input)),
      ),
      (res) => res?.task?.lastStatus,
    ),
  describe: (action) => `stop task ${action.task} in cluster ${action.cluster}`,
};
