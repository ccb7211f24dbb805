import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  type ActionExecutionDetail,
} from '@aws-sdk/client-codepipeline';
import type { ActionResult, PipelineEvent } from '../events/types.js';
import type { ActionView, ExecutionView, Revision } from '../views/execution-view.js';
import { actionKey, latestFailure } from '../views/execution-view.js';
import { clientFor, type Place } from '../runtime/aws.js';
import { attempt, type FactError } from './attempt.js';
import type { IamNeed } from '../runtime/iam.js';

// Read-only enrichment of a pipeline execution: source revision, stage order,
// failure details. Each call is optional: a throttled, denied or failing call
// is reported through `onError` and the notification goes out with what the
// event carries.

/** What PipelineFacts reads, on any pipeline of the account (notify hears of every pipeline). */
export const PIPELINE_FACTS_IAM: IamNeed[] = [
  { actions: ['codepipeline:GetPipeline', 'codepipeline:GetPipelineExecution', 'codepipeline:ListActionExecutions'], resources: 'anyPipeline' },
];

export interface ExecutionFacts {
  revision?: Revision;
  stageOrder?: string[];
  /** Failure details per action key ("stage/action"). */
  results?: Record<string, ActionResult>;
  /** The failed actions as CodePipeline lists them, per action key: for a failed execution whose action events have not arrived. */
  failedActions?: Record<string, ActionView>;
}


/** Which facts the view still lacks, given the event that just arrived. */
export function missingFacts(known: ExecutionView | undefined, event: PipelineEvent) {
  const failedWithoutDetail =
    event.kind === 'action' && event.state === 'FAILED' && !(event.result?.summary || event.result?.errorCode);
  // The execution failed before the event of the action that failed arrived: its reply and email go out now.
  const failedWithoutAction = event.kind === 'pipeline' && event.state === 'FAILED' && !(known && latestFailure(known));
  return {
    revision: !known?.revision?.commitId,
    stageOrder: !known?.stagesDefined,
    failures: failedWithoutDetail || failedWithoutAction,
  };
}

/** `revisionSummary` is a commit message, or JSON {"ProviderType":..,"CommitMessage":..} for connections. */
function commitMessage(summary: string | undefined): string | undefined {
  if (!summary) return undefined;
  if (summary.startsWith('{')) {
    try {
      const parsed = JSON.parse(summary) as { CommitMessage?: string };
      return parsed.CommitMessage ?? summary;
    } catch {
      return summary;
    }
  }
  return summary;
}

function sourceVariables(details: ActionExecutionDetail[]): Partial<Revision> {
  const vars = details.find((d) => d.input?.actionTypeId?.category === 'Source' && d.output?.outputVariables)?.output?.outputVariables;
  if (!vars) return {};
  return {
    branch: vars.BranchName,
    repository: vars.FullRepositoryName ?? vars.RepositoryName,
    commitId: vars.CommitId,
    message: vars.CommitMessage,
    author: vars.AuthorDisplayName ?? vars.AuthorId,
  };
}

export class PipelineFacts {
  constructor(private readonly client: CodePipelineClient) {}

  async gather(event: PipelineEvent, known: ExecutionView | undefined, onError: FactError): Promise<ExecutionFacts> {
    const need = missingFacts(known, event);
    const facts: ExecutionFacts = {};
    const read = <T>(call: string, fn: () => Promise<T>) => attempt(call, fn, onError);

    const [execution, pipeline, actions] = await Promise.all([
      need.revision
        ? read('GetPipelineExecution', () =>
            this.client.send(new GetPipelineExecutionCommand({ pipelineName: event.pipeline, pipelineExecutionId: event.executionId })),
          )
        : undefined,
      need.stageOrder ? read('GetPipeline', () => this.client.send(new GetPipelineCommand({ name: event.pipeline }))) : undefined,
      need.revision || need.failures
        ? read('ListActionExecutions', () =>
            this.client.send(
              new ListActionExecutionsCommand({ pipelineName: event.pipeline, filter: { pipelineExecutionId: event.executionId }, maxResults: 100 }),
            ),
          )
        : undefined,
    ]);

    const rev = execution?.pipelineExecution?.artifactRevisions?.[0];
    const vars = sourceVariables(actions?.actionExecutionDetails ?? []);
    if (rev || Object.values(vars).some(Boolean)) {
      facts.revision = {
        commitId: rev?.revisionId ?? vars.commitId,
        url: rev?.revisionUrl,
        message: vars.message ?? commitMessage(rev?.revisionSummary),
        author: vars.author,
        branch: vars.branch,
        repository: vars.repository,
      };
    }
    const stages = pipeline?.pipeline?.stages?.map((s) => s.name).filter((n): n is string => Boolean(n));
    if (stages?.length) facts.stageOrder = stages;

    if (need.failures && actions?.actionExecutionDetails) {
      facts.results = {};
      facts.failedActions = {};
      // Newest first: keep the latest attempt of each action.
      for (const d of actions.actionExecutionDetails) {
        if (d.status !== 'Failed' || !d.stageName || !d.actionName) continue;
        const key = actionKey(d.stageName, d.actionName);
        const r = d.output?.executionResult;
        facts.results[key] ??= {
          externalId: r?.externalExecutionId,
          externalUrl: r?.externalExecutionUrl,
          summary: r?.errorDetails?.message ?? r?.externalExecutionSummary,
          errorCode: r?.errorDetails?.code,
        };
        const type = d.input?.actionTypeId;
        const at = (d.lastUpdateTime ?? d.startTime)?.toISOString();
        if (type?.category && type.provider && at && !facts.failedActions[key]) {
          facts.failedActions[key] = {
            stage: d.stageName,
            action: d.actionName,
            category: type.category,
            provider: type.provider,
            state: 'FAILED',
            at,
            startedAt: d.startTime?.toISOString(),
            endedAt: at,
            result: definedOnly(facts.results[key]),
          };
        }
      }
    }
    return facts;
  }
}

const definedOnly = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Reads in the account and region of `place` (where the pipeline runs). */
export const pipelineFacts = (place: Place): PipelineFacts => new PipelineFacts(clientFor(CodePipelineClient, place));
