import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  type PipelineDeclaration,
} from '@aws-sdk/client-codepipeline';
import { CodeCommitClient, GetCommitCommand } from '@aws-sdk/client-codecommit';
import type { ApprovalFacts, ApprovalSubject, SourceFacts } from '../policies/approval.js';
import { clientFor, type Place } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';
import type { IamNeed } from '../runtime/iam.js';
import { attempt } from './attempt.js';

// What the approval gate (and every click) decides from: the approval's token
// (the event carries none), the execution's revision and who started it, the
// branch, and the commit author where AWS can know it (CodeCommit). Each read
// is optional: a failure is reported in `unreadable` and the policy decides
// with what is known (an unknown branch is never taken as allowed); without a
// token nothing can be approved.

/** The reads, on the pipelines approval policies govern, and the commits of their CodeCommit repositories. */
export const APPROVAL_FACTS_IAM: IamNeed[] = [
  {
    actions: ['codepipeline:GetPipelineState', 'codepipeline:GetPipelineExecution', 'codepipeline:GetPipeline', 'codepipeline:ListActionExecutions'],
    resources: 'approvalPipelines',
  },
  { actions: ['codecommit:GetCommit'], resources: 'anyRepository', why: 'the commit author of a CodeCommit source (its email, for the self-approval rule)' },
];

export interface ApprovalAt extends ApprovalSubject {
  executionId: string;
}

const failure = (call: string, error: unknown) => `${call} failed (${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)})`;

/** `revisionSummary` is a commit message, or JSON {"ProviderType":..,"CommitMessage":..} for connections. */
function commitMessageOf(summary: string | undefined): string | undefined {
  if (!summary?.startsWith('{')) return summary;
  try {
    return (JSON.parse(summary) as { CommitMessage?: string }).CommitMessage ?? summary;
  } catch {
    return summary;
  }
}

/**
 * Whether the execution's source is a tag: a V2 pipeline started by a webhook whose
 * git push filters name tags and no branches (CodePipeline starts it only for those tags).
 */
function triggeredByTagsOnly(pipeline: PipelineDeclaration | undefined): boolean {
  const pushes = pipeline?.triggers?.flatMap((t) => t.gitConfiguration?.push ?? []) ?? [];
  return pushes.length > 0 && pushes.every((p) => p.tags && !p.branches);
}

/** The branch the source action is configured with (CodeCommit, CodeStarSourceConnection and GitHub sources call it BranchName or Branch). */
function configuredBranch(pipeline: PipelineDeclaration | undefined): string | undefined {
  const source = pipeline?.stages?.[0]?.actions?.find((a) => a.actionTypeId?.category === 'Source');
  return source?.configuration?.BranchName ?? source?.configuration?.Branch;
}

export class ApprovalFactsReader {
  constructor(
    private readonly pipelines: CodePipelineClient,
    private readonly commits: CodeCommitClient,
  ) {}

  /** `bound`: no read outlives it (a click's answer); a read it cuts short is reported unreadable, as any failed read. */
  async gather(at: ApprovalAt, bound?: Deadline): Promise<ApprovalFacts> {
    const unreadable: string[] = [];
    const options = () => (bound ? { abortSignal: signalFor(bound) } : {});
    const read = <T>(call: string, fn: () => Promise<T>) => attempt(call, fn, (c, error) => unreadable.push(failure(c, error)));
    const [state, execution, declared, actions] = await Promise.all([
      read('GetPipelineState', () => this.pipelines.send(new GetPipelineStateCommand({ name: at.pipeline }), options())),
      read('GetPipelineExecution', () => this.pipelines.send(new GetPipelineExecutionCommand({ pipelineName: at.pipeline, pipelineExecutionId: at.executionId }), options())),
      read('GetPipeline', () => this.pipelines.send(new GetPipelineCommand({ name: at.pipeline }), options())),
      read('ListActionExecutions', () =>
        this.pipelines.send(new ListActionExecutionsCommand({ pipelineName: at.pipeline, filter: { pipelineExecutionId: at.executionId }, maxResults: 100 }), options()),
      ),
    ]);

    const stage = state?.stageStates?.find((s) => s.stageName === at.stage);
    const latest = stage?.actionStates?.find((a) => a.actionName === at.action)?.latestExecution;
    let token: string | undefined;
    if (state) {
      if (stage?.latestExecution?.pipelineExecutionId && stage.latestExecution.pipelineExecutionId !== at.executionId) {
        unreadable.push(`stage ${at.stage} now runs execution ${stage.latestExecution.pipelineExecutionId}, not ${at.executionId}`);
      } else if (latest?.status !== 'InProgress' || !latest.token) {
        unreadable.push(`approval ${at.stage}/${at.action} is not waiting (its latest execution is ${latest?.status ?? 'not found'})`);
      } else token = latest.token;
    }

    const pipelineExecution = execution?.pipelineExecution;
    const revision = pipelineExecution?.artifactRevisions?.[0];
    const vars = actions?.actionExecutionDetails?.find((d) => d.input?.actionTypeId?.category === 'Source' && d.output?.outputVariables)?.output?.outputVariables;
    const pipeline = declared?.pipeline;
    const commitId = revision?.revisionId ?? vars?.CommitId;
    const branch = vars?.BranchName ?? configuredBranch(pipeline);
    const source: SourceFacts = {
      ...(commitId ? { commitId } : {}),
      ...((vars?.CommitMessage ?? commitMessageOf(revision?.revisionSummary)) !== undefined ? { commitMessage: vars?.CommitMessage ?? commitMessageOf(revision?.revisionSummary) } : {}),
    };
    const webhook = pipelineExecution?.trigger?.triggerType === 'WebhookV2';
    if (webhook && triggeredByTagsOnly(pipeline)) source.ref = { kind: 'tag', name: revision?.revisionId ?? 'unknown tag' };
    else if (branch) source.ref = { kind: 'branch', name: branch };

    // CodeCommit knows the author's email; connections (GitHub, GitLab, Bitbucket) give only a display name.
    const repository = vars?.RepositoryName;
    if (commitId && repository && !vars?.FullRepositoryName) {
      const commit = await read('codecommit:GetCommit', () => this.commits.send(new GetCommitCommand({ repositoryName: repository, commitId }), options()));
      if (commit?.commit?.author?.email) source.authorEmail = commit.commit.author.email;
    }

    // StartPipelineExecution's trigger detail is the caller's ARN; other triggers (webhooks, CloudWatch events) start as no person.
    const trigger = pipelineExecution?.trigger;
    const startedBy = trigger?.triggerType === 'StartPipelineExecution' && trigger.triggerDetail?.startsWith('arn:') ? trigger.triggerDetail : undefined;
    return { ...(token ? { token } : {}), pipelineExecutionId: at.executionId, source, ...(startedBy ? { startedBy } : {}), unreadable };
  }
}

/** Reads in the account and region where the pipeline runs. */
export const approvalFacts = (place: Place): ApprovalFactsReader => new ApprovalFactsReader(clientFor(CodePipelineClient, place), clientFor(CodeCommitClient, place));
