import { mockClient } from 'aws-sdk-client-mock';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { BuildFacts } from '../../../shared/facts/codebuild';
import { parseCiEvent } from '../../../shared/events/parse';
import type { BuildEvent } from '../../../shared/events/types';
import { applyBuildFailure, buildFailureOf, emptyView } from '../../../shared/views/execution-view';
import { loadEvent } from '../../helpers/fixtures';

// Why a pipeline's build failed, read from CodeBuild when its event was not seen.

const codebuild = mockClient(CodeBuildClient);
const sample = parseCiEvent(loadEvent('codebuild/build-failed-from-pipeline.json')) as BuildEvent;
const BUILD_ID = 'payments-api-build:719caa98-f5d7-47e4-a09e-3753cb98f760';

beforeEach(() => codebuild.reset());

describe('BatchGetBuilds for the build a failed action names', () => {
  it('gives the same failure as the build\'s own event: phase, code, message and logs link', async () => {
    codebuild.on(BatchGetBuildsCommand, { ids: [BUILD_ID] }).resolves({
      builds: [
        {
          id: BUILD_ID,
          buildStatus: 'FAILED',
          phases: [
            { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED' },
            { phaseType: 'PRE_BUILD', phaseStatus: 'SUCCEEDED', contexts: [{ statusCode: '', message: '' }] },
            {
              phaseType: 'BUILD',
              phaseStatus: 'FAILED',
              contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: npm run build. Reason: exit status 2' }],
            },
            { phaseType: 'COMPLETED' },
          ],
          logs: { deepLink: sample.logsUrl },
        },
      ],
    });
    const onError = jest.fn();
    await expect(new BuildFacts(new CodeBuildClient({})).failure(BUILD_ID, onError)).resolves.toEqual(buildFailureOf(sample));
    expect(onError).not.toHaveBeenCalled();
  });

  it('reports a denied read and gives nothing, so the message goes out without it', async () => {
    codebuild.rejects(Object.assign(new Error('not authorized to perform codebuild:BatchGetBuilds'), { name: 'AccessDeniedException' }));
    const onError = jest.fn();
    await expect(new BuildFacts(new CodeBuildClient({})).failure(BUILD_ID, onError)).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledWith('BatchGetBuilds', expect.objectContaining({ name: 'AccessDeniedException' }));
  });
});

describe('build failures kept in an execution view', () => {
  it('cap their text and count, so the view stays small', () => {
    const long = { ...sample, failedPhase: { phase: 'BUILD', status: 'FAILED', context: [`COMMAND_EXECUTION_ERROR: ${'x'.repeat(50_000)}`] } };
    let view = emptyView({ pipeline: 'p', executionId: 'e', account: '123456789012', region: 'us-east-1' });
    for (let i = 0; i < 30; i++) view = applyBuildFailure(view, buildFailureOf({ ...long, buildArn: `${sample.buildArn}-${i}` }));
    expect(Object.keys(view.builds ?? {})).toHaveLength(10);
    expect(JSON.stringify(view).length).toBeLessThan(15_000);
  });
});
