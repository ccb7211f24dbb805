import { StopServiceDeploymentCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { EcsStopDeploymentAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, serviceTarget } from './change.js';

// Stops an in-flight ECS deployment and lets ECS roll it back (stopType ROLLBACK).

export const ecsStopDeployment: ActionModule<EcsStopDeploymentAction> = {
  type: 'ecs.stopDeployment',
  kind: 'change',
  order: 0,
  iam: [
    {
      actions: ['ecs:StopServiceDeployment'],
      resources: 'services',
      why: 'StopServiceDeployment authorizes against the service as well as the service deployment',
    },
    { actions: ['ecs:StopServiceDeployment'], resources: 'serviceDeployments' },
  ],
  target: serviceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      serviceTarget(action),
      ctx,
      call('ecs:StopServiceDeployment', { serviceDeploymentArn: action.serviceDeploymentArn, stopType: 'ROLLBACK' as const }, (input) =>
        clientFor(ECSClient, ctx.channels.place).send(new StopServiceDeploymentCommand(input)),
      ),
      (res) => res?.serviceDeploymentArn ?? action.serviceDeploymentArn,
    ),
  describe: (action) => `stop deployment ${action.serviceDeploymentArn} of ${serviceTarget(action)} and let ECS roll it back`,
};
