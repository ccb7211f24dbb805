import { parseCiEvent } from '../../../shared/events/parse';
import type { BuildEvent, PipelineEvent } from '../../../shared/events/types';
import { applyEvent, applyFacts, emptyView, type ExecutionView } from '../../../shared/policies/execution-view';
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

  it('after the failure: failed tone, the failed stage and action, error code, summary and a logs link', () => {
    const model = describeExecution(fold(scenario()));
    expect(model).toMatchObject({ title: 'payments-api failed', tone: 'failure', summary: 'Failed in Deploy / DeployToEcs' });
    expect(model.failure).toMatchObject({ stage: 'Deploy', action: 'DeployToEcs', errorCode: 'JobFailed' });
    expect(model.failure?.summary).toContain('tasks failed to start');
    expect(model.links.map((l) => l.label)).toEqual(['Execution in console', 'Logs']);
    expect(model.links[0]!.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/codesuite\/codepipeline\/pipelines\/payments-api\/executions\//);
  });

  it('links a failed CodeBuild action to the build log in the console', () => {
    const model = describeExecution(fold(events(['codepipeline/action-failed-codebuild.json'])));
    expect(model.failure?.logsUrl).toMatch(/\/codesuite\/codebuild\/123456789012\/projects\/[^/]+\/build\/.+\/log\?region=us-east-1$/);
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
  it('shows the failed phase and its context, and links the logs', () => {
    const model = describeBuild(parseCiEvent(loadEvent('codebuild/build-failed.json')) as BuildEvent);
    expect(model.tone).toBe('failure');
    expect(model.failure?.stage).toBe('BUILD');
    expect(model.failure?.summary).toContain('COMMAND_EXECUTION_ERROR');
    expect(model.links[0]?.label).toBe('Logs');
  });
});
