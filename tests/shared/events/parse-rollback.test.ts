import { taskFailure } from '../../../shared/events/task-failure';
import { parseCiEvent } from '../../../shared/events/parse';
import {
  MANUAL_REQUEST,
  ROLLBACK_DETAIL_TYPES,
  rollbackEventSchema,
  parseRollbackEvent,
  type RollbackEvent,
} from '../../../shared/events/parse-rollback';
import type { EcsTaskEvent } from '../../../shared/events/types';
import { isRollbackSample, listEvents, loadEvent, type JsonObject } from '../../helpers/fixtures';
import { validationErrorOf } from '../../helpers/event-checks';

const ACCOUNT = '123456789012';
const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/payments-prod';
const SERVICE_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/payments-prod/payments-api';
const BAD_TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:42';
const GOOD_TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:41';
const BAD_DEPLOYMENT = 'ecs-svc/1234567890123456789';
const GOOD_DEPLOYMENT = 'ecs-svc/9876543210987654321';
const ROLLBACK_DEPLOYMENT = 'ecs-svc/3141592653589793238';

const FIXED = { now: () => new Date('2025-06-12T15:00:00.000Z'), newId: () => 'f3b0c1de-7a52-4e0b-9d61-2c8e5a4f7b90' };

const detailOf = (raw: JsonObject) => raw.detail as JsonObject;
const containersOf = (raw: JsonObject) => detailOf(raw).containers as JsonObject[];

function parse<K extends RollbackEvent['kind']>(relPath: string, kind: K): Extract<RollbackEvent, { kind: K }> {
  const e = parseRollbackEvent(loadEvent(relPath), FIXED);
  expect(e.kind).toBe(kind);
  return e as Extract<RollbackEvent, { kind: K }>;
}

const pathsOf = (fn: () => unknown) => validationErrorOf(fn).issues.map((i) => i.path);

/** What each sample in events/ecs, events/cloudwatch and events/manual stands for: kind, then eventName, lastStatus or state. */
const EXPECTED: Record<string, [RollbackEvent['kind'], string]> = {
  'ecs/deployment-in-progress.json': ['ecs-deployment', 'SERVICE_DEPLOYMENT_IN_PROGRESS'],
  'ecs/deployment-completed.json': ['ecs-deployment', 'SERVICE_DEPLOYMENT_COMPLETED'],
  'ecs/deployment-failed.json': ['ecs-deployment', 'SERVICE_DEPLOYMENT_FAILED'],
  'ecs/deployment-rollback-in-progress.json': ['ecs-deployment', 'SERVICE_DEPLOYMENT_IN_PROGRESS'],
  'ecs/service-task-start-impaired.json': ['ecs-service-action', 'SERVICE_TASK_START_IMPAIRED'],
  'ecs/service-steady-state.json': ['ecs-service-action', 'SERVICE_STEADY_STATE'],
  'ecs/task-running.json': ['ecs-task', 'RUNNING'],
  'ecs/task-stopped-exit-code.json': ['ecs-task', 'STOPPED'],
  'ecs/task-stopped-health-check.json': ['ecs-task', 'STOPPED'],
  'ecs/task-stopped-cannot-pull.json': ['ecs-task', 'STOPPED'],
  'ecs/task-stopped-scale-in.json': ['ecs-task', 'STOPPED'],
  'cloudwatch/alarm-5xx-alarm.json': ['alarm', 'ALARM'],
  'cloudwatch/alarm-ok.json': ['alarm', 'OK'],
  'manual/rollback-request.json': ['manual', 'dry run'],
};

function stateOf(e: RollbackEvent): string {
  switch (e.kind) {
    case 'ecs-deployment':
    case 'ecs-service-action':
      return e.eventName;
    case 'ecs-task':
      return e.lastStatus;
    case 'alarm':
      return e.state;
    case 'action':
      return e.state;
    case 'manual':
      return e.dryRun ? 'dry run' : 'for real';
  }
}

describe('parseRollbackEvent on the sample events in events/', () => {
  it('has an expected kind written down for every sample in events/ecs, events/cloudwatch and events/manual', () => {
    expect(['ecs', 'cloudwatch', 'manual'].flatMap(listEvents).filter(isRollbackSample).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('reads %s as %j', (file, [kind, state]) => {
    const e = parseRollbackEvent(loadEvent(file), FIXED);
    expect([e.kind, stateOf(e)]).toEqual([kind, state]);
  });

  it.each([...listEvents('ecs'), ...listEvents('cloudwatch')])('keeps the envelope facts of %s', (file) => {
    const raw = loadEvent(file);
    expect(parseRollbackEvent(raw)).toMatchObject({ eventId: raw.id, time: raw.time, account: ACCOUNT, region: 'us-east-1' });
  });

  it('reads every ECS sample as one service, payments-api in payments-prod', () => {
    for (const file of listEvents('ecs')) {
      expect(parseRollbackEvent(loadEvent(file))).toMatchObject({ cluster: 'payments-prod', clusterArn: CLUSTER_ARN, service: 'payments-api' });
    }
  });

  it('reads CodePipeline action events exactly as parseCiEvent does', () => {
    for (const file of ['codepipeline/action-failed.json', 'codepipeline/action-started.json', 'codepipeline/approval-needed.json']) {
      expect(parseRollbackEvent(loadEvent(file))).toEqual(parseCiEvent(loadEvent(file)));
    }
  });

  it.each(['codepipeline/pipeline-failed.json', 'codepipeline/stage-failed.json', 'codebuild/build-failed.json'])(
    'turns away %s, which the rollback function does not take, naming detail-type',
    (file) => {
      const err = validationErrorOf(() => parseRollbackEvent(loadEvent(file)));
      expect(err.issues).toEqual([{ path: 'detail-type', message: expect.stringContaining('ECS Deployment State Change') }]);
    },
  );
});

describe('normalization of ECS deployment events', () => {
  it('turns a deployment event into cluster, service, deployment id, event name, update time and reason', () => {
    expect(parse('ecs/deployment-in-progress.json', 'ecs-deployment')).toEqual({
      kind: 'ecs-deployment',
      eventId: 'cae3d1a0-6281-4bb4-8f95-856877657cef',
      time: '2025-06-12T14:02:10Z',
      account: ACCOUNT,
      region: 'us-east-1',
      clusterArn: CLUSTER_ARN,
      cluster: 'payments-prod',
      serviceArn: SERVICE_ARN,
      service: 'payments-api',
      eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
      deploymentId: BAD_DEPLOYMENT,
      updatedAt: '2025-06-12T14:02:09.514Z',
      reason: `ECS deployment ${BAD_DEPLOYMENT} in progress.`,
    });
  });

  it('reads the deployment ECS rolls back to from the circuit breaker reason, without the final period', () => {
    const e = parse('ecs/deployment-rollback-in-progress.json', 'ecs-deployment');
    expect(e).toMatchObject({ eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS', deploymentId: ROLLBACK_DEPLOYMENT, nativeRollbackTo: GOOD_DEPLOYMENT });
  });

  it.each(['ecs/deployment-in-progress.json', 'ecs/deployment-failed.json', 'ecs/deployment-completed.json'])(
    'has no nativeRollbackTo in %s',
    (file) => {
      expect(parseRollbackEvent(loadEvent(file))).not.toHaveProperty('nativeRollbackTo');
    },
  );

  it.each([
    ['ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/42.', 'ecs-svc/42'],
    ['ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/42', 'ecs-svc/42'],
    ['ECS deployment alarms: rolling back to deploymentId ecs-svc/42. See the alarms.', 'ecs-svc/42'],
    ['rolling back to deploymentId .', undefined],
  ])('reads nativeRollbackTo from %j as %j', (reason, expected) => {
    const raw = loadEvent('ecs/deployment-rollback-in-progress.json');
    detailOf(raw).reason = reason;
    expect(deploymentOf(raw).nativeRollbackTo).toBe(expected);
  });

  it('reports the failure reason of a failed deployment', () => {
    expect(parse('ecs/deployment-failed.json', 'ecs-deployment')).toMatchObject({
      eventName: 'SERVICE_DEPLOYMENT_FAILED',
      deploymentId: BAD_DEPLOYMENT,
      reason: 'ECS deployment circuit breaker: task failed to start.',
    });
  });

  it('accepts a deployment event without eventType or reason', () => {
    const raw = loadEvent('ecs/deployment-completed.json');
    delete detailOf(raw).eventType;
    delete detailOf(raw).reason;
    const e = deploymentOf(raw);
    expect(e).toMatchObject({ eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: GOOD_DEPLOYMENT });
    expect(e).not.toHaveProperty('reason');
  });

  it('rejects a service ARN in the old format, which names no cluster, at resources.0', () => {
    const raw = loadEvent('ecs/deployment-failed.json');
    raw.resources = ['arn:aws:ecs:us-east-1:123456789012:service/payments-api'];
    const err = validationErrorOf(() => parseRollbackEvent(raw));
    expect(err.issues).toEqual([{ path: 'resources.0', message: expect.stringContaining('service/<cluster>/<service>') }]);
  });

  it('rejects an event without resources at resources.0', () => {
    const raw = loadEvent('ecs/deployment-failed.json');
    raw.resources = [];
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['resources.0']);
  });

  it('names detail.eventName for an event name that is not a deployment state', () => {
    const raw = loadEvent('ecs/deployment-failed.json');
    detailOf(raw).eventName = 'SERVICE_STEADY_STATE';
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['detail.eventName']);
  });

  it('names detail.updatedAt when it is not a time', () => {
    const raw = loadEvent('ecs/deployment-failed.json');
    detailOf(raw).updatedAt = 'yesterday';
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['detail.updatedAt']);
  });
});

/** Parses an already-loaded sample that must be an ECS deployment event. */
function deploymentOf(raw: JsonObject) {
  const e = parseRollbackEvent(raw);
  if (e.kind !== 'ecs-deployment') throw new Error(`expected an ecs-deployment event, got ${e.kind}`);
  return e;
}

describe('normalization of ECS service action events', () => {
  it('turns a service action into cluster, service, event name and type', () => {
    expect(parse('ecs/service-task-start-impaired.json', 'ecs-service-action')).toEqual({
      kind: 'ecs-service-action',
      eventId: 'd39549ba-ee7d-41f8-9041-f9e4abcd6059',
      time: '2025-06-12T14:09:27Z',
      account: ACCOUNT,
      region: 'us-east-1',
      clusterArn: CLUSTER_ARN,
      cluster: 'payments-prod',
      serviceArn: SERVICE_ARN,
      service: 'payments-api',
      eventName: 'SERVICE_TASK_START_IMPAIRED',
      eventType: 'WARN',
    });
  });

  it('accepts an old-format service ARN: the cluster comes from detail.clusterArn', () => {
    const raw = loadEvent('ecs/service-steady-state.json');
    raw.resources = ['arn:aws:ecs:us-east-1:123456789012:service/payments-api'];
    expect(parseRollbackEvent(raw)).toMatchObject({ cluster: 'payments-prod', service: 'payments-api', serviceArn: raw.resources[0] });
  });

  it('keeps event names it does not know, such as ones ECS adds later', () => {
    const raw = loadEvent('ecs/service-steady-state.json');
    detailOf(raw).eventName = 'SERVICE_SOMETHING_NEW';
    expect(parseRollbackEvent(raw)).toMatchObject({ kind: 'ecs-service-action', eventName: 'SERVICE_SOMETHING_NEW' });
  });

  it('names detail.clusterArn when it is not a cluster ARN', () => {
    const raw = loadEvent('ecs/service-task-start-impaired.json');
    detailOf(raw).clusterArn = 'payments-prod';
    const err = validationErrorOf(() => parseRollbackEvent(raw));
    expect(err.issues).toEqual([{ path: 'detail.clusterArn', message: expect.stringContaining('cluster ARN') }]);
  });
});

describe('normalization of ECS task events', () => {
  it('turns a stopped task into task, task definition, deployment, statuses, times and containers', () => {
    expect(parse('ecs/task-stopped-exit-code.json', 'ecs-task')).toEqual({
      kind: 'ecs-task',
      eventId: 'ad6f79ec-108f-4536-bc6b-0d8c3cfbcf24',
      time: '2025-06-12T14:05:02Z',
      account: ACCOUNT,
      region: 'us-east-1',
      clusterArn: CLUSTER_ARN,
      cluster: 'payments-prod',
      service: 'payments-api',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/payments-prod/eaff1ee13a332433e4287b758f990434',
      taskDefinitionArn: BAD_TASK_DEFINITION,
      startedBy: BAD_DEPLOYMENT,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      version: 6,
      createdAt: '2025-06-12T14:02:12.377Z',
      startedAt: '2025-06-12T14:03:31.455Z',
      stoppingAt: '2025-06-12T14:04:39.703Z',
      stoppedAt: '2025-06-12T14:05:01.911Z',
      containers: [
        { name: 'aws-otel-collector', exitCode: 143, lastStatus: 'STOPPED' },
        { name: 'payments-api', exitCode: 1, lastStatus: 'STOPPED' },
      ],
    });
  });

  it('ties the tasks of the failing deployment to it through startedBy, and to task definition :42', () => {
    for (const file of ['ecs/task-running.json', 'ecs/task-stopped-exit-code.json', 'ecs/task-stopped-health-check.json', 'ecs/task-stopped-cannot-pull.json']) {
      expect(parse(file, 'ecs-task')).toMatchObject({ startedBy: BAD_DEPLOYMENT, taskDefinitionArn: BAD_TASK_DEFINITION });
    }
    expect(parse('ecs/task-stopped-scale-in.json', 'ecs-task')).toMatchObject({ startedBy: GOOD_DEPLOYMENT, taskDefinitionArn: GOOD_TASK_DEFINITION });
  });

  it.each([
    ['service:payments-api', 'payments-api'],
    ['service:', undefined],
    ['family:payments-api', undefined],
    [undefined, undefined],
  ])('reads group %j as service %j', (group, service) => {
    const raw = loadEvent('ecs/task-running.json');
    if (group === undefined) delete detailOf(raw).group;
    else detailOf(raw).group = group;
    const e = taskOf(raw);
    if (service === undefined) expect(e).not.toHaveProperty('service');
    else expect(e.service).toBe(service);
  });

  it('keeps the container reason of a task that failed to start and has no exit code', () => {
    const e = parse('ecs/task-stopped-cannot-pull.json', 'ecs-task');
    expect(e.containers).toEqual([{ name: 'payments-api', lastStatus: 'STOPPED', reason: expect.stringMatching(/^CannotPullContainerError: /) }]);
    expect(e).not.toHaveProperty('startedAt');
  });

  it('reads health status when the event has it, on the task and on its containers', () => {
    const raw = loadEvent('ecs/task-running.json');
    detailOf(raw).healthStatus = 'UNHEALTHY';
    containersOf(raw)[0]!.healthStatus = 'UNHEALTHY';
    const e = taskOf(raw);
    expect(e.healthStatus).toBe('UNHEALTHY');
    expect(e.containers[0]).toMatchObject({ healthStatus: 'UNHEALTHY' });
  });

  it('reads a task without containers as having none', () => {
    const raw = loadEvent('ecs/task-running.json');
    delete detailOf(raw).containers;
    expect(taskOf(raw).containers).toEqual([]);
  });

  it.each([['6'], [6.5], [-1], [null]])('rejects detail.version %j: it is a whole number in task events', (version) => {
    const raw = loadEvent('ecs/task-stopped-health-check.json');
    detailOf(raw).version = version;
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['detail.version']);
  });

  it('names the container whose exit code is not a number', () => {
    const raw = loadEvent('ecs/task-stopped-exit-code.json');
    containersOf(raw)[1]!.exitCode = '1';
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['detail.containers.1.exitCode']);
  });

  it('names detail.taskDefinitionArn when it is not a task definition ARN with a revision', () => {
    const raw = loadEvent('ecs/task-running.json');
    detailOf(raw).taskDefinitionArn = 'payments-api';
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['detail.taskDefinitionArn']);
  });

  it('lists every missing required field at once', () => {
    const raw = loadEvent('ecs/task-running.json');
    delete detailOf(raw).clusterArn;
    delete detailOf(raw).lastStatus;
    expect(pathsOf(() => parseRollbackEvent(raw)).sort()).toEqual(['detail.clusterArn', 'detail.lastStatus']);
  });
});

/** Parses an already-loaded sample that must be an ECS task event. */
function taskOf(raw: JsonObject): EcsTaskEvent {
  const e = parseRollbackEvent(raw);
  if (e.kind !== 'ecs-task') throw new Error(`expected an ecs-task event, got ${e.kind}`);
  return e;
}

describe('taskFailure', () => {
  it.each([
    ['ecs/task-running.json', undefined],
    ['ecs/task-stopped-scale-in.json', undefined],
    ['ecs/task-stopped-exit-code.json', { kind: 'exit-code', detail: 'container payments-api exited with code 1' }],
    [
      'ecs/task-stopped-health-check.json',
      {
        kind: 'health-check',
        detail:
          'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-api-tg/6d0ecf831eec9f09)',
      },
    ],
    [
      'ecs/task-stopped-cannot-pull.json',
      { kind: 'failed-to-start', detail: expect.stringMatching(/^CannotPullContainerError: .*: not found$/), conclusive: 'the image or tag does not exist' },
    ],
  ])('classifies %s', (file, expected) => {
    expect(taskFailure(parse(file, 'ecs-task'))).toEqual(expected);
  });

  const stopped = parseRollbackEvent(loadEvent('ecs/task-stopped-exit-code.json')) as EcsTaskEvent;
  const task = (over: Partial<EcsTaskEvent>): EcsTaskEvent => ({ ...stopped, ...over });
  const only = (exitCode?: number, reason?: string) => [{ name: 'payments-api', lastStatus: 'STOPPED', exitCode, reason }];

  it.each<[string, Partial<EcsTaskEvent>, string | undefined]>([
    ['a task that is still stopping', { lastStatus: 'DEACTIVATING' }, undefined],
    ['a task that is deprovisioning after an ELB health check failure', { lastStatus: 'DEPROVISIONING', stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group x)' }, undefined],
    ['a task a user stopped, whatever its exit code', { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }, undefined],
    ['a user stop whose reason text mentions a health check', { stopCode: 'UserInitiated', stoppedReason: 'Task failed container health checks (per ops)' }, undefined],
    ['a Fargate Spot interruption', { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.', containers: only(137) }, undefined],
    ['a termination notice', { stopCode: 'TerminationNotice', containers: only(143) }, undefined],
    ['an infrastructure health stop', { stopCode: 'InfrastructureHealth', containers: only(137) }, undefined],
    ['a scale-in where the app exited 0', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: `Scaling activity initiated by (deployment ${GOOD_DEPLOYMENT})`, containers: only(0) }, undefined],
    ['a scale-in where the app ignored SIGTERM and was killed', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: `Scaling activity initiated by (deployment ${GOOD_DEPLOYMENT})`, containers: only(137) }, undefined],
    ['a scale-in without stop code (older events)', { stopCode: undefined, stoppedReason: `Scaling activity initiated by (deployment ${GOOD_DEPLOYMENT})`, containers: only(143) }, undefined],
    ['a scheduler stop for a failed container health check', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', containers: only(143) }, 'health-check'],
    ['a scheduler stop for a failed ELB health check with exit 0', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group x)', containers: only(0) }, 'health-check'],
    ['a health check failure told only by a container reason', { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', containers: only(1, 'Task failed container health checks') }, 'health-check'],
    ['a task that failed to start, without reason', { stopCode: 'TaskFailedToStart', stoppedReason: undefined, containers: only() }, 'failed-to-start'],
    ['a ResourceInitializationError without stop code', { stopCode: undefined, stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed', containers: only() }, 'failed-to-start'],
    ['a CannotStartContainerError in a container reason', { stopCode: 'TaskFailedToStart', stoppedReason: 'Task failed to start', containers: only(undefined, 'CannotStartContainerError: failed to create containerd task') }, 'failed-to-start'],
    ['an essential container that exited 0', { containers: only(0) }, undefined],
    ['an essential container killed for memory', { containers: only(137, 'OutOfMemoryError: Container killed due to memory usage') }, 'exit-code'],
    ['a non-zero exit without stop code', { stopCode: undefined, stoppedReason: 'Essential container in task exited', containers: only(2) }, 'exit-code'],
    ['a non-zero exit with a stop code ECS added later', { stopCode: 'SomethingNew', containers: only(1) }, 'exit-code'],
    ['a stopped task without containers or stop code', { stopCode: undefined, stoppedReason: undefined, containers: [] }, undefined],
  ])('classifies %s', (_label, over, kind) => {
    expect(taskFailure(task(over))?.kind).toBe(kind);
  });

  it('names the container that exited by itself rather than one that got a stop signal', () => {
    expect(taskFailure(task({ containers: [{ name: 'sidecar', exitCode: 143 }, { name: 'app', exitCode: 3 }] }))).toEqual({
      kind: 'exit-code',
      detail: 'container app exited with code 3',
    });
    expect(taskFailure(task({ containers: [{ name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }] }))).toEqual({
      kind: 'exit-code',
      detail: 'container app exited with code 137: OutOfMemoryError: Container killed due to memory usage',
    });
  });

  // Stopped reasons as the ECS Developer Guide documents them (stopped task error messages,
  // CannotPullContainerError, ResourceInitializationError, CannotStartContainerError).
  const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments-api:v2.3.0';
  const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/db-AbCdEf';
  const ASM = `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret ${SECRET} from secrets manager`;
  const startFailure = (stoppedReason: string): Partial<EcsTaskEvent> => ({ stopCode: 'TaskFailedToStart', stoppedReason, containers: only(undefined, stoppedReason) });

  it.each<[string, Partial<EcsTaskEvent>, string]>([
    ['an image tag that does not exist', startFailure(`CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ECR}: ${ECR}: not found`), 'the image or tag does not exist'],
    ['a manifest unknown to the registry', startFailure(`CannotPullContainerError: Error response from daemon: manifest for ${ECR} not found: manifest unknown: Requested image not found`), 'the image or tag does not exist'],
    ['a repository that does not exist', startFailure(`CannotPullContainerError: Error response from daemon: pull access denied for payments-api, repository does not exist or may require 'docker login'`), 'the image or tag does not exist'],
    ['a Secrets Manager secret that does not exist', startFailure(`${ASM}: ResourceNotFoundException: Secrets Manager can't find the specified secret.`), 'a secret or parameter the task needs does not exist'],
    ['an SSM parameter that does not exist', startFailure('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: /payments/db-url'), 'a secret or parameter the task needs does not exist'],
    ['a secret the execution role may not read', startFailure(`${ASM}: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/payments-api-exec/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET}`), 'the task may not read a secret or parameter it needs'],
    ['a secret reference the task definition gets wrong', startFailure(`${ASM}: InvalidParameter: 1 validation error(s) found. - minimum field size of 32, GetSecretValueInput.VersionId.`), 'the task definition is invalid'],
    ['a command missing from the image', startFailure('CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/start.sh": stat /app/start.sh: no such file or directory: unknown'), "the container's command does not exist in the image"],
  ])('calls %s conclusive: no retry will ever start it', (_label, over, why) => {
    expect(taskFailure(task(over))).toEqual(expect.objectContaining({ kind: 'failed-to-start', conclusive: why }));
  });

  it.each<[string, Partial<EcsTaskEvent>]>([
    ['a registry that timed out', startFailure(`CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ECR}: failed to do request: Head "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/payments-api/manifests/v2.3.0": dial tcp 10.0.3.17:443: i/o timeout`)],
    ['a registry rate limit', startFailure('CannotPullContainerError: failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:abc: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. not found')],
    ['no network path to ECR for the registry auth', startFailure('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.us-east-1.amazonaws.com/": dial tcp 10.0.0.1:443: i/o timeout')],
    ['Secrets Manager throttling', startFailure(`${ASM}: ThrottlingException: Rate exceeded`)],
    ['a failed pull without further detail', startFailure('CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code 403 Forbidden')],
    ['a crash after start', { containers: only(1) }],
    ['a failed health check', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group x)', containers: only(143) }],
  ])('calls %s inconclusive (it may pass on a retry)', (_label, over) => {
    const failure = taskFailure(task(over));
    expect(failure).toBeDefined();
    expect(failure!.conclusive).toBeUndefined();
  });

  it('keeps the detail short however long the reason', () => {
    const failure = taskFailure(task({ stopCode: 'TaskFailedToStart', stoppedReason: `CannotPullContainerError: ${'x'.repeat(100_000)}` }));
    expect(failure?.kind).toBe('failed-to-start');
    expect(failure!.detail.length).toBeLessThanOrEqual(1000);
  });
});

describe('normalization of CloudWatch alarm events', () => {
  it('turns an alarm state change into alarm name and ARN, state, previous state, reason and timestamp', () => {
    expect(parse('cloudwatch/alarm-5xx-alarm.json', 'alarm')).toEqual({
      kind: 'alarm',
      eventId: '3d9a7f15-c2e8-4b60-91d4-6f0a2b8c5e13',
      time: '2025-06-12T14:08:40Z',
      account: ACCOUNT,
      region: 'us-east-1',
      alarmName: 'payments-api-5xx',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments-api-5xx',
      state: 'ALARM',
      previousState: 'OK',
      reason:
        'Threshold Crossed: 3 out of the last 3 datapoints [212.0 (12/06/25 14:07:00), 187.0 (12/06/25 14:06:00), 96.0 (12/06/25 14:05:00)] was greater than the threshold (25.0) (minimum 3 datapoints for OK -> ALARM transition).',
      stateTimestamp: '2025-06-12T14:08:40.566+0000',
    });
  });

  it('reads the return to OK, with ALARM as the previous state', () => {
    expect(parse('cloudwatch/alarm-ok.json', 'alarm')).toMatchObject({ state: 'OK', previousState: 'ALARM', alarmName: 'payments-api-5xx' });
  });

  it('keeps the state timestamp as CloudWatch writes it, which Date.parse reads', () => {
    const e = parse('cloudwatch/alarm-ok.json', 'alarm');
    expect(e.stateTimestamp).toBe('2025-06-12T14:22:40.321+0000');
    expect(Date.parse(e.stateTimestamp)).toBe(Date.parse('2025-06-12T14:22:40.321Z'));
  });

  it('accepts an alarm without previous state or configuration (a composite alarm has no metrics)', () => {
    const raw = loadEvent('cloudwatch/alarm-5xx-alarm.json');
    delete detailOf(raw).previousState;
    detailOf(raw).configuration = { alarmRule: 'ALARM(a) OR ALARM(b)' };
    const e = parseRollbackEvent(raw);
    expect(e).toMatchObject({ kind: 'alarm', state: 'ALARM' });
    expect(e).not.toHaveProperty('previousState');
  });

  it('names detail.state.value for a state CloudWatch does not have', () => {
    const raw = loadEvent('cloudwatch/alarm-5xx-alarm.json');
    (detailOf(raw).state as JsonObject).value = 'FIRING';
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['detail.state.value']);
  });

  it('names resources.0 when it is not an alarm ARN', () => {
    const raw = loadEvent('cloudwatch/alarm-5xx-alarm.json');
    raw.resources = ['arn:aws:ecs:us-east-1:123456789012:service/payments-prod/payments-api'];
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['resources.0']);
  });
});

describe('manual rollback requests', () => {
  it('normalizes the sample request, with a fresh id and the current time', () => {
    expect(parseRollbackEvent(loadEvent('manual/rollback-request.json'), FIXED)).toEqual({
      kind: 'manual',
      cluster: 'payments-prod',
      service: 'payments-api',
      reason: 'Checkout errors after the v2.3.0 release; rolling back by hand',
      dryRun: true,
      eventId: 'f3b0c1de-7a52-4e0b-9d61-2c8e5a4f7b90',
      time: '2025-06-12T15:00:00.000Z',
    });
  });

  it('gives each request its own random UUID and the time it was read, by default', () => {
    const before = Date.now();
    const a = parseRollbackEvent(loadEvent('manual/rollback-request.json'));
    const b = parseRollbackEvent(loadEvent('manual/rollback-request.json'));
    if (a.kind !== 'manual' || b.kind !== 'manual') throw new Error('expected manual requests');
    expect(a.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.eventId).not.toBe(b.eventId);
    expect(Date.parse(a.time)).toBeGreaterThanOrEqual(before);
    expect(new Date(a.time).toISOString()).toBe(a.time);
  });

  it('leaves dryRun out when the request does not set it, and trims the reason', () => {
    const e = parseRollbackEvent({ cluster: 'payments-prod', service: 'payments-api', reason: '  5xx spike  ' }, FIXED);
    expect(e).toEqual({ kind: 'manual', cluster: 'payments-prod', service: 'payments-api', reason: '5xx spike', eventId: FIXED.newId(), time: '2025-06-12T15:00:00.000Z' });
  });

  it('rejects a misspelt key, naming it, rather than dropping it (a dropped dryRun would act for real)', () => {
    const err = validationErrorOf(() => parseRollbackEvent({ cluster: 'payments-prod', service: 'payments-api', reason: 'x', dryrun: true }));
    expect(err.detailType).toBe(MANUAL_REQUEST);
    expect(err.issues).toEqual([{ path: 'dryrun', message: expect.stringContaining('cluster, service, reason, dryRun') }]);
    expect(err.message).toContain('dryrun');
  });

  it('reports unknown keys and invalid fields together', () => {
    const err = validationErrorOf(() => parseRollbackEvent({ cluster: 'payments prod', reason: ' ', dryRun: 'yes', force: true }));
    expect(err.issues.map((i) => i.path).sort()).toEqual(['cluster', 'dryRun', 'force', 'reason', 'service']);
  });

  it.each([
    ['cluster', 'an ARN', 'arn:aws:ecs:us-east-1:123456789012:cluster/payments-prod'],
    ['cluster', 'empty', ''],
    ['service', 'not a name', 'payments-api; rm -rf /'],
    ['service', 'longer than 255 characters', 'x'.repeat(256)],
    ['reason', 'empty', ''],
    ['reason', 'longer than 1000 characters', 'x'.repeat(1001)],
  ])('names %s when it is %s', (key, _label, value) => {
    const raw: JsonObject = { cluster: 'payments-prod', service: 'payments-api', reason: 'x', [key]: value };
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual([key]);
  });

  it.each([
    ['null', null],
    ['a string', 'payments-api'],
    ['an array', [{ cluster: 'payments-prod', service: 'payments-api', reason: 'x' }]],
  ])('rejects %s as neither an event nor a manual request', (_label, input) => {
    const err = validationErrorOf(() => parseRollbackEvent(input));
    expect(err.detailType).toBe('(no detail-type)');
    expect(err.issues).toEqual([{ path: 'detail-type', message: expect.stringContaining('manual request {cluster, service, reason, dryRun}') }]);
  });

  it('takes an object with envelope keys but no detail-type for a broken event, not a manual request', () => {
    const raw = loadEvent('ecs/deployment-failed.json');
    delete raw['detail-type'];
    const err = validationErrorOf(() => parseRollbackEvent(raw));
    expect(err.detailType).toBe('(no detail-type)');
    expect(err.issues.map((i) => i.path)).toEqual(['detail-type']);
  });
});

describe('errors that name what is wrong', () => {
  it('names detail-type, and lists the supported ones, for an unknown detail-type', () => {
    const raw = loadEvent('ecs/task-running.json');
    raw['detail-type'] = 'ECS Container Instance State Change';
    const err = validationErrorOf(() => parseRollbackEvent(raw));
    expect(err.detailType).toBe('ECS Container Instance State Change');
    for (const dt of ROLLBACK_DETAIL_TYPES) expect(err.issues[0]!.message).toContain(dt);
  });

  it('rejects an event whose source does not match its detail-type', () => {
    const raw = loadEvent('cloudwatch/alarm-5xx-alarm.json');
    raw.source = 'aws.ecs';
    expect(pathsOf(() => parseRollbackEvent(raw))).toEqual(['source']);
  });

  it('says which detail-type it was reading and where the problem is', () => {
    const raw = loadEvent('ecs/deployment-failed.json');
    detailOf(raw).deploymentId = '';
    const err = validationErrorOf(() => parseRollbackEvent(raw));
    expect(err.message).toMatch(/^invalid "ECS Deployment State Change" event: detail\.deploymentId: /);
  });
});

describe('RollbackEventSchema (Standard Schema)', () => {
  const validate = (v: unknown) => rollbackEventSchema()['~standard'].validate(v) as { value?: RollbackEvent; issues?: { message: string; path?: string[] }[] };

  it('returns the normalized event for a valid input', () => {
    expect(validate(loadEvent('ecs/deployment-failed.json')).value).toEqual(parseRollbackEvent(loadEvent('ecs/deployment-failed.json')));
  });

  it('returns issues with their path as segments for an invalid input', () => {
    const raw = loadEvent('ecs/task-stopped-exit-code.json');
    containersOf(raw)[1]!.exitCode = '1';
    expect(validate(raw).issues).toEqual([
      { message: expect.stringMatching(/^ECS Task State Change: /), path: ['detail', 'containers', '1', 'exitCode'] },
    ]);
  });
});
