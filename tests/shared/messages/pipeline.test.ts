import { parseCiEvent } from '../../../shared/events/parse';
import type { BuildEvent, PipelineEvent } from '../../../shared/events/types';
import { applyBuildFailure, applyEvent, applyFacts, buildFailureOf, emptyView, type ExecutionView } from '../../../shared/views/execution-view';
import { describeApprovalReply, describeExecution, describeFailureReply } from '../../../shared/messages/pipeline';
import { describeBuild } from '../../../shared/messages/build';
import { listEvents, loadEvent } from '../../helpers/fixtures';

const events = (files: string[]) => files.map((f) => parseCiEvent(loadEvent(f)) as PipelineEvent);
const fold = (es: PipelineEvent[]): ExecutionView => es.reduce((v, e) => applyEvent(v, e), emptyView(es[0]!));
const scenario = () => events(listEvents('scenarios/pipeline-fails-in-deploy'));

describe('the message for a pipeline execution', () => {
  it('while running: in progress, stages in order with durations of the finished ones, pending ones from the definition', () => {
    const view = applyFacts(fold(scenario().slice(0, 7)), { stageOrder: ['Source', 'Build', 'Deploy'] });
    const model = describeExecution(view);
    expect(model).toMatchObject({ title: 'payments-api in progress', tone: 'progress' });
    expect(model.stages).toEqual([
      { name: 'Source', state: 'SUCCEEDED', duration: expect.stringMatching(/^\d+s$/) },
      { name: 'Build', state: 'STARTED', duration: undefined },
      { name: 'Deploy', state: 'PENDING' },
    ]);
    expect(model.failure).toBeUndefined();
  });

  it('after the failure: failed tone, the failed stage and action, error code and summary, said once, with the ECS deployment linked as such', () => {
    const model = describeExecution(fold(scenario()));
    expect(model).toMatchObject({ title: 'payments-api failed', tone: 'failure' });
    expect(model.summary).toBeUndefined();
    expect(model.failure).toMatchObject({ stage: 'Deploy', action: 'DeployToEcs', errorCode: 'JobFailed', link: { label: 'ECS deployment' } });
    expect(model.failure?.summary).toContain('tasks failed to start');
    expect(model.links.map((l) => l.label)).toEqual(['Execution in console']);
    expect(model.links[0]!.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/codesuite\/codepipeline\/pipelines\/payments-api\/executions\//);
  });

  it('links a failed CodeBuild action to the build log in the console, labelled as build logs', () => {
    const model = describeExecution(fold(events(['codepipeline/action-failed-codebuild.json'])));
    expect(model.failure?.link?.label).toBe('Build logs');
    expect(model.failure?.link?.url).toMatch(/\/codesuite\/codebuild\/123456789012\/projects\/[^/]+\/build\/.+\/log\?region=us-east-1$/);
  });

  it('labels a CodeDeploy deployment page as the deployment, not as logs', () => {
    const failed = parseCiEvent(loadEvent('codepipeline/action-failed.json')) as PipelineEvent & { provider: string; result?: { externalUrl?: string } };
    const codeDeploy = { ...failed, provider: 'CodeDeployToECS', result: { ...failed.result, externalUrl: 'https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123?region=us-east-1' } };
    expect(describeExecution(fold([codeDeploy])).failure?.link?.label).toBe('CodeDeploy deployment');
  });

  it('a failed build inside the pipeline: its failed phase, message and logs replace the action\'s "Build terminated"', () => {
    const view = applyBuildFailure(fold(events(['codepipeline/action-failed-codebuild.json'])), buildFailureOf(parseCiEvent(loadEvent('codebuild/build-failed-from-pipeline.json')) as BuildEvent));
    const model = describeExecution(view);
    expect(model.failure).toEqual({
      stage: 'Build',
      action: 'BuildImage',
      phase: 'BUILD',
      errorCode: 'COMMAND_EXECUTION_ERROR',
      summary: 'Error while executing command: npm run build. Reason: exit status 2',
      link: { label: 'Build logs', url: expect.stringMatching(/^https:\/\/console\.aws\.amazon\.com\/cloudwatch\/.*stream=719caa98/) },
    });
    expect(describeFailureReply(view).text).toBe(
      'payments-api failed in Build / BuildImage — phase BUILD: COMMAND_EXECUTION_ERROR: Error while executing command: npm run build. Reason: exit status 2',
    );
    expect(describeFailureReply(view).links.map((l) => l.label)).toEqual(['Execution', 'Build logs']);
  });

  it('names the source revision: short commit linked, first line of the message, author and branch', () => {
    const view = applyFacts(fold(scenario().slice(0, 1)), {
      revision: { commitId: '4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7', url: 'https://github.com/o/r/commit/4f1a9c2', message: 'Fix refunds\n\nlong body', author: 'Dana', branch: 'main', repository: 'o/r' },
    });
    const fields = Object.fromEntries(describeExecution(view).fields.map((f) => [f.label, f]));
    expect(fields.Revision).toEqual({ label: 'Revision', value: '4f1a9c2', url: 'https://github.com/o/r/commit/4f1a9c2' });
    expect(fields.Commit?.value).toBe('Fix refunds');
    expect(fields.Author?.value).toBe('Dana');
    expect(fields.Branch?.value).toBe('o/r@main');
  });

  it('shows a git tag as a tag, not as a branch', () => {
    const raw = loadEvent('codepipeline/pipeline-started.json');
    (raw.detail as Record<string, unknown>)['execution-trigger'] = {
      'commit-id': '9d2c4e7a1b3f5d8c0e2a4b6d8f0a1c3e5b7d9f2a',
      'commit-message': 'Release 4.2.1',
      'author-display-name': 'Dana',
      'tag-name': 'gitlab-v4.2.1',
      'full-repository-name': 'group/project',
    };
    const fields = Object.fromEntries(describeExecution(fold(events([]).concat(parseCiEvent(raw) as PipelineEvent))).fields.map((f) => [f.label, f.value]));
    expect(fields.Tag).toBe('gitlab-v4.2.1 (group/project)');
    expect(fields).not.toHaveProperty('Branch');
  });

  it('draws a stage known only from its actions in the state its actions are in', () => {
    const started = parseCiEvent(loadEvent('scenarios/pipeline-fails-in-deploy/11-deploy-action-started.json')) as PipelineEvent;
    const failed = parseCiEvent(loadEvent('scenarios/pipeline-fails-in-deploy/12-deploy-action-failed.json')) as PipelineEvent;
    const abandoned = { ...failed, eventId: 'abandoned', state: 'ABANDONED' } as PipelineEvent;
    const stateOf = (es: PipelineEvent[]) => describeExecution(fold(es)).stages.find((s) => s.name === 'Deploy')?.state;
    expect(stateOf([started])).toBe('STARTED');
    expect(stateOf([started, failed])).toBe('FAILED');
    expect(stateOf([started, abandoned])).toBe('ABANDONED');
  });

  it('a FAILED pipeline event before its stage events: known stages as known, the others marked unknown, not pending', () => {
    const [started, , , , , , , , , , , actionFailed, , pipelineFailed] = scenario();
    const early = applyFacts(fold([started!, pipelineFailed!]), { stageOrder: ['Source', 'Build', 'Deploy'] });
    expect(describeExecution(early).stages.map((s) => s.state)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    const withAction = applyFacts(fold([started!, actionFailed!, pipelineFailed!]), { stageOrder: ['Source', 'Build', 'Deploy', 'Verify'] });
    expect(describeExecution(withAction).stages.map((s) => s.state)).toEqual(['UNKNOWN', 'UNKNOWN', 'FAILED', 'NOT RUN']);
  });

  it('says it is waiting for approval, and the reply names the approval action', () => {
    const view = fold(events(['codepipeline/approval-needed.json']));
    const model = describeExecution(view);
    expect(model.title).toBe('payments-api waiting for approval');
    expect(model.summary).toMatch(/^Waiting for approval: /);
    const approval = Object.values(view.actions)[0]!;
    expect(describeApprovalReply(view, approval).text).toContain(`${approval.stage} / ${approval.action}`);
  });

  it('the failure reply carries the error code and summary', () => {
    expect(describeFailureReply(fold(scenario())).text).toMatch(/^payments-api failed in Deploy \/ DeployToEcs — JobFailed: /);
  });
});

describe('the message for a CodeBuild build', () => {
  it('shows the failed phase, its error code and message once, and links the logs with them', () => {
    const model = describeBuild(parseCiEvent(loadEvent('codebuild/build-failed.json')) as BuildEvent);
    expect(model.tone).toBe('failure');
    expect(model.summary).toBeUndefined();
    expect(model.failure).toMatchObject({ phase: 'BUILD', errorCode: 'COMMAND_EXECUTION_ERROR', link: { label: 'Build logs' } });
    expect(model.failure?.summary).not.toContain('COMMAND_EXECUTION_ERROR');
    expect(model.links).toEqual([]);
  });

  it('never shows the phase status FAILED as an error code', () => {
    const model = describeBuild(parseCiEvent(loadEvent('codebuild/build-failed.json')) as BuildEvent);
    expect(JSON.stringify(model)).not.toContain('"FAILED"');
  });
});
