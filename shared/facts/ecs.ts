import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type Deployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
} from '@aws-sdk/client-ecs';
import { CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { RollbackError, rollbackError } from '../runtime/aws-errors.js';
import type { ServiceFacts } from '../views/service-view.js';
import { clientFor, type Place } from '../runtime/aws.js';
import { attempt, type FactError } from './attempt.js';
import type { IamNeed } from '../runtime/iam.js';

// Read-only facts about an ECS service that a rollback decision needs: its
// deployment controller, whether AWS rolls back (or is rolling back) by itself,
// the in-flight deployment, the task definitions of past successful deployments
// and whether they can still be deployed. DescribeServices is required (no
// decision without it); every other call is best-effort: a failure is reported
// through `onError` and the facts come back without that part.
//
// ListServiceDeployments already carries each deployment's target service revision,
// so ecs:DescribeServiceDeployments is not needed.

/** What EcsFacts reads, granted by the guardian plugin to each function that uses it. */
export const ECS_FACTS_IAM: IamNeed[] = [
  {
    actions: ['ecs:DescribeServices', 'ecs:ListServiceDeployments', 'ecs:DescribeServiceRevisions'],
    resources: 'services',
    why: 'DescribeServiceRevisions authorizes against the service as well as the revision',
  },
  { actions: ['ecs:DescribeServiceRevisions'], resources: 'serviceRevisions' },
  { actions: ['ecs:DescribeTaskDefinition'], resources: 'everything', why: 'DescribeTaskDefinition has no resource-level permissions' },
  { actions: ['codedeploy:ListDeployments'], resources: 'deploymentGroups' },
];

/** What PipelineStateFacts reads (the execution deploying a service). */
export const PIPELINE_STATE_FACTS_IAM: IamNeed[] = [{ actions: ['codepipeline:GetPipelineState'], resources: 'deployPipelines' }];


export interface DescribeOptions {
  codeDeploy?: { application: string; deploymentGroup: string };
  /** Extra task definitions whose status to read, e.g. a recorded known-good one. */
  candidates?: string[];
}

const ACTIVE_STATUSES: ServiceDeploymentStatus[] = ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'];
const ROLLING_BACK = new Set<string>(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);
const IN_FLIGHT = new Set<string>(['PENDING', 'IN_PROGRESS']);
/** CodeDeploy deployments that StopDeployment can still stop. */
const CODEDEPLOY_ACTIVE = ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'] as const;
/** Successful deployments kept (one DescribeServiceRevisions call takes at most 20 ARNs, one is the in-flight target). */
const HISTORY = 19;
/** Pages of successful deployments read: the API does not document its order, so we sort them ourselves. */
const HISTORY_PAGES = 3;
/** Past task definitions (besides the candidates) whose status is read. */
const STATUS_LOOKUPS = 3;

const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);
const time = (d: ServiceDeploymentBrief) => (d.finishedAt ?? d.startedAt ?? d.createdAt)?.getTime() ?? 0;
const newestFirst = (a: ServiceDeploymentBrief, b: ServiceDeploymentBrief) => time(b) - time(a);
const rollingBackReason = (d: Deployment) => (d.rolloutState ?? 'IN_PROGRESS') === 'IN_PROGRESS' && /\brolling back\b/i.test(d.rolloutStateReason ?? '');

export class EcsFacts {
  constructor(
    private readonly ecs: ECSClient,
    private readonly codedeploy: () => CodeDeployClient,
  ) {}

  async describe(cluster: string, service: string, opts: DescribeOptions, onError: FactError): Promise<ServiceFacts> {
    const name = `${cluster}/${service}`;
    const read = <T>(call: string, fn: () => Promise<T>) => attempt(call, fn, onError);

    let described;
    try {
      described = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    } catch (error) {
      throw rollbackError(error, name, 'ecs:DescribeServices');
    }
    const svc = described.services?.find((s) => s.status !== 'INACTIVE');
    if (!svc) {
      const failure = described.failures?.[0];
      const why = failure ? `${failure.reason ?? 'failure'}${failure.detail ? `: ${failure.detail}` : ''}` : 'the service is INACTIVE (deleted)';
      const hint = `Check rollback.services in guardian.yml: ECS service "${service}" must exist in cluster "${cluster}" in the function's region.`;
      throw new RollbackError(`ECS service ${name} not found (${why}). ${hint}`, { service: name, hint, retryable: false });
    }

    const controller = svc.deploymentController?.type ?? 'ECS';
    const config = svc.deploymentConfiguration;
    const nativeRollbackEnabled =
      controller === 'ECS' &&
      Boolean((config?.deploymentCircuitBreaker?.enable && config.deploymentCircuitBreaker.rollback) || (config?.alarms?.enable && config.alarms.rollback));
    const raw = svc.deployments ?? [];
    const deployments = raw.map((d) => ({
      id: d.id ?? '',
      status: d.status ?? '',
      taskDefinition: d.taskDefinition ?? '',
      ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
      ...(d.rolloutStateReason ? { rolloutStateReason: d.rolloutStateReason } : {}),
      ...(d.createdAt ? { createdAt: iso(d.createdAt) } : {}),
    }));
    const primary = raw.find((d) => d.status === 'PRIMARY');

    const facts: ServiceFacts = {
      controller,
      nativeRollbackEnabled,
      nativeRollbackInProgress: raw.some(rollingBackReason),
      deployments,
      successfulTaskDefinitions: [],
      taskDefinitionStatus: {},
    };

    const [active, successful, codeDeployId] = await Promise.all([
      controller === 'ECS'
        ? read('ListServiceDeployments', async () => {
            const res = await this.ecs.send(new ListServiceDeploymentsCommand({ cluster, service, status: ACTIVE_STATUSES, maxResults: 100 }));
            return res.serviceDeployments ?? [];
          })
        : undefined,
      controller === 'ECS' ? read('ListServiceDeployments', () => this.successfulDeployments(cluster, service)) : undefined,
      controller === 'CODE_DEPLOY' ? read('ListDeployments', () => this.codeDeployInProgress(name, opts.codeDeploy)) : undefined,
    ]);
    if (codeDeployId) facts.codeDeployDeploymentId = codeDeployId;

    const activeDeployments = (active ?? []).filter((d) => d.status && ACTIVE_STATUSES.includes(d.status));
    if (activeDeployments.some((d) => d.status && ROLLING_BACK.has(d.status))) facts.nativeRollbackInProgress = true;
    const inFlight = activeDeployments.filter((d) => d.status && IN_FLIGHT.has(d.status) && d.serviceDeploymentArn).sort(newestFirst)[0];
    const history = (successful ?? []).filter((d) => d.status === 'SUCCESSFUL' && d.targetServiceRevisionArn).sort(newestFirst);

    // Service revision -> task definition, for the in-flight target and the recent successes.
    const revisionArns = [
      ...new Set([inFlight?.targetServiceRevisionArn, ...history.map((d) => d.targetServiceRevisionArn)].filter((a): a is string => Boolean(a))),
    ].slice(0, HISTORY + 1);
    const taskDefinitionOf = new Map<string, string>();
    if (revisionArns.length > 0) {
      const revisions = await read('DescribeServiceRevisions', () =>
        this.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: revisionArns })),
      );
      for (const r of revisions?.serviceRevisions ?? []) {
        if (r.serviceRevisionArn && r.taskDefinition) taskDefinitionOf.set(r.serviceRevisionArn, r.taskDefinition);
      }
    }

    if (inFlight?.serviceDeploymentArn) {
      // Fallback while revisions are unknown: the PRIMARY deployment of a rolling update is its target.
      const target =
        (inFlight.targetServiceRevisionArn && taskDefinitionOf.get(inFlight.targetServiceRevisionArn)) ||
        (primary?.rolloutState === 'IN_PROGRESS' ? primary.taskDefinition : undefined);
      facts.inFlight = { serviceDeploymentArn: inFlight.serviceDeploymentArn, status: inFlight.status ?? 'IN_PROGRESS', ...(target ? { targetTaskDefinition: target } : {}) };
    }

    const seen = new Set<string>();
    for (const d of history) {
      const taskDefinition = d.targetServiceRevisionArn ? taskDefinitionOf.get(d.targetServiceRevisionArn) : undefined;
      if (!taskDefinition || seen.has(taskDefinition)) continue;
      seen.add(taskDefinition);
      facts.successfulTaskDefinitions.push({ taskDefinition, ...(d.finishedAt ? { finishedAt: iso(d.finishedAt) } : {}) });
    }

    // Can we still deploy them? The candidates, and the newest successes other than what is running now.
    const current = new Set([facts.inFlight?.targetTaskDefinition, primary?.taskDefinition].filter(Boolean));
    const lookups = [
      ...new Set([
        ...(opts.candidates ?? []),
        ...facts.successfulTaskDefinitions
          .map((s) => s.taskDefinition)
          .filter((t) => !current.has(t))
          .slice(0, STATUS_LOOKUPS),
      ]),
    ];
    const statuses = await Promise.all(
      lookups.map((taskDefinition) =>
        read('DescribeTaskDefinition', async () => {
          const res = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
          return res.taskDefinition?.status;
        }),
      ),
    );
    lookups.forEach((taskDefinition, i) => {
      const status = statuses[i];
      if (status) facts.taskDefinitionStatus[taskDefinition] = status;
    });

    return facts;
  }

  /** The task definition a deployment (ecs-svc/...) of the service runs, while DescribeServices still lists it. */
  /** Best-effort: the completion is recorded even when ECS cannot be read (the task events name the revision too). */
  async deployedTaskDefinition(cluster: string, service: string, deploymentId: string, onError: FactError): Promise<string | undefined> {
    try {
      const res = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      return res.services?.flatMap((s) => s.deployments ?? []).find((d) => d.id === deploymentId)?.taskDefinition;
    } catch (error) {
      onError('DescribeServices', rollbackError(error, `${cluster}/${service}`, 'ecs:DescribeServices'));
      return undefined;
    }
  }

  private async successfulDeployments(cluster: string, service: string): Promise<ServiceDeploymentBrief[]> {
    const all: ServiceDeploymentBrief[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const res = await this.ecs.send(new ListServiceDeploymentsCommand({ cluster, service, status: ['SUCCESSFUL'], maxResults: 100, nextToken }));
      all.push(...(res.serviceDeployments ?? []));
      nextToken = res.nextToken;
      if (!nextToken) break;
    }
    return all;
  }

  private async codeDeployInProgress(name: string, group: DescribeOptions['codeDeploy']): Promise<string | undefined> {
    if (!group) {
      const hint = `Add codeDeploy {application, deploymentGroup} to this service in rollback.services of guardian.yml.`;
      throw new RollbackError(`${name} uses the CODE_DEPLOY deployment controller but no CodeDeploy deployment group is configured. ${hint}`, {
        service: name,
        hint,
        retryable: false,
      });
    }
    const res = await this.codedeploy().send(
      new ListDeploymentsCommand({ applicationName: group.application, deploymentGroupName: group.deploymentGroup, includeOnlyStatuses: [...CODEDEPLOY_ACTIVE] }),
    );
    // CodeDeploy runs one deployment at a time per deployment group.
    return res.deployments?.[0];
  }
}

export class PipelineStateFacts {
  constructor(private readonly client: CodePipelineClient) {}

  /** The pipeline execution that last entered `stage` (GetPipelineState stageStates[].latestExecution). */
  async deployingExecution(pipeline: string, stage: string): Promise<string | undefined> {
    try {
      const res = await this.client.send(new GetPipelineStateCommand({ name: pipeline }));
      return res.stageStates?.find((s) => s.stageName === stage)?.latestExecution?.pipelineExecutionId;
    } catch (error) {
      throw rollbackError(error, `${pipeline}/${stage}`, 'codepipeline:GetPipelineState');
    }
  }
}

/** Reads in the account and region of `place` (the service's); the CodeDeploy client is only built when a CODE_DEPLOY service needs it. */
export const ecsFacts = (place: Place): EcsFacts => new EcsFacts(clientFor(ECSClient, place), () => clientFor(CodeDeployClient, place));

/** Reads in the account and region of `place` (the pipeline's). */
export const pipelineStateFacts = (place: Place): PipelineStateFacts => new PipelineStateFacts(clientFor(CodePipelineClient, place));
