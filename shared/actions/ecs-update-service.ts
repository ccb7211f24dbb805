import { UpdateServiceCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { EcsUpdateServiceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, serviceTarget } from './change.js';

// Deploys a known-good task definition (UpdateService).

export const ecsUpdateService: ActionModule<EcsUpdateServiceAction> = {
  type: 'ecs.updateService',
  kind: 'change',
  order: 0,
  iam: [
    {
      actions: ['ecs:UpdateService'],
      resources: 'services',
      conditions: { ArnLike: { 'ecs:task-definition': 'taskDefinitions' } },
      why: "only to a revision of the service's own task definition family",
    },
    {
      // A task definition that names roles passes them: without this, AccessDeniedException "... iam:PassRole ...".
      actions: ['iam:PassRole'],
      resources: 'passRoles',
      conditions: { StringEquals: { 'iam:PassedToService': { value: 'ecs-tasks.amazonaws.com' } } },
      why: 'UpdateService to a task definition passes its task and execution roles',
    },
  ],
  target: serviceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      serviceTarget(action),
      ctx,
      call('ecs:UpdateService', { cluster: action.cluster, service: action.service, taskDefinition: action.taskDefinitionArn, forceNewDeployment: false }, (input) =>
        clientFor(ECSClient, ctx.channels.place).send(new UpdateServiceCommand(input)),
      ),
      (res) => res?.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id,
    ),
  describe: (action) => `deploy ${action.taskDefinitionArn} to ${serviceTarget(action)}`,
};
