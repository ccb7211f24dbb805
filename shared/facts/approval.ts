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

type Trigger = NonNullable<PipelineDeclaration['triggers']>[number];

/**
 * Tag or branch, from what this execution says. No field of GetPipelineExecution
 * names a tag: its trigger gives only the type (WebhookV2) and the connection, its
 * artifact revision a commit SHA (which a tag may point at as well as a branch).
 * So an execution started by a git push can be called a tag only when every push
 * filter of every trigger names tags alone (CodePipeline then starts it for those
 * tags only), a branch only when no filter names tags (the source action's
 * BranchName output of this execution is then the branch it read); anything else
 * is unknown, and the policy treats it as unverified, never as allowed.
 */
function refOf(triggerType: string | undefined, triggers: Trigger[] | undefined, branchRead: string | undefined): { ref?: SourceFacts['ref']; refUnknown?: string } {
  const configs = triggers?.map((t) => t.gitConfiguration) ?? [];
  const pushes = configs.flatMap((c) => c?.push ?? []);
  const pullRequests = configs.flatMap((c) => c?.pullRequest ?? []);
  const anyTags = pushes.some((p) => p.tags);
  if (triggerType === 'WebhookV2' && pushes.length > 0 && pullRequests.length === 0 && pushes.every((p) => p.tags && !p.branches)) return { ref: { kind: 'tag' } };
  if (triggerType === 'WebhookV2' && anyTags) return { refUnknown: 'the pipeline starts on tag pushes too, and the execution does not say whether a tag or a branch started it' };
  if (triggerType === 'WebhookV2' && pullRequests.length > 0) return { refUnknown: 'the pipeline starts on pull requests too, and the execution does not say which branch it built' };
  if (branchRead) return { ref: { kind: 'branch', name: branchRead } };
  return { refUnknown: "the source action's BranchName output of this execution could not be read" };
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
    const source: SourceFacts = {
      ...(commitId ? { commitId } : {}),
      ...((vars?.CommitMessage ?? commitMessageOf(revision?.revisionSummary)) !== undefined ? { commitMessage: vars?.CommitMessage ?? commitMessageOf(revision?.revisionSummary) } : {}),
    };
    // Without the execution, or the pipeline's triggers, nothing says what was deployed.
    const { ref, refUnknown } =
      execution && declared ? refOf(pipelineExecution?.trigger?.triggerType, pipeline?.triggers, vars?.BranchName) : { refUnknown: 'the execution or its pipeline could not be read' };
    if (ref) source.ref = ref;
    if (refUnknown) source.refUnknown = refUnknown;

    // CodeCommit knows the author's email; connections (GitHub, GitLab, Bitbucket) give only a display name.
    const repository = vars?.RepositoryName;
    if (commitId && repository && !vars?.FullRepositoryName) {
      const commit = await read('codecommit:GetCommit', () => this.commits.send(new GetCommitCommand({ repositoryName: repository, commitId }), options()));
      if (commit?.commit?.author?.email) source.authorEmail = commit.commit.author.email;
    }

    // StartPipelineExecution's trigger detail is the caller's ARN; other triggers (webhooks, CloudWatch events) start as no person.
    const trigger = pipelineExecution?.trigger;
    const startedBy = trigger?.triggerType === 'StartPipelineExecution' && trigger.triggerDetail?.startsWith('arn:') ? trigger.triggerDetail : undefined;
    const startedByUnknown = !execution
      ? 'the execution could not be read'
      : !trigger?.triggerType
        ? 'the execution names no trigger'
        : trigger.triggerType === 'StartPipelineExecution' && !startedBy
          ? 'StartPipelineExecution names no caller ARN'
          : undefined;
    return { ...(token ? { token } : {}), pipelineExecutionId: at.executionId, source, ...(startedBy ? { startedBy } : {}), ...(startedByUnknown ? { startedByUnknown } : {}), unreadable };
  }
}

/** Reads in the account and region where the pipeline runs. */
export const approvalFacts = (place: Place): ApprovalFactsReader => new ApprovalFactsReader(clientFor(CodePipelineClient, place), clientFor(CodeCommitClient, place));
