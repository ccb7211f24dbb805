import { mockClient } from 'aws-sdk-client-mock';
import { ApprovalAlreadyCompletedException, CodePipelineClient, InvalidApprovalTokenException, PutApprovalResultCommand } from '@aws-sdk/client-codepipeline';
import type { PutApprovalResultAction } from '../../../shared/plan/plan';
import { ACTIONS } from '../../../shared/actions/index';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import type { Channels } from '../../../shared/actions/module';
import { RollbackError } from '../../../shared/runtime/aws-errors';

const codepipeline = mockClient(CodePipelineClient);
const meta = { $metadata: { httpStatusCode: 400 } };
const approve: PutApprovalResultAction = {
  type: 'codepipeline.putApprovalResult',
  key: 'approval:apr_1:Approved',
  pipeline: 'payments-prod',
  stage: 'Approve',
  action: 'ReleaseApproval',
  token: '1a2b3c4d-5678-90ab-cdef-111122223333',
  status: 'Approved',
  summary: `Approved by Alice and Bob in Slack (policy 'prod')${'.'.repeat(600)}`,
  reason: '2 of 2 approvals',
};

async function perform(action: PutApprovalResultAction) {
  let recorded: Delivery | undefined;
  const channels = { place: { account: '123456789012', region: 'eu-central-1' } } as Channels;
  const done = await ACTIONS[action.type].perform(action, { delivery: emptyDelivery(), channels, done: async (d) => void (recorded = d), now: () => new Date('2026-11-11T10:00:00Z') });
  return { done, recorded };
}

describe('codepipeline.putApprovalResult', () => {
  beforeEach(() => codepipeline.reset());

  it('approves with the token, the summary cut to 512 characters, and records it', async () => {
    codepipeline.on(PutApprovalResultCommand).resolves({ approvedAt: new Date() });
    const { done, recorded } = await perform(approve);
    expect(done).toBe(true);
    const input = codepipeline.commandCalls(PutApprovalResultCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ pipelineName: 'payments-prod', stageName: 'Approve', actionName: 'ReleaseApproval', token: approve.token, result: { status: 'Approved' } });
    expect(input.result?.summary).toHaveLength(512);
    expect(recorded?.changes?.[0]).toMatchObject({ key: approve.key, detail: 'Approved' });
  });

  it.each([
    ['an expired or changed token', new InvalidApprovalTokenException({ message: 'The token is not valid', ...meta })],
    ['an approval someone already decided', new ApprovalAlreadyCompletedException({ message: 'already completed', ...meta })],
  ])('reports %s as the outcome, recorded so it is never tried again', async (_, error) => {
    codepipeline.on(PutApprovalResultCommand).rejects(error);
    const { done, recorded } = await perform(approve);
    expect(done).toBe(false);
    expect(recorded?.sent).toEqual([approve.key]);
    expect(recorded?.changes?.[0]?.detail).toMatch(new RegExp(`^not approved: ${error.name}`));
  });

  it('counts ApprovalAlreadyCompleted after an earlier call of ours with the token (resent) as that call having landed', async () => {
    codepipeline.on(PutApprovalResultCommand).rejects(new ApprovalAlreadyCompletedException({ message: 'already completed', ...meta }));
    const { done, recorded } = await perform({ ...approve, resent: true });
    expect(done).toBe(true);
    expect(recorded?.changes?.[0]?.detail).toBe('Approved (by our earlier call: CodePipeline answered ApprovalAlreadyCompleted)');
  });

  it('is cut short at channels.bound: the call carries an abort signal that fires then', async () => {
    codepipeline.on(PutApprovalResultCommand).resolves({ approvedAt: new Date() });
    let recorded: Delivery | undefined;
    const channels = { place: { account: '123456789012', region: 'eu-central-1' }, bound: { remainingMs: () => 50 } } as Channels;
    await ACTIONS[approve.type].perform(approve, { delivery: emptyDelivery(), channels, done: async (d) => void (recorded = d), now: () => new Date() });
    const options = (codepipeline.commandCalls(PutApprovalResultCommand)[0]!.args as unknown[])[1] as { abortSignal: AbortSignal };
    expect(options.abortSignal).toBeInstanceOf(AbortSignal);
    await new Promise((r) => setTimeout(r, 80));
    expect(options.abortSignal.aborted).toBe(true);
    expect(recorded?.sent).toEqual([approve.key]);
  });

  it('fails on what a retry can fix (throttling), recording nothing', async () => {
    codepipeline.on(PutApprovalResultCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $retryable: { throttling: true } }));
    await expect(perform(approve)).rejects.toBeInstanceOf(RollbackError);
  });

  it('declares the IAM scoped to the governed approval actions', () => {
    expect(ACTIONS['codepipeline.putApprovalResult'].iam).toEqual([{ actions: ['codepipeline:PutApprovalResult'], resources: 'approvalActions' }]);
  });
});
