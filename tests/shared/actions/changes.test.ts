import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  ECSClient,
  InvalidParameterException,
  ServerException,
  ServiceDeploymentNotFoundException,
  ServiceNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, DisableStageTransitionCommand, EnableStageTransitionCommand, PipelineNotFoundException } from '@aws-sdk/client-codepipeline';
import type { CodeDeployStopAction, DisableTransitionAction, EcsStopDeploymentAction, EcsUpdateServiceAction, EnableTransitionAction } from '../../../shared/plan/plan';
import { ACTIONS } from '../../../shared/actions/index';
import { transitionReason } from '../../../shared/actions/codepipeline-disable-transition';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import type { ActionModule, Channels } from '../../../shared/actions/module';
import { RollbackError, rollbackError } from '../../../shared/runtime/aws-errors';

const ecs = mockClient(ECSClient);
const codedeploy = mockClient(CodeDeployClient);
const codepipeline = mockClient(CodePipelineClient);

const ACCOUNT = '123456789012';
const SERVICE_DEPLOYMENT = `arn:aws:ecs:us-east-1:${ACCOUNT}:service-deployment/payments-prod/payments-api/NCWGC2ZR-taawPAYrIaU5`;
const GOOD_TD = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/payments-api:41`;
const meta = { $metadata: { httpStatusCode: 400, requestId: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6' } };

const stop: EcsStopDeploymentAction = {
  type: 'ecs.stopDeployment',
  key: 'rollback:payments-api:ecs-svc/3141592653589793238',
  cluster: 'payments-prod',
  service: 'payments-api',
  serviceDeploymentArn: SERVICE_DEPLOYMENT,
  reason: 'payments-api: 3 tasks failed health checks in 10 minutes',
};
const update: EcsUpdateServiceAction = {
  type: 'ecs.updateService',
  key: 'rollback:payments-api:td-41',
  cluster: 'payments-prod',
  service: 'payments-api',
  taskDefinitionArn: GOOD_TD,
  reason: 'alarm payments-api-5xx after the deployment completed',
};
const cdStop: CodeDeployStopAction = {
  type: 'codedeploy.stopDeployment',
  key: 'rollback:checkout:d-ABCDEF123',
  cluster: 'shop-prod',
  service: 'checkout',
  deploymentId: 'd-ABCDEF123',
  reason: 'checkout-latency alarm',
};
const disable: DisableTransitionAction = {
  type: 'codepipeline.disableTransition',
  key: 'disable:payments-pipeline:Deploy',
  pipeline: 'payments-pipeline',
  stage: 'Deploy',
  reason: 'Rolled back payments-api (task def payments-api:42): 3 failed tasks, see #deployments',
};

const enable: EnableTransitionAction = {
  type: 'codepipeline.enableTransition',
  key: 'freeze-open:payments-pipeline/Deploy:year-end@2027-01-04T08:00:00.000Z',
  pipeline: 'payments-pipeline',
  stage: 'Deploy',
  reason: "freeze 'year-end' ended",
};

type Change = EcsStopDeploymentAction | EcsUpdateServiceAction | CodeDeployStopAction | DisableTransitionAction | EnableTransitionAction;

/** Performs a change through its action module; returns what AWS answered, as the delivery's audit trail records it. */
async function perform(action: Change): Promise<string | undefined> {
  let recorded: Delivery | undefined;
  // Changes use no notification channel; they are made in the service's account and region (the function's own).
  const channels = { place: { account: '123456789012', region: 'us-east-1' } } as Channels;
  const actionModule = ACTIONS[action.type] as unknown as ActionModule<Change>;
  await actionModule.perform(action, { delivery: emptyDelivery(), channels, done: async (d: Delivery) => void (recorded = d), now: () => new Date() });
  expect(recorded?.sent).toEqual([action.key]);
  return recorded?.changes?.at(-1)?.detail;
}
const executor = () => ({ perform });

/** The RollbackError a rejected action produces. */
async function failure(action: Change): Promise<RollbackError> {
  const error = await executor()
    .perform(action)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(RollbackError);
  return error as RollbackError;
}

beforeEach(() => {
  ecs.reset();
  codedeploy.reset();
  codepipeline.reset();
});

describe('performing rollback actions', () => {
  it('stops an in-flight ECS deployment with stopType ROLLBACK and returns the service deployment ARN', async () => {
    ecs.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: SERVICE_DEPLOYMENT });
    expect(await executor().perform(stop)).toBe(SERVICE_DEPLOYMENT);
    expect(ecs.commandCalls(StopServiceDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' },
    ]);
  });

  it('deploys the known-good task definition without forcing a new deployment and returns the new PRIMARY deployment id', async () => {
    ecs.on(UpdateServiceCommand).resolves({
      service: {
        serviceName: 'payments-api',
        taskDefinition: GOOD_TD,
        deployments: [
          { id: 'ecs-svc/2718281828459045235', status: 'PRIMARY', taskDefinition: GOOD_TD, rolloutState: 'IN_PROGRESS' },
          { id: 'ecs-svc/3141592653589793238', status: 'ACTIVE', taskDefinition: GOOD_TD.replace(':41', ':42'), rolloutState: 'FAILED' },
        ],
      },
    });
    expect(await executor().perform(update)).toBe('ecs-svc/2718281828459045235');
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'payments-prod',
      service: 'payments-api',
      taskDefinition: GOOD_TD,
      forceNewDeployment: false,
    });
  });

  it('stops a CodeDeploy deployment with automatic rollback and returns the stop status', async () => {
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending', statusMessage: 'Stop deployment requested' });
    expect(await executor().perform(cdStop)).toBe('Pending');
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({ deploymentId: 'd-ABCDEF123', autoRollbackEnabled: true });
  });

  it('disables the inbound transition of the deploy stage with a reason CodePipeline accepts', async () => {
    codepipeline.on(DisableStageTransitionCommand).resolves({});
    expect(await executor().perform(disable)).toBeUndefined();
    const input = codepipeline.commandCalls(DisableStageTransitionCommand)[0]?.args[0].input;
    expect(input).toEqual({
      pipelineName: 'payments-pipeline',
      stageName: 'Deploy',
      transitionType: 'Inbound',
      reason: 'Rolled back payments-api (task def payments-api 42) 3 failed tasks see deployments',
    });
  });

  it('enables the inbound transition of a stage again', async () => {
    codepipeline.on(EnableStageTransitionCommand).resolves({});
    expect(await executor().perform(enable)).toBeUndefined();
    expect(codepipeline.commandCalls(EnableStageTransitionCommand)[0]?.args[0].input).toEqual({ pipelineName: 'payments-pipeline', stageName: 'Deploy', transitionType: 'Inbound' });
  });
});

describe('the reason of a disabled transition', () => {
  it('keeps to the 300 characters and the character set of the API', () => {
    const reason = transitionReason(`Rollback of payments_api: alarm "5xx" > 1% at https://example.com/x?y=1 \n${'x'.repeat(400)}`);
    expect(reason.length).toBeLessThanOrEqual(300);
    expect(reason).toMatch(/^[a-zA-Z0-9!@ ().*?-]+$/);
    expect(reason.startsWith('Rollback of payments api alarm 5xx 1 at https example.com x?y 1 x')).toBe(true);
  });

  it('falls back to a fixed text when nothing is left', () => {
    expect(transitionReason('::://')).toBe('Disabled by cicd-guardian after a rollback');
  });
});

describe('mapping AWS errors', () => {
  it('names the service and guardian.yml when the service or cluster does not exist (not retryable)', async () => {
    ecs.on(UpdateServiceCommand).rejects(new ServiceNotFoundException({ message: 'Service not found.', ...meta }));
    const err = await failure(update);
    expect(err.service).toBe('payments-prod/payments-api');
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/rollback\.services in guardian\.yml/);
    expect(err.message).toMatch(/^ecs:UpdateService for payments-prod\/payments-api failed \(ServiceNotFoundException: Service not found\.\)\. Check rollback\.services/);

    ecs.on(StopServiceDeploymentCommand).rejects(new ClusterNotFoundException({ message: 'Cluster not found.', ...meta }));
    const cluster = await failure(stop);
    expect(cluster.retryable).toBe(false);
    expect(cluster.hint).toMatch(/guardian\.yml/);
  });

  it('names the missing IAM action when access is denied (not retryable)', async () => {
    ecs.on(UpdateServiceCommand).rejects(
      new AccessDeniedException({
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/guardian-rollback/guardian-prod-rollback is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:service/payments-prod/payments-api because no identity-based policy allows the ecs:UpdateService action`,
        ...meta,
      }),
    );
    const err = await failure(update);
    expect(err.retryable).toBe(false);
    expect(err.hint).toBe(
      `The rollback function's role lacks ecs:UpdateService: its role is built from the IAM the action and fact modules declare (functions/permissions.ts), scoped by guardian.yml: check that the resource is named there (rollback.services), then redeploy the stack.`,
    );
  });

  it('points at rollback.passRoles when UpdateService may not pass the task roles', async () => {
    ecs.on(UpdateServiceCommand).rejects(
      new AccessDeniedException({
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/guardian-rollback/fn is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/payments-task because no identity-based policy allows the iam:PassRole action`,
        ...meta,
      }),
    );
    const err = await failure(update);
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/rollback\.passRoles in guardian\.yml \(iam:PassRole\)/);
  });

  it('names the call itself when an access-denied message names no action', async () => {
    codepipeline.on(DisableStageTransitionCommand).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDeniedException', $fault: 'client', ...meta }));
    const err = await failure(disable);
    expect(err.service).toBe('payments-pipeline/Deploy');
    expect(err.hint).toMatch(/lacks codepipeline:DisableStageTransition/);
  });

  it('retries when throttled', async () => {
    ecs.on(UpdateServiceCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', ...meta }));
    const err = await failure(update);
    expect(err.retryable).toBe(true);
    expect(err.hint).toMatch(/throttled/);
  });

  it.each([
    ['ClientException', ClientException],
    ['InvalidParameterException', InvalidParameterException],
  ])('retries after in-flight deployments finish when ECS has 5 active deployments (%s)', async (_name, Exception) => {
    ecs.on(UpdateServiceCommand).rejects(new Exception({ message: '5 active deployments exist, unable to create new deployment.', ...meta }));
    const err = await failure(update);
    expect(err.retryable).toBe(true);
    expect(err.hint).toMatch(/at most 5 active deployments per service: wait until the in-flight deployments of payments-prod\/payments-api finish/);
  });

  it('asks for another revision when the task definition is INACTIVE (not retryable)', async () => {
    ecs.on(UpdateServiceCommand).rejects(new ClientException({ message: 'TaskDefinition is inactive', ...meta }));
    const err = await failure(update);
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/INACTIVE \(deregistered\).*choose another \(ACTIVE\) revision/);
  });

  it('sends CODE_DEPLOY services to CodeDeploy when UpdateService refuses a task definition change', async () => {
    ecs.on(UpdateServiceCommand).rejects(
      new InvalidParameterException({
        message: 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
        ...meta,
      }),
    );
    const err = await failure(update);
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/CODE_DEPLOY deployment controller: roll it back through CodeDeploy/);
  });

  it('falls back to UpdateService when the deployment is gone or can no longer be stopped', async () => {
    ecs.on(StopServiceDeploymentCommand).rejects(new ServiceDeploymentNotFoundException({ message: 'Service deployment not found.', ...meta }));
    expect((await failure(stop)).hint).toMatch(/UpdateService/);
    ecs.on(StopServiceDeploymentCommand).rejects(new ConflictException({ message: 'The service deployment is in a terminal state.', ...meta }));
    const conflict = await failure(stop);
    expect(conflict.retryable).toBe(false);
    expect(conflict.hint).toMatch(/already finished.*UpdateService/);
  });

  it('tells to redeploy when the CodeDeploy deployment already finished (not retryable)', async () => {
    codedeploy.on(StopDeploymentCommand).rejects(new DeploymentAlreadyCompletedException({ message: 'Deployment d-ABCDEF123 has already completed.', ...meta }));
    const err = await failure(cdStop);
    expect(err.service).toBe('shop-prod/checkout');
    expect(err.retryable).toBe(false);
    expect(err.hint).toBe('The CodeDeploy deployment already finished: redeploy the previous revision through CodeDeploy.');
  });

  it('points at the deployment group when the CodeDeploy deployment does not exist', async () => {
    codedeploy.on(StopDeploymentCommand).rejects(new DeploymentDoesNotExistException({ message: 'The deployment d-ABCDEF123 could not be found.', ...meta }));
    const err = await failure(cdStop);
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/codeDeploy \{application, deploymentGroup\} in guardian\.yml/);
  });

  it('points at guardian.yml when the pipeline does not exist', async () => {
    codepipeline.on(DisableStageTransitionCommand).rejects(new PipelineNotFoundException({ message: 'Pipeline not found', ...meta }));
    const err = await failure(disable);
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/guardian\.yml/);
  });

  it('retries AWS-side errors and calls that got no answer', async () => {
    ecs.on(UpdateServiceCommand).rejects(new ServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }));
    expect((await failure(update)).retryable).toBe(true);
    expect(rollbackError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'c/s', 'ecs:UpdateService').retryable).toBe(true);
  });

  it('passes a RollbackError through unchanged', () => {
    const original = new RollbackError('x', { service: 'c/s', hint: 'h', retryable: false });
    expect(rollbackError(original, 'other', 'ecs:UpdateService')).toBe(original);
  });
});
