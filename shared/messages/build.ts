import type { BuildEvent } from '../events/types.js';
import type { MessageModel, Tone } from './model.js';
import { accountName } from './model.js';
import { codeBuildLogsUrl } from './links.js';
import { buildIdOf } from '../events/codebuild.js';
import { buildFailureOf, type BuildFailure } from '../views/execution-view.js';

// The neutral message for a CodeBuild build that no pipeline covers.

const TONES: Record<BuildEvent['status'], Tone> = {
  IN_PROGRESS: 'progress',
  SUCCEEDED: 'success',
  FAILED: 'failure',
  FAULT: 'failure',
  TIMED_OUT: 'failure',
  STOPPED: 'warning',
};

/** The failed phase, with its status when it says more than FAILED: "BUILD", "BUILD (TIMED_OUT)". */
export const failedPhaseText = (f: BuildFailure): string => (f.status ? `${f.phase} (${f.status})` : f.phase);

export function describeBuild(build: BuildEvent, accountAlias?: string): MessageModel {
  const buildId = buildIdOf(build.buildArn);
  const consoleUrl = codeBuildLogsUrl(build.region, build.account, build.buildArn);
  const logsUrl = build.logsUrl ?? consoleUrl;
  const logs = logsUrl ? { label: 'Build logs', url: logsUrl } : undefined;
  const failure = buildFailureOf(build);
  const model: MessageModel = {
    title: `Build ${build.project} ${build.status.toLowerCase().replace('_', ' ')}`,
    tone: TONES[build.status],
    fields: [
      { label: 'Project', value: build.project },
      { label: 'Build', value: buildId.split(':')[1]?.slice(0, 8) ?? buildId, url: consoleUrl },
      ...(build.sourceVersion ? [{ label: 'Source version', value: build.sourceVersion.slice(0, 40) }] : []),
      ...(build.initiator ? [{ label: 'Initiator', value: build.initiator }] : []),
    ],
    stages: [],
    // With a failure, the logs link goes with it (once).
    links: logs && !failure ? [logs] : [],
    context: `${accountName(build.account, accountAlias)} · ${build.region} · ${buildId}`,
  };
  if (failure) {
    model.failure = {
      phase: failedPhaseText(failure),
      errorCode: failure.code,
      summary: failure.message,
      link: logs,
    };
  }
  return model;
}
