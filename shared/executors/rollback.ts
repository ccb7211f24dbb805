import { ECSClient, StopServiceDeploymentCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CodeDeployClient, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, DisableStageTransitionCommand } from '@aws-sdk/client-codepipeline';
import type { DisableTransitionAction, RollbackAction } from '../plan/plan.js';
import { clientFor, type Place } from '../runtime/aws.js';
import type { ChangeExecutor } from './execute-plan.js';
import { rollbackError } from '../runtime/aws-errors.js';

// Performs rollback actions against AWS and turns AWS errors into RollbackErrors
// that name the service and say what to do, and whether a retry can help.
//
// IAM (mirrored in the rollback function's statements in serverless.yml):
// - ecs:StopServiceDeployment   (resource: the service-deployment ARN)
// - ecs:UpdateService           (resource: the service ARN)
// - iam:PassRole                on the task role and task execution role of every task
//                               definition we may deploy (guardian.yml rollback.passRoles),
//                               condition iam:PassedToService = ecs-tasks.amazonaws.com:
//                               UpdateService with a task definition that names roles passes them
//                               and fails with AccessDeniedException "... not authorized to
//                               perform: iam:PassRole ..." without it
// - codedeploy:StopDeployment   (resource: the deployment group ARN)
// - codepipeline:DisableStageTransition (resource: the pipeline/stage ARN)


/** CodePipeline's DisableStageTransition accepts 1-300 characters of [a-zA-Z0-9!@ ().*?-]. */
export function transitionReason(reason: string): string {
  const cleaned = reason
    .replace(/[^a-zA-Z0-9!@ ().*?-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
    .trim();
  return cleaned || 'Disabled by cicd-guardian after a rollback';
}

export interface AwsClients {
  ecs: () => ECSClient;
  codedeploy: () => CodeDeployClient;
  codepipeline: () => CodePipelineClient;
}

export class AwsChangeExecutor implements ChangeExecutor {
  constructor(private readonly clients: AwsClients) {}

  async perform(action: RollbackAction | DisableTransitionAction): Promise<string | undefined> {
    switch (action.type) {
      case 'ecs.stopDeployment': {
        const target = `${action.cluster}/${action.service}`;
        try {
          const res = await this.clients
            .ecs()
            .send(new StopServiceDeploymentCommand({ serviceDeploymentArn: action.serviceDeploymentArn, stopType: 'ROLLBACK' }));
          return res.serviceDeploymentArn ?? action.serviceDeploymentArn;
        } catch (error) {
          throw rollbackError(error, target, 'ecs:StopServiceDeployment');
        }
      }
      case 'ecs.updateService': {
        const target = `${action.cluster}/${action.service}`;
        try {
          const res = await this.clients.ecs().send(
            new UpdateServiceCommand({
              cluster: action.cluster,
              service: action.service,
              taskDefinition: action.taskDefinitionArn,
              forceNewDeployment: false,
            }),
          );
          return res.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
        } catch (error) {
          throw rollbackError(error, target, 'ecs:UpdateService');
        }
      }
      case 'codedeploy.stopDeployment': {
        const target = `${action.cluster}/${action.service}`;
        try {
          const res = await this.clients.codedeploy().send(new StopDeploymentCommand({ deploymentId: action.deploymentId, autoRollbackEnabled: true }));
          return res.status;
        } catch (error) {
          throw rollbackError(error, target, 'codedeploy:StopDeployment');
        }
      }
      case 'codepipeline.disableTransition': {
        const target = `${action.pipeline}/${action.stage}`;
        try {
          await this.clients.codepipeline().send(
            new DisableStageTransitionCommand({
              pipelineName: action.pipeline,
              stageName: action.stage,
              transitionType: 'Inbound',
              reason: transitionReason(action.reason),
            }),
          );
          return undefined;
        } catch (error) {
          throw rollbackError(error, target, 'codepipeline:DisableStageTransition');
        }
      }
    }
  }
}

/**
 * Changes in the account and region of `place` (the service's). Clients are created on first use:
 * a run that only stops an ECS deployment never builds the CodeDeploy client.
 */
export const awsChangeExecutor = (place: Place): AwsChangeExecutor =>
  new AwsChangeExecutor({
    ecs: () => clientFor(ECSClient, place),
    codedeploy: () => clientFor(CodeDeployClient, place),
    codepipeline: () => clientFor(CodePipelineClient, place),
  });

