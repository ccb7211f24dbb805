import { readFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  type ActionExecutionDetail,
  type PipelineDeclaration,
  type PipelineExecution,
} from '@aws-sdk/client-codepipeline';
import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { approvalFacts } from '../../../shared/facts/approval';

// What the approval gate reads of an execution, against the payments-api pipeline of the
// fake AWS world (a V2 pipeline with a GitHub connection source on branch main).
const world = JSON.parse(readFileSync('local/fakes/payments/codepipeline.json', 'utf8')) as {
  pipelines: { pipeline: PipelineDeclaration }[];
  executions: { execution: PipelineExecution; actions: ActionExecutionDetail[] }[];
};
const PIPELINE = world.pipelines.find((p) => p.pipeline.name === 'payments-api')!.pipeline;
const RUN = world.executions.find((e) => e.execution.pipelineExecutionId === '2626f4d3-6125-49ec-b3c8-3074348bc840')!;
const EXECUTION_ID = RUN.execution.pipelineExecutionId!;
const AT = { pipeline: 'payments-api', stage: 'Approve', action: 'ReleaseApproval', executionId: EXECUTION_ID };
const PLACE = { account: '123456789012', region: 'us-east-1' };
const SOURCE = RUN.actions.find((a) => a.input?.actionTypeId?.category === 'Source')!;

const codepipeline = mockClient(CodePipelineClient);
mockClient(CodeCommitClient);

/** Answers as AWS would for the execution, started by `trigger`, on a pipeline with `triggers`, the source action having output `branch`. */
function answer({ trigger = RUN.execution.trigger, triggers, branch, listFails = false }: {
  trigger?: PipelineExecution['trigger'];
  triggers?: PipelineDeclaration['triggers'];
  /** null: the output has no BranchName. */
  branch?: string | null;
  listFails?: boolean;
} = {}) {
  codepipeline.reset();
  codepipeline.on(GetPipelineStateCommand).resolves({ pipelineName: 'payments-api', stageStates: [] });
  codepipeline.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { ...RUN.execution, ...(trigger ? { trigger } : {}) } });
  codepipeline.on(GetPipelineCommand).resolves({ pipeline: { ...PIPELINE, ...(triggers ? { triggers } : {}) } });
  const vars = { ...SOURCE.output!.outputVariables };
  if (branch === null) delete vars.BranchName;
  else if (branch) vars.BranchName = branch;
  if (listFails) codepipeline.on(ListActionExecutionsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  else codepipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: [{ ...SOURCE, output: { ...SOURCE.output, outputVariables: vars } }] });
}

const WEBHOOK = { triggerType: 'WebhookV2' as const, triggerDetail: 'arn:aws:codeconnections:us-east-1:123456789012:connection/5acc0bb5-21d2-4163-b4d6-cc4d42ea17a1' };
const pushTrigger = (push: NonNullable<NonNullable<PipelineDeclaration['triggers']>[number]['gitConfiguration']>['push']) => [
  { providerType: 'CodeStarSourceConnection' as const, gitConfiguration: { sourceActionName: 'GitHubSource', push } },
];

describe('approval facts: the branch or tag deployed, as the execution says it', () => {
  it('takes the branch from the source action output of this execution', async () => {
    answer({ branch: 'release/2026-12' });
    const facts = await approvalFacts(PLACE).gather(AT);
    expect(facts.source.ref).toEqual({ kind: 'branch', name: 'release/2026-12' });
  });

  it('leaves the branch unknown, saying why, when the execution\'s actions cannot be read: never the configured branch', async () => {
    answer({ listFails: true });
    const facts = await approvalFacts(PLACE).gather(AT);
    expect(facts.source.ref).toBeUndefined();
    expect(facts.source.refUnknown).toMatch(/BranchName output of this execution could not be read/);
    expect(facts.unreadable).toContainEqual(expect.stringContaining('ListActionExecutions failed (ThrottlingException'));
  });

  it('leaves the branch unknown when the source action output no BranchName', async () => {
    answer({ branch: null });
    expect((await approvalFacts(PLACE).gather(AT)).source.ref).toBeUndefined();
  });

  it('calls it a tag, without inventing its name from the commit SHA, when a webhook started it and every push filter names tags only', async () => {
    answer({ trigger: WEBHOOK, triggers: pushTrigger([{ tags: { includes: ['v*'] } }]) });
    const facts = await approvalFacts(PLACE).gather(AT);
    expect(facts.source.ref).toEqual({ kind: 'tag' });
    expect(facts.source.commitId).toBe('4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7');
  });

  it('leaves tag or branch unknown when the pipeline starts on both tag and branch pushes', async () => {
    answer({ trigger: WEBHOOK, triggers: pushTrigger([{ tags: { includes: ['v*'] } }, { branches: { includes: ['main'] } }]) });
    const facts = await approvalFacts(PLACE).gather(AT);
    expect(facts.source.ref).toBeUndefined();
    expect(facts.source.refUnknown).toMatch(/starts on tag pushes too/);
  });

  it('reads a branch push of a webhook from the source action output when no filter names tags', async () => {
    answer({ trigger: WEBHOOK, triggers: pushTrigger([{ branches: { includes: ['main'] } }]) });
    expect((await approvalFacts(PLACE).gather(AT)).source.ref).toEqual({ kind: 'branch', name: 'main' });
  });

  it('names who started the execution by hand (StartPipelineExecution)', async () => {
    answer();
    const facts = await approvalFacts(PLACE).gather(AT);
    expect(facts.startedBy).toBe('arn:aws:sts::123456789012:assumed-role/ReleaseManager/jane.doe');
    expect(facts.startedByUnknown).toBeUndefined();
  });

  it('knows that no person started a webhook execution', async () => {
    answer({ trigger: WEBHOOK, triggers: pushTrigger([{ branches: { includes: ['main'] } }]) });
    const facts = await approvalFacts(PLACE).gather(AT);
    expect(facts.startedBy).toBeUndefined();
    expect(facts.startedByUnknown).toBeUndefined();
  });

  it('says who started the execution is unknown when StartPipelineExecution names no caller ARN, or the execution cannot be read', async () => {
    answer({ trigger: { triggerType: 'StartPipelineExecution', triggerDetail: '' } });
    expect((await approvalFacts(PLACE).gather(AT)).startedByUnknown).toBe('StartPipelineExecution names no caller ARN');
    answer();
    codepipeline.on(GetPipelineExecutionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    expect((await approvalFacts(PLACE).gather(AT)).startedByUnknown).toBe('the execution could not be read');
  });
});
