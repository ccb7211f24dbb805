import { buildIdOf } from '../events/codebuild.js';

// AWS console addresses. Built from ids the events carry; names are URI-encoded.
// The Region was validated by the event parser, so the host is always the
// console of the Region's partition.

/** The console of the Region's partition: aws, aws-cn or aws-us-gov. */
export function consoleOrigin(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

export const pipelineExecutionUrl = (region: string, pipeline: string, executionId: string): string =>
  `${consoleOrigin(region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}/executions/${encodeURIComponent(executionId)}/timeline?region=${region}`;

export const pipelineUrl = (region: string, pipeline: string): string =>
  `${consoleOrigin(region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}/view?region=${region}`;


/** `buildId` is "project:uuid" (a pipeline action's external execution id) or a build ARN. */
export function codeBuildLogsUrl(region: string, account: string, buildId: string): string | undefined {
  const id = buildIdOf(buildId);
  const project = id.split(':')[0];
  if (!project || !id.includes(':')) return undefined;
  return `${consoleOrigin(region)}/codesuite/codebuild/${account}/projects/${encodeURIComponent(project)}/build/${encodeURIComponent(id)}/log?region=${region}`;
}
