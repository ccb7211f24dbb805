import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { EcsIsolateServiceAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, serviceTarget } from './change.js';
import { UPDATE_SERVICE_IN_PLACE_IAM } from './ecs-service-iam.js';
import { ISOLATION_GROUP_IAM, isolationGroup } from './isolation-group.js';

// Gives an ECS service's tasks only its VPC's isolation group (the EC2
// playbook's, found or created): UpdateService with the service's awsvpc
// configuration, its subnets kept, its security groups replaced. ECS replaces
// the running tasks with ones in the isolation group; the service's earlier
// groups are in the action (and so the audit) to put back by hand.

export const ecsIsolateService: ActionModule<EcsIsolateServiceAction> = {
  type: 'ecs.isolateService',
  kind: 'change',
  order: 0,
  iam: [...ISOLATION_GROUP_IAM, UPDATE_SERVICE_IN_PLACE_IAM],
  target: serviceTarget,
  async perform(action, ctx) {
    const target = serviceTarget(action);
    const groupId = await isolationGroup(action, ctx, target);
    const awsvpcConfiguration = { subnets: action.subnets, securityGroups: [groupId], ...(action.assignPublicIp ? { assignPublicIp: action.assignPublicIp } : {}) };
    return performChange(
      action,
      target,
      ctx,
      call('ecs:UpdateService', { cluster: action.cluster, service: action.service, networkConfiguration: { awsvpcConfiguration } }, (input) =>
        clientFor(ECSClient, ctx.channels.place).send(new UpdateServiceCommand(input)),
      ),
      () => `security groups ${action.previousGroups.join(', ') || 'none'} replaced by ${groupId}`,
    );
  },
  describe: (action) => `give the tasks of ${serviceTarget(action)} only the isolation group ${action.groupId ?? `${action.groupName} (created in ${action.vpcId})`} (instead of ${action.previousGroups.join(', ') || 'none'})`,
};
