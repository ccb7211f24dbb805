import { randomUUID } from 'node:crypto';
import type { Deployment, Service, ServiceDeploymentBrief, ServiceRevision, TaskDefinition } from '@aws-sdk/client-ecs';
import { ACCOUNT, REGION } from '../environment';
import { AwsFault, newestFirst, type AsData, type Input, type ServiceFake } from './service-fake';

// ECS over the data file's services and task definitions (ecs.json):
// DescribeServices, ListServiceDeployments, DescribeServiceRevisions and
// DescribeTaskDefinition select from them; StopServiceDeployment and
// UpdateService change them as ECS would (a stopped deployment reads
// ROLLBACK_REQUESTED and a rollback deployment becomes PRIMARY; an update
// supersedes the deployment in flight with a new PRIMARY).

/** One ECS service of the data file. */
export interface EcsServiceRecord {
  /** DescribeServices' service; StopServiceDeployment and UpdateService change its deployments. */
  service: AsData<Service & { serviceArn: string; serviceName: string; clusterArn: string; deployments: Deployment[] }>;
  /** ListServiceDeployments' service deployments of the service, in any order (the API documents none). */
  serviceDeployments: AsData<ServiceDeploymentBrief & { serviceDeploymentArn: string }>[];
  /** DescribeServiceRevisions' revisions of the service. */
  revisions: AsData<ServiceRevision & { serviceRevisionArn: string; taskDefinition: string }>[];
  /** The DescribeServices deployment id (ecs-svc/...) a rollback of the in-flight deployment gets (the scenario's events name it). Default: a fresh one. */
  rollbackDeploymentId?: string;
}

export interface EcsData {
  services: EcsServiceRecord[];
  taskDefinitions: AsData<TaskDefinition & { taskDefinitionArn: string; family: string; revision: number }>[];
}

const SERVICE_DEPLOYMENT_STATUSES = new Set(['PENDING', 'SUCCESSFUL', 'STOPPED', 'STOP_REQUESTED', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);
const ecsArn = (resource: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${resource}`;
/** A cluster named or given by ARN; "default" when the request names none, as ECS does. */
const clusterName = (value: unknown) => (typeof value === 'string' && value ? (value.startsWith('arn:') ? (value.split('/').pop() ?? value) : value) : 'default');
const deploymentId = () => `ecs-svc/${Array.from({ length: 19 }, (_, i) => (i === 0 ? 1 + Math.floor(Math.random() * 9) : Math.floor(Math.random() * 10))).join('')}`;
const byCreation = newestFirst('createdAt');

const requiredList = (input: Input, name: string, max: number): string[] => {
  const value = input[name];
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) throw new AwsFault(400, 'InvalidParameterException', `${name} can not be empty.`);
  if (value.length > max) throw new AwsFault(400, 'InvalidParameterException', `${name} can have at most ${max} elements.`);
  return value as string[];
};
const required = (input: Input, name: string): string => {
  if (typeof input[name] !== 'string' || input[name] === '') throw new AwsFault(400, 'InvalidParameterException', `${name} can not be blank.`);
  return input[name];
};

export const ecs: ServiceFake = (data, { now, change }) => {
  const { services = [], taskDefinitions = [] } = data as Partial<EcsData>;

  const clusterOf = (value: unknown) => {
    const name = clusterName(value);
    const inCluster = services.filter((e) => e.service.clusterArn === ecsArn(`cluster/${name}`));
    if (inCluster.length === 0) throw new AwsFault(400, 'ClusterNotFoundException', 'Cluster not found.');
    return { name, services: inCluster };
  };
  const serviceIn = (cluster: { services: EcsServiceRecord[] }, value: unknown) => cluster.services.find((e) => e.service.serviceName === value || e.service.serviceArn === value);
  const serviceOf = (cluster: unknown, service: unknown) => {
    const found = serviceIn(clusterOf(cluster), service);
    if (!found) throw new AwsFault(400, 'ServiceNotFoundException', 'Service not found.');
    return found;
  };
  /** "family", "family:revision" or a task definition ARN ("family" alone: its latest ACTIVE revision). */
  const taskDefinitionOf = (value: string) => {
    const [family, revision] = (value.startsWith('arn:') ? (value.split('/').pop() ?? '') : value).split(':');
    const matches = taskDefinitions.filter((t) => t.family === family && (revision === undefined ? t.status === 'ACTIVE' : String(t.revision) === revision));
    return matches.sort((a, b) => b.revision - a.revision)[0];
  };

  /** Makes `taskDefinition` the service's PRIMARY deployment (the previous PRIMARY goes ACTIVE). */
  function startDeployment({ service }: EcsServiceRecord, taskDefinition: string, id: string, at: string) {
    const previous = service.deployments.find((d) => d.status === 'PRIMARY');
    for (const d of service.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    service.deployments.unshift({
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
    });
    service.taskDefinition = taskDefinition;
  }

  return {
    DescribeServices: (input) => {
      const cluster = clusterOf(input.cluster);
      const found = requiredList(input, 'services', 10).map((name) => ({ name, record: serviceIn(cluster, name) }));
      return {
        services: found.flatMap((f) => (f.record ? [f.record.service] : [])),
        failures: found.filter((f) => !f.record).map((f) => ({ arn: f.name.startsWith('arn:') ? f.name : ecsArn(`service/${cluster.name}/${f.name}`), reason: 'MISSING' })),
      };
    },
    ListServiceDeployments: (input) => {
      const record = serviceOf(input.cluster, required(input, 'service'));
      const statuses = input.status === undefined ? undefined : requiredList(input, 'status', 9);
      const unknown = statuses?.find((st) => !SERVICE_DEPLOYMENT_STATUSES.has(st));
      if (unknown) throw new AwsFault(400, 'InvalidParameterException', `Invalid status: ${unknown}`);
      const max = input.maxResults === undefined ? 20 : Number(input.maxResults);
      if (!Number.isInteger(max) || max < 1 || max > 100) throw new AwsFault(400, 'InvalidParameterException', 'maxResults must be between 1 and 100.');
      const start = typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(start) || start < 0) throw new AwsFault(400, 'InvalidParameterException', 'Invalid nextToken.');
      const listed = record.serviceDeployments.filter((d) => !statuses || statuses.includes(d.status ?? '')).sort(byCreation);
      const next = start + max < listed.length ? Buffer.from(String(start + max), 'utf8').toString('base64url') : undefined;
      return { serviceDeployments: listed.slice(start, start + max), ...(next ? { nextToken: next } : {}) };
    },
    DescribeServiceRevisions: (input) => {
      const all = services.flatMap((e) => e.revisions);
      const found = requiredList(input, 'serviceRevisionArns', 20).map((arn) => ({ arn, revision: all.find((r) => r.serviceRevisionArn === arn) }));
      return {
        serviceRevisions: found.flatMap((f) => (f.revision ? [f.revision] : [])),
        failures: found.filter((f) => !f.revision).map((f) => ({ arn: f.arn, reason: 'MISSING' })),
      };
    },
    DescribeTaskDefinition: (input) => {
      const found = taskDefinitionOf(required(input, 'taskDefinition'));
      if (!found) throw new AwsFault(400, 'ClientException', 'Unable to describe task definition.');
      return { taskDefinition: found };
    },
    StopServiceDeployment: (input) => {
      const arn = required(input, 'serviceDeploymentArn');
      const stopType = input.stopType === undefined ? 'ROLLBACK' : String(input.stopType);
      if (stopType !== 'ROLLBACK' && stopType !== 'ABORT') throw new AwsFault(400, 'InvalidParameterException', `Invalid stopType: ${stopType}`);
      const record = services.find((e) => e.serviceDeployments.some((d) => d.serviceDeploymentArn === arn));
      const stopped = record?.serviceDeployments.find((d) => d.serviceDeploymentArn === arn);
      if (!record || !stopped) throw new AwsFault(400, 'ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
      if (stopped.status !== 'IN_PROGRESS' && stopped.status !== 'PENDING') throw new AwsFault(400, 'ConflictException', `The service deployment is ${stopped.status ?? 'not in progress'} and cannot be stopped.`);
      const at = now().toISOString();
      if (stopType === 'ABORT') {
        stopped.status = 'STOP_REQUESTED';
      } else {
        // ECS rolls back to the service revision the deployment replaced: the newest successful one.
        const previous = record.serviceDeployments.filter((d) => d.status === 'SUCCESSFUL').sort(byCreation)[0];
        const target = record.revisions.find((r) => r.serviceRevisionArn === previous?.targetServiceRevisionArn);
        if (!target) throw new AwsFault(400, 'InvalidParameterException', 'The service has no previous service revision to roll back to.');
        stopped.status = 'ROLLBACK_REQUESTED';
        stopped.statusReason = 'Service deployment rollback requested (StopServiceDeployment).';
        const failing = record.service.deployments.find((d) => d.status === 'PRIMARY');
        if (failing?.rolloutState === 'IN_PROGRESS') {
          failing.rolloutState = 'FAILED';
          failing.rolloutStateReason = `ECS deployment ${failing.id ?? ''} stopped by StopServiceDeployment.`;
          failing.updatedAt = at;
        }
        startDeployment(record, target.taskDefinition, record.rollbackDeploymentId ?? deploymentId(), at);
        record.rollbackDeploymentId = undefined; // the data's id names one rollback
      }
      change({ service: 'ecs', operation: 'StopServiceDeployment', target: arn, detail: { stopType } });
      return { serviceDeploymentArn: arn };
    },
    UpdateService: (input) => {
      const record = serviceOf(input.cluster, required(input, 'service'));
      const { service } = record;
      const controller = service.deploymentController?.type ?? 'ECS';
      if (controller !== 'ECS') {
        throw new AwsFault(400, 'InvalidParameterException', `Unable to update task definition on services with a ${controller} deployment controller. Use AWS CodeDeploy to trigger a new deployment.`);
      }
      const taskDefinition = taskDefinitionOf(typeof input.taskDefinition === 'string' && input.taskDefinition ? input.taskDefinition : service.taskDefinition!);
      if (!taskDefinition) throw new AwsFault(400, 'ClientException', 'TaskDefinition not found.');
      if (taskDefinition.status !== 'ACTIVE') throw new AwsFault(400, 'ClientException', 'TaskDefinition is inactive');
      const at = now().toISOString();
      // A new deployment supersedes the one in flight.
      for (const d of record.serviceDeployments) {
        if (d.status === 'IN_PROGRESS' || d.status === 'PENDING') Object.assign(d, { status: 'STOPPED', statusReason: 'Superseded by a new service deployment.', finishedAt: at });
      }
      const where = `${clusterName(service.clusterArn)}/${service.serviceName}`;
      const revision = {
        ...record.revisions[0],
        serviceRevisionArn: ecsArn(`service-revision/${where}/${deploymentId().slice('ecs-svc/'.length)}`),
        taskDefinition: taskDefinition.taskDefinitionArn,
        containerImages: (taskDefinition.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image })),
        createdAt: at,
      };
      record.revisions.push(revision);
      const serviceDeploymentArn = ecsArn(`service-deployment/${where}/${randomUUID().replace(/-/g, '').slice(0, 22)}`);
      record.serviceDeployments.push({ serviceDeploymentArn, serviceArn: service.serviceArn, clusterArn: service.clusterArn, createdAt: at, startedAt: at, targetServiceRevisionArn: revision.serviceRevisionArn, status: 'IN_PROGRESS' });
      service.currentServiceDeployment = serviceDeploymentArn;
      startDeployment(record, taskDefinition.taskDefinitionArn, deploymentId(), at);
      change({
        service: 'ecs',
        operation: 'UpdateService',
        target: service.serviceArn,
        detail: { taskDefinition: taskDefinition.taskDefinitionArn, ...(typeof input.forceNewDeployment === 'boolean' ? { forceNewDeployment: String(input.forceNewDeployment) } : {}) },
      });
      return { service };
    },
  };
};
