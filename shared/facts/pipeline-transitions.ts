import { CodePipelineClient, GetPipelineCommand, GetPipelineStateCommand, paginateListPipelines } from '@aws-sdk/client-codepipeline';
import { clientFor, type Place } from '../runtime/aws.js';
import type { IamNeed } from '../runtime/iam.js';
import { globToRegExp } from '../policies/routing.js';
import type { StageTransition } from '../policies/freeze-schedule.js';

// The pipelines freeze scheduling governs, the inbound transitions of their
// stages and the manual approval actions each stage holds (GetPipeline: a
// freeze closes the stages of governed approvals), read where they run. Policies name pipelines by globs, so the
// account's pipelines are listed and matched (ListPipelines has no
// resource-level permissions; GetPipelineState is granted on the globs' ARNs).

export const PIPELINE_TRANSITION_FACTS_IAM: IamNeed[] = [
  { actions: ['codepipeline:ListPipelines'], resources: 'everything', why: 'ListPipelines has no resource-level permissions (read-only)' },
  { actions: ['codepipeline:GetPipelineState', 'codepipeline:GetPipeline'], resources: 'deployPipelines' },
];

/** Listing stops here: an account has at most 1000 pipelines per Region by default. */
const MAX_PIPELINES = 1000;

/** The names of the pipelines in `place` that match any of `globs`. */
export async function pipelinesMatching(globs: string[], place: Place): Promise<string[]> {
  const patterns = globs.map(globToRegExp);
  const names: string[] = [];
  let seen = 0;
  for await (const page of paginateListPipelines({ client: clientFor(CodePipelineClient, place) }, {})) {
    for (const p of page.pipelines ?? []) {
      if (p.name && patterns.some((re) => re.test(p.name!))) names.push(p.name);
      if (++seen >= MAX_PIPELINES) return names;
    }
  }
  return names;
}

/** The inbound transition of each stage but the first (which has none), with the stage's manual approval actions. */
export async function inboundTransitions(pipeline: string, place: Place): Promise<StageTransition[]> {
  const client = clientFor(CodePipelineClient, place);
  const [{ stageStates = [] }, declared] = await Promise.all([client.send(new GetPipelineStateCommand({ name: pipeline })), client.send(new GetPipelineCommand({ name: pipeline }))]);
  const approvalsOf = (stage: string) =>
    (declared?.pipeline?.stages?.find((s) => s.name === stage)?.actions ?? [])
      .filter((a) => a.actionTypeId?.category === 'Approval' && a.actionTypeId.provider === 'Manual' && a.name)
      .map((a) => a.name!);
  return stageStates.slice(1).flatMap((s) =>
    s.stageName
      ? [
          {
            pipeline,
            stage: s.stageName,
            approvals: approvalsOf(s.stageName),
            enabled: s.inboundTransitionState?.enabled ?? true,
            ...(s.inboundTransitionState?.disabledReason ? { disabledReason: s.inboundTransitionState.disabledReason } : {}),
          },
        ]
      : [],
  );
}
