import { readFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import { CodePipelineClient, GetPipelineCommand, GetPipelineStateCommand, type PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { inboundTransitions } from '../../../shared/facts/pipeline-transitions';

// The inbound transitions freeze scheduling reads, with the manual approval actions of each stage
// (from the pipeline's structure), on payments-web of the fake AWS world.
const world = JSON.parse(readFileSync('local/fakes/payments/codepipeline.json', 'utf8')) as { pipelines: { pipeline: PipelineDeclaration }[] };
const PIPELINE = world.pipelines.find((p) => p.pipeline.name === 'payments-web')!.pipeline;
const codepipeline = mockClient(CodePipelineClient);

it("names each stage's manual approval actions beside its inbound transition", async () => {
  codepipeline.on(GetPipelineCommand, { name: 'payments-web' }).resolves({ pipeline: PIPELINE });
  codepipeline.on(GetPipelineStateCommand, { name: 'payments-web' }).resolves({
    pipelineName: 'payments-web',
    stageStates: PIPELINE.stages!.map((s) => ({ stageName: s.name, inboundTransitionState: { enabled: s.name !== 'Deploy', ...(s.name === 'Deploy' ? { disabledReason: 'migration' } : {}) } })),
  });
  const transitions = await inboundTransitions('payments-web', { account: '123456789012', region: 'us-east-1' });
  expect(transitions.map((t) => [t.stage, t.approvals])).toEqual(PIPELINE.stages!.slice(1).map((s) => [s.name, s.name === 'Approval' ? ['ReleaseApproval'] : []]));
  expect(transitions.find((t) => t.stage === 'Deploy')).toMatchObject({ enabled: false, disabledReason: 'migration' });
});
