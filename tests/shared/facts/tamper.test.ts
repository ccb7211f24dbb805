import { readFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  type ActionExecutionDetail,
} from '@aws-sdk/client-codepipeline';
import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { approvedExecution, decidedExecution, type ApprovalCall } from '../../../shared/facts/tamper';

// Which execution a PutApprovalResult made outside cicd-guardian decided, on payments-web of
// the fake AWS world: execution a7c9e1b3 was approved in the console by Alice at 10:25:10,
// while c41d7e2a (its approval still waiting) and d58e9f3b reached the Approval stage later.
const world = JSON.parse(readFileSync('local/fakes/payments/codepipeline.json', 'utf8')) as { executions: { actions: Record<string, unknown>[] }[] };
const asDetail = (a: Record<string, unknown>): ActionExecutionDetail => ({
  ...a,
  startTime: new Date(a.startTime as string),
  lastUpdateTime: new Date(a.lastUpdateTime as string),
}) as ActionExecutionDetail;
const DETAILS = world.executions.flatMap((e) => e.actions.map(asDetail)).filter((d) => d.pipelineExecutionId !== '2626f4d3-6125-49ec-b3c8-3074348bc840');
const ALICE = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Deployers_5e1f0c2b9a7d4e63/alice@example.com';
const APPROVED = 'a7c9e1b3-5d2f-4c8a-9e6b-3f1d5a7c9e20';
const CALL: ApprovalCall = { pipeline: 'payments-web', stage: 'Approval', action: 'ReleaseApproval', status: 'Approved', at: new Date('2026-12-04T10:25:10Z'), by: ALICE, token: 'b2e7c4d1-9a3f-4e8b-8c6d-5f1a3e7b9c02' };

describe('the execution a console approval decided', () => {
  it('is the one whose approval was decided at the call\'s time by its caller, not the stage\'s latest', () => {
    expect(decidedExecution(CALL, DETAILS)).toEqual({ executionId: APPROVED });
  });

  it("is the token's action execution while GetPipelineState still names it", () => {
    expect(decidedExecution({ ...CALL, at: new Date('2026-12-04T15:00:00Z') }, DETAILS, '6a8c0e2a-7b9d-4ebf-9a5b-4c6d8e0f2a7b')).toEqual({ executionId: 'd58e9f3b-0c4a-4f29-b7e6-3a8d1c0f9b25' });
  });

  it('is none when no execution of the action was decided near the call, saying so', () => {
    expect(decidedExecution({ ...CALL, at: new Date('2026-12-04T11:00:00Z') }, DETAILS)).toEqual({ why: expect.stringMatching(/^no execution of Approval\/ReleaseApproval was succeeded within 2 minutes of 2026-12-04T11:00:00.000Z/) });
  });

  it('is none when the decision near that time was made by someone else', () => {
    expect(decidedExecution({ ...CALL, by: ALICE.replace('alice', 'mallory') }, DETAILS)).toHaveProperty('why');
  });

  it('is none for a rejection when only an approval happened then', () => {
    expect(decidedExecution({ ...CALL, status: 'Rejected' }, DETAILS)).toHaveProperty('why');
  });
});

describe('reading it', () => {
  const codepipeline = mockClient(CodePipelineClient);
  mockClient(CodeCommitClient);
  beforeEach(() => {
    codepipeline.reset();
    // The stage now shows c41d7e2a, waiting: its token is not the call's.
    codepipeline.on(GetPipelineStateCommand).resolves({
      pipelineName: 'payments-web',
      stageStates: [{ stageName: 'Approval', latestExecution: { pipelineExecutionId: 'c41d7e2a-9b3f-4e18-a6d5-2f7c0b9e8a14', status: 'InProgress' }, actionStates: [{ actionName: 'ReleaseApproval', latestExecution: { actionExecutionId: '3d5f7b9d-4e6a-4b8c-8d2e-1f3a5b7c9d4e', status: 'InProgress', token: 'another-token' } }] }],
    });
    codepipeline.on(GetPipelineExecutionCommand).resolves({ pipelineExecution: { pipelineExecutionId: APPROVED, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: ALICE } } });
    codepipeline.on(GetPipelineCommand).resolves({ pipeline: { name: 'payments-web', roleArn: 'arn:aws:iam::123456789012:role/payments-web-pipeline', stages: [] } });
  });

  it('lists the action executions page by page (no filter: the execution id is what is sought) and gathers the approved one', async () => {
    const newer = DETAILS.filter((d) => d.pipelineExecutionId !== APPROVED);
    const older = DETAILS.filter((d) => d.pipelineExecutionId === APPROVED);
    codepipeline.on(ListActionExecutionsCommand).resolvesOnce({ actionExecutionDetails: newer, nextToken: 'page-2' }).resolvesOnce({ actionExecutionDetails: older });
    const facts = await approvedExecution({ account: '123456789012', region: 'us-east-1' }, CALL);
    expect(facts.pipelineExecutionId).toBe(APPROVED);
    expect(facts.startedBy).toBe(ALICE);
    const listed = codepipeline.commandCalls(ListActionExecutionsCommand).map((c) => c.args[0].input);
    expect(listed).toEqual([
      { pipelineName: 'payments-web', maxResults: 100 },
      { pipelineName: 'payments-web', maxResults: 100, nextToken: 'page-2' },
      // Then the approval facts of the execution found.
      { pipelineName: 'payments-web', maxResults: 100, filter: { pipelineExecutionId: APPROVED } },
    ]);
  });

  it('reports why, with no execution, when none matches', async () => {
    codepipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: DETAILS.filter((d) => d.pipelineExecutionId !== APPROVED) });
    const facts = await approvedExecution({ account: '123456789012', region: 'us-east-1' }, CALL);
    expect(facts.pipelineExecutionId).toBeUndefined();
    expect(facts.unreadable).toEqual([expect.stringMatching(/^no execution of Approval\/ReleaseApproval was succeeded/)]);
  });
});
