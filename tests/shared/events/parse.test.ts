import { parseCiEvent } from '../../../shared/events/parse';
import { isManualApproval, type BuildEvent, type CiEvent, type PipelineEvent } from '../../../shared/events/types';
import { listEvents, loadEvent, type JsonObject } from '../../helpers/fixtures';
import { validationErrorOf } from '../../helpers/event-checks';

const SAMPLE_DIRS = ['codepipeline', 'codebuild', 'scenarios/pipeline-fails-in-deploy'] as const;
const SCENARIO_DIR = 'scenarios/pipeline-fails-in-deploy';

const stateOf = (e: CiEvent): string => (e.kind === 'build' ? e.status : e.state);
const detailOf = (raw: JsonObject) => raw.detail as JsonObject;

function parse<K extends CiEvent['kind']>(relPath: string, kind: K): Extract<CiEvent, { kind: K }> {
  const e = parseCiEvent(loadEvent(relPath));
  expect(e.kind).toBe(kind);
  return e as Extract<CiEvent, { kind: K }>;
}

// What each sample in events/codepipeline and events/codebuild stands for.
const EXPECTED: Record<string, [CiEvent['kind'], string]> = {
  'codepipeline/pipeline-started.json': ['pipeline', 'STARTED'],
  'codepipeline/pipeline-succeeded.json': ['pipeline', 'SUCCEEDED'],
  'codepipeline/pipeline-failed.json': ['pipeline', 'FAILED'],
  'codepipeline/pipeline-canceled.json': ['pipeline', 'CANCELED'],
  'codepipeline/pipeline-superseded.json': ['pipeline', 'SUPERSEDED'],
  'codepipeline/stage-started.json': ['stage', 'STARTED'],
  'codepipeline/stage-succeeded.json': ['stage', 'SUCCEEDED'],
  'codepipeline/stage-failed.json': ['stage', 'FAILED'],
  'codepipeline/action-started.json': ['action', 'STARTED'],
  'codepipeline/action-succeeded.json': ['action', 'SUCCEEDED'],
  'codepipeline/action-failed.json': ['action', 'FAILED'],
  'codepipeline/action-failed-codebuild.json': ['action', 'FAILED'],
  'codepipeline/action-failed-smoke-tests.json': ['action', 'FAILED'],
  'codepipeline/approval-needed.json': ['action', 'STARTED'],
  'codepipeline/approval-succeeded.json': ['action', 'SUCCEEDED'],
  'codebuild/build-failed.json': ['build', 'FAILED'],
  'codebuild/build-stopped.json': ['build', 'STOPPED'],
  'codebuild/build-succeeded.json': ['build', 'SUCCEEDED'],
  'codebuild/build-in-progress.json': ['build', 'IN_PROGRESS'],
  'codebuild/build-failed-from-pipeline.json': ['build', 'FAILED'],
};

const KIND_BY_DETAIL_TYPE: Record<string, CiEvent['kind']> = {
  'CodePipeline Pipeline Execution State Change': 'pipeline',
  'CodePipeline Stage Execution State Change': 'stage',
  'CodePipeline Action Execution State Change': 'action',
  'CodeBuild Build State Change': 'build',
};

describe('parseCiEvent on the sample events in events/', () => {
  describe.each(SAMPLE_DIRS)('events/%s', (dir) => {
    it.each(listEvents(dir))('accepts %s and normalizes it by its detail-type and state', (file) => {
      const raw = loadEvent(file);
      const detail = detailOf(raw);
      const e = parseCiEvent(raw);

      expect(e.kind).toBe(KIND_BY_DETAIL_TYPE[raw['detail-type'] as string]);
      expect(stateOf(e)).toBe(e.kind === 'build' ? detail['build-status'] : detail.state);
      expect(e).toMatchObject({ eventId: raw.id, time: raw.time, account: '123456789012', region: 'us-east-1' });
    });
  });

  it('has an expected kind and state written down for every sample in events/codepipeline and events/codebuild', () => {
    expect([...listEvents('codepipeline'), ...listEvents('codebuild')].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('reads %s as a %j event', (file, [kind, state]) => {
    const e = parseCiEvent(loadEvent(file));
    expect([e.kind, stateOf(e)]).toEqual([kind, state]);
  });

  it('gives every sample event its own event id (a Function URL request its own request id; requests by hand have none)', () => {
    const ids = listEvents('.').flatMap((f) => {
      const e = loadEvent<{ id?: string; requestContext?: { requestId?: string } }>(f);
      const id = e.id ?? e.requestContext?.requestId;
      return id === undefined ? [] : [id];
    });
    expect(ids.length).toBeGreaterThan(50);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('normalization of CodePipeline events', () => {
  it('turns a pipeline execution event into pipeline, execution id, state, trigger and envelope facts', () => {
    expect(parseCiEvent(loadEvent('codepipeline/pipeline-started.json'))).toEqual({
      kind: 'pipeline',
      eventId: '719511c3-af95-4e8d-8260-07fc8ca43631',
      time: '2025-06-10T08:14:03Z',
      account: '123456789012',
      region: 'us-east-1',
      pipeline: 'payments-api',
      executionId: 'a04bfa1e-3543-4022-a184-ce8627f3b8c3',
      state: 'STARTED',
      trigger: {
        type: 'Webhook',
        detail: 'arn:aws:codeconnections:us-east-1:123456789012:connection/5acc0bb5-21d2-4163-b4d6-cc4d42ea17a1',
      },
    });
  });

  it('maps execution-trigger to trigger {type, detail} for a manual StartPipelineExecution', () => {
    expect(parse(`${SCENARIO_DIR}/01-pipeline-started.json`, 'pipeline').trigger).toEqual({
      type: 'StartPipelineExecution',
      detail: 'arn:aws:sts::123456789012:assumed-role/ReleaseManager/jane.doe',
    });
  });

  it('leaves trigger out when the event has no execution-trigger', () => {
    expect(parse('codepipeline/pipeline-succeeded.json', 'pipeline')).not.toHaveProperty('trigger');
  });

  it('accepts detail.version as a number (13.0) or as a numeric string ("13") with the same result', () => {
    const asNumber = loadEvent('codepipeline/pipeline-failed.json');
    const asString = loadEvent('codepipeline/pipeline-failed.json');
    detailOf(asString).version = '13';

    expect(detailOf(asNumber).version).toBe(13);
    expect(parseCiEvent(asString)).toEqual(parseCiEvent(asNumber));
  });

  it('accepts an event without detail.version', () => {
    const raw = loadEvent('codepipeline/stage-failed.json');
    delete detailOf(raw).version;
    expect(parseCiEvent(raw)).toMatchObject({ kind: 'stage', stage: 'Deploy', state: 'FAILED' });
  });

  it('rejects a detail.version that is not a number, naming the path detail.version', () => {
    const raw = loadEvent('codepipeline/pipeline-failed.json');
    detailOf(raw).version = 'v13';
    const err = validationErrorOf(() => parseCiEvent(raw));
    expect(err.issues.map((i) => i.path)).toContain('detail.version');
  });

  it('reads a stage event into its stage and state', () => {
    expect(parse('codepipeline/stage-failed.json', 'stage')).toMatchObject({
      pipeline: 'payments-api',
      executionId: 'c78d6c38-cfe7-4d43-a907-1a72e7a4de7f',
      stage: 'Deploy',
      state: 'FAILED',
    });
  });

  it('maps a failed action execution-result to result {externalUrl, summary, externalId, errorCode}', () => {
    const e = parse('codepipeline/action-failed.json', 'action');
    expect(e).toMatchObject({
      pipeline: 'payments-api',
      executionId: 'c78d6c38-cfe7-4d43-a907-1a72e7a4de7f',
      stage: 'Deploy',
      action: 'DeployToEcs',
      state: 'FAILED',
      category: 'Deploy',
      provider: 'ECS',
      owner: 'AWS',
    });
    expect(e.result).toEqual({
      externalUrl:
        'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/payments-prod/services/payments-api/deployments?region=us-east-1',
      summary: '(service payments-api) (deployment ecs-svc/5084731946218830517) deployment failed: tasks failed to start.',
      externalId: 'ecs-svc/5084731946218830517',
      errorCode: 'JobFailed',
    });
  });

  it('keeps the CodeBuild build id ("project:uuid") as externalId of a failed CodeBuild action', () => {
    const action = parse('codepipeline/action-failed-codebuild.json', 'action');
    const build = parse('codebuild/build-failed-from-pipeline.json', 'build');

    expect(action).toMatchObject({ category: 'Build', provider: 'CodeBuild', state: 'FAILED' });
    expect(action.result).toMatchObject({ summary: 'Build terminated with state: FAILED', errorCode: 'JobFailed' });
    expect(action.result?.externalId).toMatch(/^payments-api-build:[0-9a-f-]{36}$/);
    // The same build, as CodeBuild reports it: its ARN ends with "build/<project>:<uuid>".
    expect(build.buildArn.endsWith(`:build/${action.result?.externalId}`)).toBe(true);
  });

  it('maps a succeeded action result without summary or error code', () => {
    expect(parse('codepipeline/action-succeeded.json', 'action').result).toEqual({
      externalUrl:
        'https://console.aws.amazon.com/codebuild/home?region=us-east-1#/builds/payments-api-build:7e78c407-dc21-46fc-9272-06fdf1073da7/view/new',
      externalId: 'payments-api-build:7e78c407-dc21-46fc-9272-06fdf1073da7',
    });
  });

  it('leaves result out when the action event has no execution-result', () => {
    expect(parse('codepipeline/action-started.json', 'action')).not.toHaveProperty('result');
  });

  it('recognizes a Manual Approval action and only that as a manual approval', () => {
    const approval = parse('codepipeline/approval-needed.json', 'action');
    expect(approval).toMatchObject({ stage: 'Approval', action: 'ApproveRelease', state: 'STARTED', category: 'Approval', provider: 'Manual', owner: 'AWS' });
    expect(isManualApproval(approval)).toBe(true);
    expect(isManualApproval(parse('codepipeline/action-started.json', 'action'))).toBe(false);
    expect(isManualApproval({ ...approval, category: 'Deploy' })).toBe(true);
  });
});

describe('normalization of CodeBuild events', () => {
  it('reports the failed phase, its context, the logs link and the source of a failed build', () => {
    expect(parseCiEvent(loadEvent('codebuild/build-failed.json'))).toEqual({
      kind: 'build',
      eventId: '8d9cfe44-2871-4a29-a97e-48ecb2a1ec05',
      time: '2025-06-09T16:25:02Z',
      account: '123456789012',
      region: 'us-east-1',
      project: 'payments-api-ci',
      buildArn: 'arn:aws:codebuild:us-east-1:123456789012:build/payments-api-ci:83597583-1e1e-4065-8442-350f6029345d',
      status: 'FAILED',
      initiator: 'GitHub-Hookshot/6a1f3b2',
      sourceVersion: '9e2b7c41d5a08f3e6b1c2d4a7f90e8d3c5b6a712',
      logsUrl:
        'https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/payments-api-ci;stream=83597583-1e1e-4065-8442-350f6029345d',
      failedPhase: {
        phase: 'BUILD',
        status: 'FAILED',
        context: ['COMMAND_EXECUTION_ERROR: Error while executing command: npm test. Reason: exit status 1'],
      },
    });
  });

  it('exposes the initiator "codepipeline/<pipeline>" of a build started by a pipeline', () => {
    const e = parse('codebuild/build-failed-from-pipeline.json', 'build');
    expect(e.initiator).toBe('codepipeline/payments-api');
    expect(e.sourceVersion).toMatch(/^arn:aws:s3:::codepipeline-us-east-1-\d+\/payments-api\/SourceArti\//);
    expect(e.failedPhase).toEqual({
      phase: 'BUILD',
      status: 'FAILED',
      context: ['COMMAND_EXECUTION_ERROR: Error while executing command: npm run build. Reason: exit status 2'],
    });
  });

  it('reports the phase a stopped build was stopped in', () => {
    expect(parse('codebuild/build-stopped.json', 'build').failedPhase).toMatchObject({ phase: 'BUILD', status: 'STOPPED' });
  });

  it('has no failed phase when every phase succeeded', () => {
    const e = parse('codebuild/build-succeeded.json', 'build');
    expect(e.status).toBe('SUCCEEDED');
    expect(e).not.toHaveProperty('failedPhase');
    expect(e.logsUrl).toMatch(/^https:\/\/console\.aws\.amazon\.com\/cloudwatch\//);
  });

  it('accepts a build that has just started, before it has phases or logs', () => {
    const e = parse('codebuild/build-in-progress.json', 'build');
    expect(e).toMatchObject({ status: 'IN_PROGRESS', project: 'payments-api-ci', initiator: 'GitHub-Hookshot/6a1f3b2' });
    expect(e.logsUrl).toBeUndefined();
    expect(e).not.toHaveProperty('failedPhase');
  });
});

describe('the scenario events/scenarios/pipeline-fails-in-deploy', () => {
  const files = listEvents(SCENARIO_DIR);
  const events = files.map((f) => parseCiEvent(loadEvent(f)) as PipelineEvent);

  it('is a numbered sequence of CodePipeline events', () => {
    expect(files.length).toBe(14);
    files.forEach((f, i) => expect(f).toMatch(new RegExp(`/${String(i + 1).padStart(2, '0')}-[a-z-]+\\.json$`)));
    expect(events.map((e) => e.kind).filter((k) => !['pipeline', 'stage', 'action'].includes(k))).toEqual([]);
  });

  it('belongs to one execution of payments-api', () => {
    expect(new Set(events.map((e) => `${e.pipeline}/${e.executionId}`))).toEqual(
      new Set(['payments-api/2626f4d3-6125-49ec-b3c8-3074348bc840']),
    );
  });

  it('gives every event its own id', () => {
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('has strictly increasing event times', () => {
    const times = events.map((e) => Date.parse(e.time));
    times.slice(1).forEach((t, i) => expect(t).toBeGreaterThan(times[i]!));
  });

  it('runs Source, Build and Deploy and fails in the ECS deploy action', () => {
    const steps = events.map((e) =>
      e.kind === 'pipeline' ? `pipeline ${e.state}` : e.kind === 'stage' ? `stage ${e.stage} ${e.state}` : `action ${e.stage}/${e.action} (${e.provider}) ${e.state}`,
    );
    expect(steps).toEqual([
      'pipeline STARTED',
      'stage Source STARTED',
      'action Source/GitHubSource (CodeStarSourceConnection) STARTED',
      'action Source/GitHubSource (CodeStarSourceConnection) SUCCEEDED',
      'stage Source SUCCEEDED',
      'stage Build STARTED',
      'action Build/BuildImage (CodeBuild) STARTED',
      'action Build/BuildImage (CodeBuild) SUCCEEDED',
      'stage Build SUCCEEDED',
      'stage Deploy STARTED',
      'action Deploy/DeployToEcs (ECS) STARTED',
      'action Deploy/DeployToEcs (ECS) FAILED',
      'stage Deploy FAILED',
      'pipeline FAILED',
    ]);
  });

  it('carries the ECS failure in the failed action result', () => {
    const failed = events[11];
    expect(failed?.kind === 'action' && failed.result).toMatchObject({
      externalId: 'ecs-svc/7301958264410238846',
      errorCode: 'JobFailed',
      summary: expect.stringContaining('deployment failed'),
    });
  });
});

describe('rejection of events this service cannot handle', () => {
  it('names the path detail.pipeline when the pipeline name is missing', () => {
    const raw = loadEvent('codepipeline/pipeline-failed.json');
    delete detailOf(raw).pipeline;

    const err = validationErrorOf(() => parseCiEvent(raw));
    expect(err.name).toBe('EventValidationError');
    expect(err.detailType).toBe('CodePipeline Pipeline Execution State Change');
    expect(err.issues.map((i) => i.path)).toEqual(['detail.pipeline']);
    expect(err.message).toContain('detail.pipeline');
  });

  it('names the path detail.pipeline when the pipeline name is empty', () => {
    const raw = loadEvent('codepipeline/action-failed.json');
    detailOf(raw).pipeline = '';
    expect(validationErrorOf(() => parseCiEvent(raw)).message).toContain('detail.pipeline');
  });

  it('names the path detail.state for a state the detail-type does not have', () => {
    const raw = loadEvent('codepipeline/stage-started.json');
    detailOf(raw).state = 'SUPERSEDED'; // a pipeline state, not a stage state

    const err = validationErrorOf(() => parseCiEvent(raw));
    expect(err.issues.map((i) => i.path)).toEqual(['detail.state']);
    expect(err.message).toContain('detail.state');
  });

  it('names the path detail.build-status for an unknown build status', () => {
    const raw = loadEvent('codebuild/build-failed.json');
    detailOf(raw)['build-status'] = 'EXPLODED';
    expect(validationErrorOf(() => parseCiEvent(raw)).message).toContain('detail.build-status');
  });

  it('names detail-type, and lists the supported ones, for an unknown detail-type', () => {
    const raw = loadEvent('codebuild/build-failed.json');
    raw['detail-type'] = 'CodeBuild Build Phase Change';

    const err = validationErrorOf(() => parseCiEvent(raw));
    expect(err.detailType).toBe('CodeBuild Build Phase Change');
    expect(err.issues).toEqual([{ path: 'detail-type', message: expect.stringContaining('CodeBuild Build State Change') }]);
    expect(err.message).toContain('detail-type');
  });

  it.each([
    ['null', null],
    ['a string', 'CodePipeline Pipeline Execution State Change'],
    ['an array', []],
    ['an object without detail-type', { detail: {} }],
  ])('rejects %s as having no detail-type', (_label, input) => {
    const err = validationErrorOf(() => parseCiEvent(input));
    expect(err.detailType).toBe('(no detail-type)');
    expect(err.issues.map((i) => i.path)).toEqual(['detail-type']);
  });

  it('rejects an event whose source does not match its detail-type', () => {
    const raw = loadEvent('codepipeline/pipeline-started.json');
    raw.source = 'aws.codebuild';
    expect(validationErrorOf(() => parseCiEvent(raw)).issues.map((i) => i.path)).toEqual(['source']);
  });
});

describe('the scenario events/scenarios/pipeline-fails-in-build', () => {
  const events = listEvents('scenarios/pipeline-fails-in-build').map((f) => parseCiEvent(loadEvent(f)));
  const pipelineEvents = events.filter((e): e is PipelineEvent => e.kind !== 'build');
  const build = events.find((e): e is BuildEvent => e.kind === 'build');

  it('is one execution of payments-api, in time order, each event with its own id', () => {
    expect(new Set(pipelineEvents.map((e) => `${e.pipeline}/${e.executionId}`))).toEqual(new Set(['payments-api/5b2e8c41-93d7-4a6f-b0e5-2c8d1f7a4e93']));
    expect(events.map((e) => e.time)).toEqual([...events.map((e) => e.time)].sort());
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('has the pipeline-started build fail in phase BUILD, named by the failed action', () => {
    expect(build).toMatchObject({ status: 'FAILED', initiator: 'codepipeline/payments-api', failedPhase: { phase: 'BUILD', status: 'FAILED' } });
    expect(build?.failedPhase?.context).toEqual(['COMMAND_EXECUTION_ERROR: Error while executing command: mvn package. Reason: exit status 1']);
    const failed = pipelineEvents.find((e) => e.kind === 'action' && e.state === 'FAILED');
    expect(failed && failed.kind === 'action' && build?.buildArn.endsWith(`:build/${failed.result?.externalId}`)).toBe(true);
  });
});
