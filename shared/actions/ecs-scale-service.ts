import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { EcsScaleServiceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, serviceTarget } from './change.js';
import { UPDATE_SERVICE_IN_PLACE_IAM } from './ecs-service-iam.js';

// Sets an ECS service's desired count (to zero, for a runtime finding in its
// tasks): its tasks are stopped and none start again. The earlier count is in
// the action (and so the audit) to scale it back by hand.

export const ecsScaleService: ActionModule<EcsScaleServiceAction> = {
  type: 'ecs.scaleService',
  kind: 'change',
  order: 0,
  iam: [UPDATE_SERVICE_IN_PLACE_IAM],
  target: serviceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      serviceTarget(action),
      ctx,
      call('ecs:UpdateService', { cluster: action.cluster, service: action.service, desiredCount: action.desiredCount }, (input) =>
        clientFor(ECSClient, ctx.channels.place).send(new UpdateServiceCommand(input)),
      ),
      () => `desired count ${action.previousDesiredCount} -> ${action.desiredCount}`,
    ),
  describe: (action) => `set the desired count of ${serviceTarget(action)} to ${action.desiredCount} (it was ${action.previousDesiredCount})`,
};
