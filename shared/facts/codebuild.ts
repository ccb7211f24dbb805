import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { buildFailure, type BuildFailure } from '../views/execution-view.js';
import { clientFor, type Place } from '../runtime/aws.js';
import { attempt, type FactError } from './attempt.js';
import type { IamNeed } from '../runtime/iam.js';

// Why a build a pipeline action names failed, read from CodeBuild when its
// own event has not been seen. Optional like every fact: a failing read is
// reported through `onError` and the message goes out without it.

/** BatchGetBuilds authorizes against the build's project. */
export const BUILD_FACTS_IAM: IamNeed[] = [{ actions: ['codebuild:BatchGetBuilds'], resources: 'anyBuildProject' }];

export class BuildFacts {
  constructor(private readonly client: CodeBuildClient) {}

  /** The first failed phase of build `buildId` ("project:uuid"), or undefined when unknown. */
  async failure(buildId: string, onError: FactError): Promise<BuildFailure | undefined> {
    const answer = await attempt('BatchGetBuilds', () => this.client.send(new BatchGetBuildsCommand({ ids: [buildId] })), onError);
    const build = answer?.builds?.find((b) => b.id === buildId);
    const failed = build?.phases?.find((p) => p.phaseStatus && !['SUCCEEDED', 'IN_PROGRESS'].includes(p.phaseStatus));
    if (!build || !failed?.phaseType) return undefined;
    return buildFailure({
      buildId,
      phase: failed.phaseType,
      status: failed.phaseStatus,
      contexts: failed.contexts ?? [],
      logsUrl: build.logs?.deepLink,
    });
  }
}

/** Reads in the account and region of `place` (where the build ran). */
export const buildFacts = (place: Place): BuildFacts => new BuildFacts(clientFor(CodeBuildClient, place));
