import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDate } from 'node:util/types';
import type {
  ActionExecutionDetail,
  ActionState,
  PipelineDeclaration,
  PipelineExecution,
  PipelineMetadata,
  StageExecutionStatus,
  StageState,
  TransitionState,
} from '@aws-sdk/client-codepipeline';
import type { Build } from '@aws-sdk/client-codebuild';
import type { Deployment, Service, ServiceDeploymentBrief, ServiceRevision, TaskDefinition } from '@aws-sdk/client-ecs';
import { ACCOUNT, REGION } from './environment';
import { readBody } from './http-body';

// A local stand-in for the AWS APIs the functions call, spoken to by the real
// SDK clients through AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_SNS / _CODEPIPELINE):
//
//   SNS Publish (awsQuery: form-encoded POST, XML answer): recorded as an email.
//   STS GetCallerIdentity (awsQuery): the local account, for a function that
//     asks who it is (`sls invoke local` passes no function ARN).
//   STS AssumeRole (awsQuery): fresh temporary credentials for the role, for
//     a function acting in another account; each call records the access key
//     that signed it, so a test sees which credentials were used.
//   CodePipeline (awsJson1_1, X-Amz-Target: CodePipeline_20150709.<Operation>):
//     GetPipelineExecution, GetPipeline, ListActionExecutions, GetPipelineState
//     answered from scenario data, by default a payments-api execution failing
//     in Deploy (the one events/scenarios/pipeline-fails-in-deploy/ describes);
//     DisableStageTransition recorded as a change (the stage's inbound
//     transition then reads disabled).
//   CodeBuild (awsJson1_1, X-Amz-Target: CodeBuild_20161006.<Operation>):
//     BatchGetBuilds answered from scenario data, by default the failed build
//     events/codepipeline/action-failed-codebuild.json names; other ids are
//     listed in buildsNotFound, as CodeBuild does.
//   ECS (awsJson1_1, X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>):
//     DescribeServices, ListServiceDeployments, DescribeServiceRevisions,
//     DescribeTaskDefinition answered from scenario data, by default
//     payments-prod/payments-api with a deployment of payments-api:42 in flight
//     (the one events/scenarios/ecs-crash-on-start/ describes);
//     StopServiceDeployment and UpdateService recorded as changes and applied
//     to that data (a stopped deployment reads ROLLBACK_REQUESTED, the service
//     gets a new PRIMARY deployment).
//
// Anything else gets the error AWS gives an unknown operation, so a call
// nobody planned for fails loudly instead of reaching a real account.
// Shapes follow the API references' "Response Syntax" sections; timestamps
// travel as epoch seconds, as in every AWS JSON protocol.

/** One pipeline execution the stand-in knows, in the SDK's types (timestamps as Date). */
interface ExecutionScenario {
  /** GetPipelineExecution's `pipelineExecution`. */
  execution: PipelineExecution & { pipelineName: string; pipelineExecutionId: string };
  /** GetPipeline's `pipeline` for the execution's pipeline. */
  pipeline: PipelineDeclaration;
  metadata?: PipelineMetadata;
  /** ListActionExecutions' `actionExecutionDetails` for the execution, newest first (as the API lists them). */
  actions: ActionExecutionDetail[];
}

/** One ECS service the stand-in knows, in the SDK's types (timestamps as Date). */
export interface EcsServiceScenario {
  /** DescribeServices' service; StopServiceDeployment and UpdateService change its deployments. */
  service: Service & { serviceArn: string; serviceName: string; clusterArn: string; deployments: Deployment[] };
  /** ListServiceDeployments' service deployments of the service, in any order (the API documents none). */
  serviceDeployments: (ServiceDeploymentBrief & { serviceDeploymentArn: string })[];
  /** DescribeServiceRevisions' revisions of the service. */
  revisions: (ServiceRevision & { serviceRevisionArn: string; taskDefinition: string })[];
  /**
   * The DescribeServices deployment id (ecs-svc/...) the rollback of an in-flight
   * deployment gets (StopServiceDeployment, stopType ROLLBACK): a scenario's events
   * name it. Default: a fresh one.
   */
  rollbackDeploymentId?: string;
}

interface AwsScenario {
  /** Default: [paymentsApiExecution()]. */
  executions?: ExecutionScenario[];
  /** Default: [paymentsApiService()]. */
  ecsServices?: EcsServiceScenario[];
  /** DescribeTaskDefinition's task definitions. Default: paymentsApiTaskDefinitions(). */
  taskDefinitions?: (TaskDefinition & { taskDefinitionArn: string; family: string; revision: number })[];
  /** BatchGetBuilds' builds. Default: paymentsApiBuilds(). */
  builds?: (Build & { id: string })[];
  /** How long AssumeRole's credentials last, in seconds. Default: 3600 (STS's default). */
  assumedRoleSeconds?: number;
  /** The clock the changes it makes are timed by (the local runner's replay clock). Default: the real time. */
  now?: () => Date;
}

/** A change the stand-in made to its scenario data on a caller's request, as the local runner prints it. */
export interface AwsChange {
  service: 'ecs' | 'codepipeline';
  operation: string;
  /** What was changed: a service-deployment or service ARN, or "pipeline/stage". */
  target: string;
  /** The request's other parameters that say what was done, e.g. {stopType: "ROLLBACK"}. */
  detail: Record<string, string>;
}

export interface PublishedEmail {
  topicArn: string;
  subject?: string;
  message: string;
  messageId: string;
}

interface AwsCall {
  /** "sns", "sts", "codepipeline", "ecs", or the target prefix / "unknown" for what the stand-in does not serve. */
  service: string;
  operation: string;
  input: Record<string, unknown>;
  status: number;
  /** Set when the call was answered with an error. */
  errorCode?: string;
  /** The access key id that signed the request (SigV4 Authorization header). */
  signedBy?: string;
}

interface ScriptedAwsFailure {
  /** HTTP status, e.g. 400 for throttling and access denied (both protocols use 400 for those). */
  status: number;
  /** The error code: ThrottlingException / AccessDeniedException (CodePipeline), ClientException / AccessDeniedException (ECS), Throttled / AuthorizationError (SNS). */
  code: string;
  message?: string;
  /** How many of the next calls to `operation` fail (default 1). The SDK retries throttling, so script maxAttempts to fail a call. */
  times?: number;
}

export interface AwsStandIn {
  /** For AWS_ENDPOINT_URL (ECS and any service that must not reach AWS), AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_CODEPIPELINE. */
  endpoint: string;
  /** SNS Publish calls that succeeded, in order. */
  published: PublishedEmail[];
  /** Every call, answered or failed, in order. */
  calls: AwsCall[];
  /** The next call(s) to `operation` (e.g. "GetPipelineExecution", "Publish") fail as given. */
  failNext(operation: string, failure: ScriptedAwsFailure): void;
  /** Called for every successful Publish (the local runner prints them). */
  onPublish?: (email: PublishedEmail) => void;
  /** StopServiceDeployment, UpdateService and DisableStageTransition calls that succeeded, in order. */
  changes: AwsChange[];
  /** Called for every change (the local runner prints them). */
  onChange?: (change: AwsChange) => void;
  close(): Promise<void>;
}

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const CODEPIPELINE_TARGET = 'CodePipeline_20150709.';
const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.';
const CODEBUILD_TARGET = 'CodeBuild_20161006.';
/** SNS: messages up to 256 KB; subjects under 100 characters, one line. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 99;

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startAwsStandIn(scenario: AwsScenario = {}): Promise<AwsStandIn> {
  const executions = scenario.executions ?? [paymentsApiExecution()];
  // Copies: StopServiceDeployment and UpdateService change them.
  const ecsServices = structuredClone(scenario.ecsServices ?? [paymentsApiService()]);
  const taskDefinitions = structuredClone(scenario.taskDefinitions ?? paymentsApiTaskDefinitions());
  const builds = scenario.builds ?? paymentsApiBuilds();
  const clock = scenario.now ?? (() => new Date());
  /** Stage transitions DisableStageTransition disabled, by "pipeline/stage/Inbound|Outbound". */
  const transitions = new Map<string, TransitionState>();
  const failures: { operation: string; failure: ScriptedAwsFailure; left: number }[] = [];

  const stand: AwsStandIn = {
    endpoint: '',
    published: [],
    calls: [],
    changes: [],
    failNext: (operation, failure) => failures.push({ operation, failure, left: failure.times ?? 1 }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const scripted = (operation: string): AwsError | undefined => {
    const i = failures.findIndex((f) => f.operation === operation);
    if (i < 0) return undefined;
    const entry = failures[i]!;
    if (--entry.left <= 0) failures.splice(i, 1);
    return new AwsError(entry.failure.status, entry.failure.code, entry.failure.message ?? `${entry.failure.code} (scripted by the test)`);
  };

  // ---------------------------------------------------------- CodePipeline

  const pipelineOf = (name: unknown) => {
    const found = executions.find((e) => e.execution.pipelineName === name);
    if (!found) throw new AwsError(400, 'PipelineNotFoundException', `Account '${ACCOUNT}' does not have a pipeline with name '${String(name)}'`);
    return found;
  };
  const executionOf = (pipeline: unknown, id: unknown) => {
    pipelineOf(pipeline);
    const found = executions.find((e) => e.execution.pipelineName === pipeline && e.execution.pipelineExecutionId === id);
    if (!found) throw new AwsError(400, 'PipelineExecutionNotFoundException', `Pipeline execution with id '${String(id)}' does not exist in pipeline '${String(pipeline)}'`);
    return found;
  };
  const required = (input: Record<string, unknown>, ...names: string[]) => {
    for (const name of names) {
      if (typeof input[name] !== 'string' || input[name] === '') {
        throw new AwsError(400, 'ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
      }
    }
  };

  const codePipeline: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetPipelineExecution: (input) => {
      required(input, 'pipelineName', 'pipelineExecutionId');
      return { pipelineExecution: executionOf(input.pipelineName, input.pipelineExecutionId).execution };
    },
    GetPipeline: (input) => {
      required(input, 'name');
      const { pipeline, metadata } = pipelineOf(input.name);
      return { pipeline, ...(metadata ? { metadata } : {}) };
    },
    ListActionExecutions: (input) => {
      required(input, 'pipelineName');
      const filter = input.filter as { pipelineExecutionId?: string } | undefined;
      const max = typeof input.maxResults === 'number' ? input.maxResults : 100;
      const details = filter?.pipelineExecutionId
        ? executionOf(input.pipelineName, filter.pipelineExecutionId).actions
        : executions.filter((e) => e.execution.pipelineName === pipelineOf(input.pipelineName).execution.pipelineName).flatMap((e) => e.actions);
      return { actionExecutionDetails: details.slice(0, max) };
    },
    GetPipelineState: (input) => {
      required(input, 'name');
      const { pipeline, metadata } = pipelineOf(input.name);
      const runs = executions.filter((e) => e.execution.pipelineName === pipeline.name);
      return {
        pipelineName: pipeline.name,
        pipelineVersion: pipeline.version,
        stageStates: (pipeline.stages ?? []).map((stage) => stageState(pipeline.name!, stage.name!, runs)),
        ...(metadata ? { created: metadata.created, updated: metadata.updated } : {}),
      };
    },
    DisableStageTransition: (input) => {
      required(input, 'pipelineName', 'stageName', 'transitionType', 'reason');
      const { pipeline } = pipelineOf(input.pipelineName);
      if (!pipeline.stages?.some((st) => st.name === input.stageName)) {
        throw new AwsError(400, 'StageNotFoundException', `Stage with name '${String(input.stageName)}' does not exist in pipeline '${String(input.pipelineName)}'`);
      }
      if (input.transitionType !== 'Inbound' && input.transitionType !== 'Outbound') {
        throw new AwsError(400, 'ValidationException', `1 validation error detected: Value '${String(input.transitionType)}' at 'transitionType' failed to satisfy constraint: Member must satisfy enum value set: [Inbound, Outbound]`);
      }
      const reason = String(input.reason);
      // "Length Constraints: Minimum length of 1. Maximum length of 300. Pattern: [a-zA-Z0-9!@ \(\)\.\*\?\-]+"
      if (reason.length > 300 || !/^[a-zA-Z0-9!@ ().*?-]+$/.test(reason)) {
        throw new AwsError(400, 'ValidationException', `1 validation error detected: Value at 'reason' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9!@ \\(\\)\\.\\*\\?\\-]+`);
      }
      const key = `${String(input.pipelineName)}/${String(input.stageName)}/${input.transitionType}`;
      transitions.set(key, { enabled: false, disabledReason: reason, lastChangedAt: clock(), lastChangedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/cicd-guardian-local-rollback/local` });
      change({
        service: 'codepipeline',
        operation: 'DisableStageTransition',
        target: `${String(input.pipelineName)}/${String(input.stageName)}`,
        detail: { transitionType: input.transitionType, reason },
      });
      return {};
    },
  };

  /** GetPipelineState's stage state: the latest execution that ran the stage, and the state of its actions. */
  function stageState(pipelineName: string, stageName: string, runs: ExecutionScenario[]): StageState {
    const started = (a: ActionExecutionDetail) => a.startTime?.getTime() ?? 0;
    const latest = runs
      .map((run) => ({ run, actions: run.actions.filter((a) => a.stageName === stageName) }))
      .filter((r) => r.actions.length > 0)
      .sort((a, b) => Math.max(...b.actions.map(started)) - Math.max(...a.actions.map(started)))[0];
    const inbound = transitions.get(`${pipelineName}/${stageName}/Inbound`) ?? { enabled: true };
    if (!latest) return { stageName, inboundTransitionState: inbound, actionStates: [] };
    const statuses = latest.actions.map((a) => a.status);
    const status: StageExecutionStatus = statuses.includes('Failed')
      ? 'Failed'
      : statuses.includes('InProgress')
        ? 'InProgress'
        : statuses.includes('Abandoned')
          ? 'Stopped'
          : 'Succeeded';
    const actionStates: ActionState[] = latest.actions.map((a) => ({
      actionName: a.actionName,
      latestExecution: {
        actionExecutionId: a.actionExecutionId,
        status: a.status,
        lastStatusChange: a.lastUpdateTime,
        ...(a.output?.executionResult?.externalExecutionId ? { externalExecutionId: a.output.executionResult.externalExecutionId } : {}),
        ...(a.output?.executionResult?.externalExecutionUrl ? { externalExecutionUrl: a.output.executionResult.externalExecutionUrl } : {}),
        ...(a.output?.executionResult?.externalExecutionSummary ? { summary: a.output.executionResult.externalExecutionSummary } : {}),
        ...(a.output?.executionResult?.errorDetails ? { errorDetails: a.output.executionResult.errorDetails } : {}),
      },
    }));
    return {
      stageName,
      inboundTransitionState: inbound,
      actionStates,
      latestExecution: { pipelineExecutionId: latest.run.execution.pipelineExecutionId, status },
    };
  }

  // ------------------------------------------------------------------ ECS

  const ecsArn = (resource: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${resource}`;
  /** A cluster named or given by ARN; "default" when the request names none, as ECS does. */
  const clusterName = (value: unknown) => (typeof value === 'string' && value ? (value.startsWith('arn:') ? (value.split('/').pop() ?? value) : value) : 'default');
  const clusterOf = (value: unknown) => {
    const name = clusterName(value);
    const services = ecsServices.filter((e) => e.service.clusterArn === ecsArn(`cluster/${name}`));
    if (services.length === 0) throw new AwsError(400, 'ClusterNotFoundException', 'Cluster not found.');
    return { name, services };
  };
  const serviceIn = (cluster: { services: EcsServiceScenario[] }, value: unknown) =>
    cluster.services.find((e) => e.service.serviceName === value || e.service.serviceArn === value);
  const ecsServiceOf = (clusterValue: unknown, serviceValue: unknown) => {
    const found = serviceIn(clusterOf(clusterValue), serviceValue);
    if (!found) throw new AwsError(400, 'ServiceNotFoundException', 'Service not found.');
    return found;
  };
  const requiredList = (input: Record<string, unknown>, name: string, max: number): string[] => {
    const value = input[name];
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
      throw new AwsError(400, 'InvalidParameterException', `${name} can not be empty.`);
    }
    if (value.length > max) throw new AwsError(400, 'InvalidParameterException', `${name} can have at most ${max} elements.`);
    return value as string[];
  };
  const ecsRequired = (input: Record<string, unknown>, name: string) => {
    if (typeof input[name] !== 'string' || input[name] === '') throw new AwsError(400, 'InvalidParameterException', `${name} can not be blank.`);
    return input[name];
  };
  /** "family", "family:revision" or a task definition ARN, as DescribeTaskDefinition and UpdateService take it ("family" alone: its latest ACTIVE revision). */
  const taskDefinitionOf = (value: string) => {
    const [family, revision] = (value.startsWith('arn:') ? (value.split('/').pop() ?? '') : value).split(':');
    const matches = taskDefinitions.filter((t) => t.family === family && (revision === undefined ? t.status === 'ACTIVE' : String(t.revision) === revision));
    return matches.sort((a, b) => b.revision - a.revision)[0];
  };
  const newestFirst = (a: ServiceDeploymentBrief, b: ServiceDeploymentBrief) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0);
  const deploymentId = () => `ecs-svc/${Array.from({ length: 19 }, (_, i) => (i === 0 ? 1 + Math.floor(Math.random() * 9) : Math.floor(Math.random() * 10))).join('')}`;
  const revisionId = () => deploymentId().slice('ecs-svc/'.length);
  const serviceDeploymentId = () => randomUUID().replace(/-/g, '').slice(0, 22);
  const SERVICE_DEPLOYMENT_STATUSES = new Set(['PENDING', 'SUCCESSFUL', 'STOPPED', 'STOP_REQUESTED', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

  /** Makes `taskDefinition` the service's PRIMARY deployment (the previous PRIMARY goes ACTIVE); returns the new deployment. */
  function startDeployment(scenario: EcsServiceScenario, taskDefinition: string, id: string, at: Date): Deployment {
    const { service } = scenario;
    const previous = service.deployments.find((d) => d.status === 'PRIMARY');
    for (const d of service.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    const deployment: Deployment = {
      ...(previous ? { launchType: previous.launchType, platformVersion: previous.platformVersion, platformFamily: previous.platformFamily, networkConfiguration: previous.networkConfiguration } : {}),
      id,
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: service.desiredCount ?? 1,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
      // "The rolloutState of a service is only returned for services that use the rolling update (ECS) deployment type that aren't behind a Classic Load Balancer."
      ...(service.loadBalancers?.some((lb) => lb.loadBalancerName) ? {} : { rolloutState: 'IN_PROGRESS' as const, rolloutStateReason: `ECS deployment ${id} in progress.` }),
    };
    service.deployments.unshift(deployment);
    service.taskDefinition = taskDefinition;
    return deployment;
  }

  const ecs: Record<string, (input: Record<string, unknown>) => unknown> = {
    DescribeServices: (input) => {
      const cluster = clusterOf(input.cluster);
      const names = requiredList(input, 'services', 10);
      const found = names.map((name) => ({ name, scenario: serviceIn(cluster, name) }));
      return {
        services: found.flatMap((f) => (f.scenario ? [f.scenario.service] : [])),
        failures: found
          .filter((f) => !f.scenario)
          .map((f) => ({ arn: f.name.startsWith('arn:') ? f.name : ecsArn(`service/${cluster.name}/${f.name}`), reason: 'MISSING' })),
      };
    },
    ListServiceDeployments: (input) => {
      const scenario = ecsServiceOf(input.cluster, ecsRequired(input, 'service'));
      const statuses = input.status === undefined ? undefined : requiredList(input, 'status', 9);
      const unknown = statuses?.find((st) => !SERVICE_DEPLOYMENT_STATUSES.has(st));
      if (unknown) throw new AwsError(400, 'InvalidParameterException', `Invalid status: ${unknown}`);
      const max = input.maxResults === undefined ? 20 : Number(input.maxResults);
      if (!Number.isInteger(max) || max < 1 || max > 100) throw new AwsError(400, 'InvalidParameterException', 'maxResults must be between 1 and 100.');
      const start = typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(start) || start < 0) throw new AwsError(400, 'InvalidParameterException', 'Invalid nextToken.');
      const listed = scenario.serviceDeployments.filter((d) => !statuses || statuses.includes(d.status ?? '')).sort(newestFirst);
      const page = listed.slice(start, start + max);
      const next = start + max < listed.length ? Buffer.from(String(start + max), 'utf8').toString('base64url') : undefined;
      return { serviceDeployments: page, ...(next ? { nextToken: next } : {}) };
    },
    DescribeServiceRevisions: (input) => {
      const arns = requiredList(input, 'serviceRevisionArns', 20);
      const all = ecsServices.flatMap((e) => e.revisions);
      const found = arns.map((arn) => ({ arn, revision: all.find((r) => r.serviceRevisionArn === arn) }));
      return {
        serviceRevisions: found.flatMap((f) => (f.revision ? [f.revision] : [])),
        failures: found.filter((f) => !f.revision).map((f) => ({ arn: f.arn, reason: 'MISSING' })),
      };
    },
    DescribeTaskDefinition: (input) => {
      const found = taskDefinitionOf(String(ecsRequired(input, 'taskDefinition')));
      if (!found) throw new AwsError(400, 'ClientException', 'Unable to describe task definition.');
      return { taskDefinition: found };
    },
    StopServiceDeployment: (input) => {
      const arn = String(ecsRequired(input, 'serviceDeploymentArn'));
      const stopType = input.stopType === undefined ? 'ROLLBACK' : String(input.stopType);
      if (stopType !== 'ROLLBACK' && stopType !== 'ABORT') throw new AwsError(400, 'InvalidParameterException', `Invalid stopType: ${stopType}`);
      const scenario = ecsServices.find((e) => e.serviceDeployments.some((d) => d.serviceDeploymentArn === arn));
      const stopped = scenario?.serviceDeployments.find((d) => d.serviceDeploymentArn === arn);
      if (!scenario || !stopped) throw new AwsError(400, 'ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
      if (stopped.status !== 'IN_PROGRESS' && stopped.status !== 'PENDING') {
        throw new AwsError(400, 'ConflictException', `The service deployment is ${stopped.status ?? 'not in progress'} and cannot be stopped.`);
      }
      const now = clock();
      if (stopType === 'ABORT') {
        stopped.status = 'STOP_REQUESTED';
      } else {
        // ECS rolls back to the service revision the deployment replaced: the newest successful one.
        const previous = scenario.serviceDeployments.filter((d) => d.status === 'SUCCESSFUL').sort(newestFirst)[0];
        const target = scenario.revisions.find((r) => r.serviceRevisionArn === previous?.targetServiceRevisionArn);
        if (!target) throw new AwsError(400, 'InvalidParameterException', 'The service has no previous service revision to roll back to.');
        stopped.status = 'ROLLBACK_REQUESTED';
        stopped.statusReason = 'Service deployment rollback requested (StopServiceDeployment).';
        const failing = scenario.service.deployments.find((d) => d.status === 'PRIMARY');
        if (failing?.rolloutState === 'IN_PROGRESS') {
          failing.rolloutState = 'FAILED';
          failing.rolloutStateReason = `ECS deployment ${failing.id ?? ''} stopped by StopServiceDeployment.`;
          failing.updatedAt = now;
        }
        startDeployment(scenario, target.taskDefinition, scenario.rollbackDeploymentId ?? deploymentId(), now);
        scenario.rollbackDeploymentId = undefined; // the scenario's id names one rollback
      }
      change({ service: 'ecs', operation: 'StopServiceDeployment', target: arn, detail: { stopType } });
      return { serviceDeploymentArn: arn };
    },
    UpdateService: (input) => {
      const scenario = ecsServiceOf(input.cluster, ecsRequired(input, 'service'));
      const { service } = scenario;
      const controller = service.deploymentController?.type ?? 'ECS';
      if (controller !== 'ECS') {
        throw new AwsError(
          400,
          'InvalidParameterException',
          `Unable to update task definition on services with a ${controller} deployment controller. Use AWS CodeDeploy to trigger a new deployment.`,
        );
      }
      const requested = typeof input.taskDefinition === 'string' && input.taskDefinition ? input.taskDefinition : service.taskDefinition!;
      const taskDefinition = taskDefinitionOf(requested);
      if (!taskDefinition) throw new AwsError(400, 'ClientException', 'TaskDefinition not found.');
      if (taskDefinition.status !== 'ACTIVE') throw new AwsError(400, 'ClientException', 'TaskDefinition is inactive');
      const now = clock();
      // A new deployment supersedes the one in flight.
      for (const d of scenario.serviceDeployments) {
        if (d.status === 'IN_PROGRESS' || d.status === 'PENDING') Object.assign(d, { status: 'STOPPED', statusReason: 'Superseded by a new service deployment.', finishedAt: now });
      }
      const revision = {
        ...scenario.revisions[0],
        serviceRevisionArn: ecsArn(`service-revision/${clusterName(service.clusterArn)}/${service.serviceName}/${revisionId()}`),
        taskDefinition: taskDefinition.taskDefinitionArn,
        containerImages: (taskDefinition.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image })),
        createdAt: now,
      };
      scenario.revisions.push(revision);
      const serviceDeploymentArn = ecsArn(`service-deployment/${clusterName(service.clusterArn)}/${service.serviceName}/${serviceDeploymentId()}`);
      scenario.serviceDeployments.push({ serviceDeploymentArn, serviceArn: service.serviceArn, clusterArn: service.clusterArn, createdAt: now, startedAt: now, targetServiceRevisionArn: revision.serviceRevisionArn, status: 'IN_PROGRESS' });
      service.currentServiceDeployment = serviceDeploymentArn;
      startDeployment(scenario, taskDefinition.taskDefinitionArn, deploymentId(), now);
      change({
        service: 'ecs',
        operation: 'UpdateService',
        target: service.serviceArn,
        detail: { taskDefinition: taskDefinition.taskDefinitionArn, ...(typeof input.forceNewDeployment === 'boolean' ? { forceNewDeployment: String(input.forceNewDeployment) } : {}) },
      });
      return { service };
    },
  };

  function change(made: AwsChange) {
    stand.changes.push(made);
    stand.onChange?.(made);
  }

  function answerJson(res: ServerResponse, contentType: string, status: number, body: unknown) {
    const text = JSON.stringify(body, epochSeconds);
    const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': randomUUID() };
    if (status >= 400) headers['x-amzn-errortype'] = (body as { __type: string }).__type;
    res.writeHead(status, headers).end(text);
  }

  const codeBuild: Record<string, (input: Record<string, unknown>) => unknown> = {
    BatchGetBuilds: (input) => {
      const ids = input.ids;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) throw new AwsError(400, 'InvalidInputException', 'ids: between 1 and 100 build ids');
      return { builds: builds.filter((b) => ids.includes(b.id)), buildsNotFound: ids.filter((id) => !builds.some((b) => b.id === id)) };
    },
  };

  const jsonServices = [
    { prefix: CODEBUILD_TARGET, service: 'codebuild', operations: codeBuild },
    { prefix: CODEPIPELINE_TARGET, service: 'codepipeline', operations: codePipeline },
    { prefix: ECS_TARGET, service: 'ecs', operations: ecs },
  ];

  function jsonCall(target: string, text: string, contentType: string, res: ServerResponse, signedBy: string | undefined) {
    const known = jsonServices.find((j) => target.startsWith(j.prefix));
    const operation = known ? target.slice(known.prefix.length) : target.split('.').pop() || target;
    const call: AwsCall = { service: known ? known.service : target.split('.')[0] || 'unknown', operation, input: {}, status: 200, signedBy };
    stand.calls.push(call);
    try {
      try {
        call.input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        throw new AwsError(400, 'SerializationException', 'Start of structure or map found where not expected');
      }
      const op = known && Object.hasOwn(known.operations, operation) ? known.operations[operation] : undefined;
      if (!op) throw new AwsError(400, 'UnknownOperationException', `Operation ${target} is not served by the local AWS stand-in`);
      const failure = scripted(operation);
      if (failure) throw failure;
      answerJson(res, contentType, 200, op(call.input));
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'InternalFailure', (error as Error).message);
      call.status = e.status;
      call.errorCode = e.code;
      answerJson(res, contentType, e.status, { __type: e.code, message: e.message });
    }
  }

  // ------------------------------------------------------------------ SNS

  function answerXml(res: ServerResponse, status: number, xml: string) {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(xml);
  }

  function publish(params: URLSearchParams): string {
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    const message = params.get('Message');
    const subject = params.get('Subject') ?? undefined;
    if (!topicArn || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/.test(topicArn)) {
      throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
    }
    if (!message) throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    // "Subjects must be text that begins with a letter, number, or punctuation mark; must not include
    // line breaks or control characters; and must be less than 100 characters long."
    if (subject !== undefined && (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || /\p{Cc}/u.test(subject) || /^\s/.test(subject))) {
      throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Subject');
    }
    const email: PublishedEmail = { topicArn, subject, message, messageId: randomUUID() };
    stand.published.push(email);
    stand.onPublish?.(email);
    return email.messageId;
  }

  /** STS AssumeRole: new credentials (unique key ids) for the role, lasting `assumedRoleSeconds`. */
  function assumeRole(params: URLSearchParams, res: ServerResponse, requestId: string) {
    const roleArn = params.get('RoleArn') ?? '';
    const session = params.get('RoleSessionName') ?? '';
    const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
    if (!role || !/^[\w+=,.@-]{2,64}$/.test(session)) throw new AwsError(400, 'ValidationError', `1 validation error detected: invalid RoleArn '${roleArn}' or RoleSessionName '${session}'`);
    const key = `ASIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    const expiration = new Date(Date.now() + (scenario.assumedRoleSeconds ?? 3600) * 1000).toISOString();
    answerXml(
      res,
      200,
      `<AssumeRoleResponse xmlns="${STS_XMLNS}">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      <Arn>arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${session}</Arn>\n      <AssumedRoleId>AROALOCALSTANDIN00000:${session}</AssumedRoleId>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>${key}</AccessKeyId>\n      <SecretAccessKey>local-secret-${key}</SecretAccessKey>\n      <SessionToken>local-session-${key}</SessionToken>\n      <Expiration>${expiration}</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n`,
    );
  }

  /** STS GetCallerIdentity: whoever signs is a user of the local account. */
  function callerIdentity(res: ServerResponse, requestId: string) {
    answerXml(
      res,
      200,
      `<GetCallerIdentityResponse xmlns="${STS_XMLNS}">\n  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::${ACCOUNT}:user/local</Arn>\n    <UserId>AIDALOCALSTANDIN00000</UserId>\n    <Account>${ACCOUNT}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`,
    );
  }

  function queryCall(text: string, res: ServerResponse, signedBy: string | undefined) {
    const params = new URLSearchParams(text);
    const operation = params.get('Action') ?? '(no Action)';
    if (operation === 'GetCallerIdentity' && params.get('Version') === '2011-06-15') {
      stand.calls.push({ service: 'sts', operation, input: {}, status: 200, signedBy });
      return callerIdentity(res, randomUUID());
    }
    if (operation === 'AssumeRole' && params.get('Version') === '2011-06-15') {
      const call: AwsCall = { service: 'sts', operation, input: Object.fromEntries(params), status: 200, signedBy };
      stand.calls.push(call);
      try {
        return assumeRole(params, res, randomUUID());
      } catch (error) {
        const e = error as AwsError;
        call.status = e.status;
        call.errorCode = e.code;
        return answerXml(res, e.status, `<ErrorResponse xmlns="${STS_XMLNS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${xml(e.code)}</Code>\n    <Message>${xml(e.message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`);
      }
    }
    const call: AwsCall = { service: 'sns', operation, input: Object.fromEntries(params), status: 200, signedBy };
    stand.calls.push(call);
    const requestId = randomUUID();
    try {
      if (operation !== 'Publish' || params.get('Version') !== '2010-03-31') {
        throw new AwsError(400, 'InvalidAction', `The action or operation requested is invalid: ${operation} is not served by the local AWS stand-in`);
      }
      const failure = scripted(operation);
      if (failure) throw failure;
      const messageId = publish(params);
      answerXml(
        res,
        200,
        `<PublishResponse xmlns="${SNS_XMLNS}">\n  <PublishResult>\n    <MessageId>${messageId}</MessageId>\n  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n`,
      );
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'InternalError', (error as Error).message);
      call.status = e.status;
      call.errorCode = e.code;
      answerXml(
        res,
        e.status,
        `<ErrorResponse xmlns="${SNS_XMLNS}">\n  <Error>\n    <Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type>\n    <Code>${xml(e.code)}</Code>\n    <Message>${xml(e.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
      );
    }
  }

  // ------------------------------------------------------------- routing

  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    const target = req.headers['x-amz-target'];
    const contentType = req.headers['content-type'] ?? '';
    // "AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, ..."
    const signedBy = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
    if (typeof target === 'string') return jsonCall(target, text, contentType.startsWith('application/x-amz-json') ? contentType : 'application/x-amz-json-1.1', res, signedBy);
    if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) return queryCall(text, res, signedBy);
    stand.calls.push({ service: 'unknown', operation: `${req.method} ${req.url}`, input: {}, status: 400, errorCode: 'UnknownOperationException' });
    answerJson(res, 'application/json', 400, { __type: 'UnknownOperationException', message: `${req.method} ${req.url} is not served by the local AWS stand-in` });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stand.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stand;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** JSON.stringify replacer: awsJson timestamps are epoch seconds (Date#toJSON has already made an ISO string of `value`). */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  // isDate, not instanceof: Dates copied by structuredClone may come from another realm (Jest's VM contexts).
  return isDate(raw) ? raw.getTime() / 1000 : value;
}

// -------------------------------------------------------------- scenario

/** The scenario's commit (events/scenarios/pipeline-fails-in-deploy/04-source-action-succeeded.json). */
export const PAYMENTS_COMMIT = '4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7';
export const PAYMENTS_EXECUTION_ID = '2626f4d3-6125-49ec-b3c8-3074348bc840';
export const PAYMENTS_COMMIT_MESSAGE = 'Add idempotency keys to the refund endpoint';

/**
 * The payments-api execution of events/scenarios/pipeline-fails-in-deploy/, as
 * CodePipeline reports it once it has failed: source commit from a GitHub
 * connection, Build succeeded, DeployToEcs failed with JobFailed. Another
 * execution id gives the same execution under that id (tests re-key scenarios).
 */
export function paymentsApiExecution(executionId = PAYMENTS_EXECUTION_ID): ExecutionScenario {
  const at = (time: string) => new Date(`2025-06-12T${time}Z`);
  const connectionArn = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/5acc0bb5-21d2-4163-b4d6-cc4d42ea17a1`;
  const revisionUrl = `https://${REGION}.console.aws.amazon.com/codesuite/settings/connections/redirect?connectionArn=${connectionArn}&referenceType=COMMIT&FullRepositoryId=example-org/payments-api&Commit=${PAYMENTS_COMMIT}`;
  const revisionSummary = JSON.stringify({ ProviderType: 'GitHub', CommitMessage: PAYMENTS_COMMIT_MESSAGE });
  const bucket = 'codepipeline-us-east-1-482910375612';
  const source = { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' } as const;
  const build = { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' } as const;
  const deploy = { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' } as const;
  const sourceConfig = { ConnectionArn: connectionArn, FullRepositoryId: 'example-org/payments-api', BranchName: 'main', OutputArtifactFormat: 'CODE_ZIP', DetectChanges: 'true' };
  const buildConfig = { ProjectName: 'payments-api-build' };
  const deployConfig = { ClusterName: 'payments-prod', ServiceName: 'payments-api', FileName: 'imagedefinitions.json' };
  const ecsSummary = '(service payments-api) (deployment ecs-svc/7301958264410238846) deployment failed: tasks failed to start.';
  const common = { pipelineExecutionId: executionId, pipelineVersion: 13 };

  return {
    execution: {
      pipelineName: 'payments-api',
      pipelineVersion: 13,
      pipelineExecutionId: executionId,
      status: 'Failed',
      statusSummary: 'Deploy failed: DeployToEcs (JobFailed)',
      artifactRevisions: [
        { name: 'SourceArtifact', revisionId: PAYMENTS_COMMIT, revisionSummary, revisionUrl, created: at('13:58:40') },
      ],
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: `arn:aws:sts::${ACCOUNT}:assumed-role/ReleaseManager/jane.doe` },
      executionMode: 'SUPERSEDED',
      executionType: 'STANDARD',
    },
    pipeline: {
      name: 'payments-api',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api-pipeline`,
      artifactStore: { type: 'S3', location: bucket },
      pipelineType: 'V2',
      executionMode: 'SUPERSEDED',
      version: 13,
      stages: [
        {
          name: 'Source',
          actions: [{ name: 'GitHubSource', actionTypeId: source, runOrder: 1, configuration: sourceConfig, outputArtifacts: [{ name: 'SourceArtifact' }], namespace: 'SourceVariables', region: REGION }],
        },
        {
          name: 'Build',
          actions: [
            { name: 'BuildImage', actionTypeId: build, runOrder: 1, configuration: buildConfig, inputArtifacts: [{ name: 'SourceArtifact' }], outputArtifacts: [{ name: 'BuildArtifact' }], namespace: 'BuildVariables', region: REGION },
          ],
        },
        {
          name: 'Deploy',
          actions: [{ name: 'DeployToEcs', actionTypeId: deploy, runOrder: 1, configuration: deployConfig, inputArtifacts: [{ name: 'BuildArtifact' }], region: REGION }],
        },
      ],
    },
    metadata: { pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:payments-api`, created: new Date('2024-11-04T09:12:00Z'), updated: new Date('2025-05-28T16:40:00Z') },
    actions: [
      {
        ...common,
        actionExecutionId: '7a3d9e1c-5f8b-4c2a-91e6-4b0d7c3f8a95',
        stageName: 'Deploy',
        actionName: 'DeployToEcs',
        startTime: at('14:06:44'),
        lastUpdateTime: at('14:19:27'),
        status: 'Failed',
        input: {
          actionTypeId: deploy,
          configuration: deployConfig,
          resolvedConfiguration: deployConfig,
          region: REGION,
          inputArtifacts: [{ name: 'BuildArtifact', s3location: { bucket, key: 'payments-api/BuildArtif/Jd3Vn6p' } }],
        },
        output: {
          outputArtifacts: [],
          executionResult: {
            externalExecutionId: 'ecs-svc/7301958264410238846',
            externalExecutionSummary: ecsSummary,
            externalExecutionUrl: `https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/payments-prod/services/payments-api/deployments?region=${REGION}`,
            errorDetails: { code: 'JobFailed', message: ecsSummary },
          },
        },
      },
      {
        ...common,
        actionExecutionId: '2c8f5a1e-9d47-4b36-a0e2-6f1b3d7c9e84',
        stageName: 'Build',
        actionName: 'BuildImage',
        startTime: at('14:02:22'),
        lastUpdateTime: at('14:06:41'),
        status: 'Succeeded',
        input: {
          actionTypeId: build,
          configuration: buildConfig,
          resolvedConfiguration: buildConfig,
          region: REGION,
          inputArtifacts: [{ name: 'SourceArtifact', s3location: { bucket, key: 'payments-api/SourceArti/Rw5Yc8e' } }],
          namespace: 'BuildVariables',
        },
        output: {
          outputArtifacts: [{ name: 'BuildArtifact', s3location: { bucket, key: 'payments-api/BuildArtif/Jd3Vn6p' } }],
          executionResult: {
            externalExecutionId: 'payments-api-build:0b4e7c52-3f19-4d8a-b6e0-9a2c5d1f7e38',
            externalExecutionUrl: `https://console.aws.amazon.com/codebuild/home?region=${REGION}#/builds/payments-api-build:0b4e7c52-3f19-4d8a-b6e0-9a2c5d1f7e38/view/new`,
          },
          outputVariables: {},
        },
      },
      {
        ...common,
        actionExecutionId: '0e4b8d2f-7a1c-4963-b5d0-8c2f6a9e3b17',
        stageName: 'Source',
        actionName: 'GitHubSource',
        startTime: at('14:02:13'),
        lastUpdateTime: at('14:02:19'),
        status: 'Succeeded',
        input: { actionTypeId: source, configuration: sourceConfig, resolvedConfiguration: sourceConfig, region: REGION, inputArtifacts: [], namespace: 'SourceVariables' },
        output: {
          outputArtifacts: [{ name: 'SourceArtifact', s3location: { bucket, key: 'payments-api/SourceArti/Rw5Yc8e' } }],
          executionResult: { externalExecutionId: PAYMENTS_COMMIT, externalExecutionSummary: revisionSummary, externalExecutionUrl: revisionUrl },
          // The six variables CodeStarSourceConnection documents, plus AuthorDisplayName: not among
          // them, but shared/facts/codepipeline.ts reads it for the commit's author.
          outputVariables: {
            AuthorDate: '2025-06-12T13:58:40Z',
            BranchName: 'main',
            CommitId: PAYMENTS_COMMIT,
            CommitMessage: PAYMENTS_COMMIT_MESSAGE,
            ConnectionArn: connectionArn,
            FullRepositoryName: 'example-org/payments-api',
            AuthorDisplayName: 'Priya Raman',
          },
        },
      },
    ],
  };
}

/** The build events/codepipeline/action-failed-codebuild.json names: it failed in its BUILD phase. */
function paymentsApiBuilds(): (Build & { id: string })[] {
  const id = 'payments-api-build:719caa98-f5d7-47e4-a09e-3753cb98f760';
  const stream = id.split(':')[1];
  const at = (t: string) => new Date(`2025-06-11T${t}Z`);
  const phase = (phaseType: Build['currentPhase'], start: string, end: string, failed = false) => ({
    phaseType: phaseType as NonNullable<Build['phases']>[number]['phaseType'],
    phaseStatus: failed ? ('FAILED' as const) : ('SUCCEEDED' as const),
    startTime: at(start),
    endTime: at(end),
    contexts: failed ? [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: npm run build. Reason: exit status 2' }] : [],
  });
  return [
    {
      id,
      arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${id}`,
      projectName: 'payments-api-build',
      buildStatus: 'FAILED',
      initiator: 'codepipeline/payments-api',
      startTime: at('09:40:21'),
      endTime: at('09:43:29'),
      phases: [
        phase('SUBMITTED', '09:40:21', '09:40:21'),
        phase('PROVISIONING', '09:40:22', '09:40:40'),
        phase('DOWNLOAD_SOURCE', '09:40:40', '09:40:47'),
        phase('INSTALL', '09:40:47', '09:41:30'),
        phase('BUILD', '09:41:30', '09:43:25', true),
      ],
      logs: {
        groupName: '/aws/codebuild/payments-api-build',
        streamName: stream,
        deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=${REGION}#logEvent:group=/aws/codebuild/payments-api-build;stream=${stream}`,
      },
    },
  ];
}

// ------------------------------------------------------------ ECS scenario

/** The ECS service of events/scenarios/ecs-crash-on-start/. */
export const PAYMENTS_CLUSTER = 'payments-prod';
export const PAYMENTS_SERVICE = 'payments-api';
/** The deployment in flight (DescribeServices' id; tasks carry it as `startedBy`): payments-api:42, whose tasks crash on start. */
export const PAYMENTS_IN_FLIGHT_DEPLOYMENT = 'ecs-svc/1234567890123456789';
/** Its service deployment (ListServiceDeployments, StopServiceDeployment). */
export const PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${PAYMENTS_CLUSTER}/${PAYMENTS_SERVICE}/Qm3xK8vT2pL9wR4nB7cYdE`;
/** The deployment that last completed, payments-api:41 (events/ecs/task-stopped-scale-in.json names it). */
export const PAYMENTS_PREVIOUS_DEPLOYMENT = 'ecs-svc/9876543210987654321';
/** The deployment a rollback of the in-flight one starts (the scenario's last two events report it). */
export const PAYMENTS_ROLLBACK_DEPLOYMENT = 'ecs-svc/5647382910564738291';
export const paymentsTaskDefinitionArn = (revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/payments-api:${revision}`;

const IMAGE_TAGS: Record<number, { tag: string; digest: string }> = {
  40: { tag: 'v2.2.3', digest: 'sha256:5d4c3b2a19f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a2918070f6e' },
  41: { tag: 'v2.2.4', digest: 'sha256:9b8a7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f9' },
  42: { tag: 'v2.3.0', digest: 'sha256:3f1c9a7e5b2d4086c1e8f7a9b0d2c4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7' },
};
const OTEL_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1';

/**
 * payments-api's task definitions: :42 (v2.3.0, the one in flight), :41
 * (v2.2.4, last deployed successfully) and :40 (v2.2.3, deregistered:
 * INACTIVE, which no rollback may target). Same images as the events in events/ecs.
 */
export function paymentsApiTaskDefinitions(): NonNullable<AwsScenario['taskDefinitions']> {
  const registered: Record<number, string> = { 40: '2025-06-03T10:12:44Z', 41: '2025-06-10T09:38:02Z', 42: '2025-06-12T13:59:51Z' };
  return [40, 41, 42].map((revision) => ({
    taskDefinitionArn: paymentsTaskDefinitionArn(revision),
    family: 'payments-api',
    revision,
    status: revision === 40 ? 'INACTIVE' : 'ACTIVE',
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api-task`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api-task-execution`,
    networkMode: 'awsvpc',
    containerDefinitions: [
      {
        name: 'payments-api',
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/payments-api:${IMAGE_TAGS[revision]!.tag}`,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/payments-api', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'payments-api' } },
      },
      { name: 'aws-otel-collector', image: OTEL_IMAGE, essential: false, command: ['--config=/etc/ecs/ecs-default-config.yaml'] },
    ],
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    cpu: '512',
    memory: '1024',
    registeredAt: new Date(registered[revision]!),
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api-pipeline/codepipeline`,
    ...(revision === 40 ? { deregisteredAt: new Date('2025-06-11T08:00:00Z') } : {}),
  }));
}

/**
 * payments-prod/payments-api as ECS describes it while deployment
 * ecs-svc/1234567890123456789 (payments-api:42) is in flight and its tasks
 * crash: ECS deployment controller, rolling update with the circuit breaker
 * on but its rollback off (so cicd-guardian is the one to roll back);
 * ListServiceDeployments has the in-flight deployment and two SUCCESSFUL
 * ones (payments-api:41, the previous; payments-api:40, now INACTIVE).
 */
export function paymentsApiService(): EcsServiceScenario {
  const at = (iso: string) => new Date(iso);
  const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${PAYMENTS_CLUSTER}`;
  const serviceArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${PAYMENTS_CLUSTER}/${PAYMENTS_SERVICE}`;
  const revisionArn = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${PAYMENTS_CLUSTER}/${PAYMENTS_SERVICE}/${id}`;
  const deploymentArn = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${PAYMENTS_CLUSTER}/${PAYMENTS_SERVICE}/${id}`;
  const networkConfiguration = {
    awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'], securityGroups: ['sg-0c4d5e6f708192a3b'], assignPublicIp: 'DISABLED' as const },
  };
  const loadBalancers = [
    { targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/payments-api-tg/6d0ecf831eec9f09`, containerName: 'payments-api', containerPort: 8080 },
  ];
  const platform = { launchType: 'FARGATE' as const, platformVersion: '1.4.0', platformFamily: 'Linux' };
  const revision = (id: string, taskRevision: number, createdAt: string) => ({
    serviceRevisionArn: revisionArn(id),
    serviceArn,
    clusterArn,
    taskDefinition: paymentsTaskDefinitionArn(taskRevision),
    launchType: 'FARGATE' as const,
    platformVersion: '1.4.0',
    platformFamily: 'DockerLinux',
    loadBalancers,
    networkConfiguration,
    containerImages: [
      { containerName: 'payments-api', image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/payments-api:${IMAGE_TAGS[taskRevision]!.tag}`, imageDigest: IMAGE_TAGS[taskRevision]!.digest },
      { containerName: 'aws-otel-collector', image: OTEL_IMAGE },
    ],
    guardDutyEnabled: false,
    createdAt: at(createdAt),
  });
  const revisions = [revision('7730941815902464210', 42, '2025-06-12T14:02:09.201Z'), revision('6917529027641081856', 41, '2025-06-10T09:40:57.118Z'), revision('5188146770730811392', 40, '2025-06-03T10:15:30.402Z')];

  return {
    service: {
      serviceArn,
      serviceName: PAYMENTS_SERVICE,
      clusterArn,
      loadBalancers,
      serviceRegistries: [],
      status: 'ACTIVE',
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 1,
      ...platform,
      taskDefinition: paymentsTaskDefinitionArn(42),
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        strategy: 'ROLLING',
      },
      deployments: [
        {
          id: PAYMENTS_IN_FLIGHT_DEPLOYMENT,
          status: 'PRIMARY',
          taskDefinition: paymentsTaskDefinitionArn(42),
          desiredCount: 2,
          pendingCount: 1,
          runningCount: 0,
          failedTasks: 2,
          createdAt: at('2025-06-12T14:02:09.514Z'),
          updatedAt: at('2025-06-12T14:04:08.627Z'),
          ...platform,
          networkConfiguration,
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: `ECS deployment ${PAYMENTS_IN_FLIGHT_DEPLOYMENT} in progress.`,
        },
        {
          id: PAYMENTS_PREVIOUS_DEPLOYMENT,
          status: 'ACTIVE',
          taskDefinition: paymentsTaskDefinitionArn(41),
          desiredCount: 2,
          pendingCount: 0,
          runningCount: 2,
          failedTasks: 0,
          createdAt: at('2025-06-10T09:40:57.336Z'),
          updatedAt: at('2025-06-10T09:48:12.904Z'),
          ...platform,
          networkConfiguration,
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment ${PAYMENTS_PREVIOUS_DEPLOYMENT} completed.`,
        },
      ],
      events: [],
      createdAt: at('2024-11-04T09:20:31.517Z'),
      currentServiceDeployment: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT,
      placementConstraints: [],
      placementStrategy: [],
      networkConfiguration,
      healthCheckGracePeriodSeconds: 60,
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      createdBy: `arn:aws:iam::${ACCOUNT}:role/payments-api-deploy`,
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
      enableExecuteCommand: false,
    },
    serviceDeployments: [
      {
        serviceDeploymentArn: PAYMENTS_IN_FLIGHT_SERVICE_DEPLOYMENT,
        serviceArn,
        clusterArn,
        createdAt: at('2025-06-12T14:02:09.514Z'),
        startedAt: at('2025-06-12T14:02:09.980Z'),
        targetServiceRevisionArn: revisions[0]!.serviceRevisionArn,
        status: 'IN_PROGRESS',
      },
      {
        serviceDeploymentArn: deploymentArn('Hj5Tq0WzN1sE6aP8uF3kGx'),
        serviceArn,
        clusterArn,
        createdAt: at('2025-06-10T09:40:57.336Z'),
        startedAt: at('2025-06-10T09:40:57.812Z'),
        finishedAt: at('2025-06-10T09:48:12.904Z'),
        targetServiceRevisionArn: revisions[1]!.serviceRevisionArn,
        status: 'SUCCESSFUL',
      },
      {
        serviceDeploymentArn: deploymentArn('Zr2Lm7Vc4Yb9Nw1Qs6Tf0a'),
        serviceArn,
        clusterArn,
        createdAt: at('2025-06-03T10:15:30.611Z'),
        startedAt: at('2025-06-03T10:15:31.020Z'),
        finishedAt: at('2025-06-03T10:22:47.385Z'),
        targetServiceRevisionArn: revisions[2]!.serviceRevisionArn,
        status: 'SUCCESSFUL',
      },
    ],
    revisions,
    rollbackDeploymentId: PAYMENTS_ROLLBACK_DEPLOYMENT,
  };
}
