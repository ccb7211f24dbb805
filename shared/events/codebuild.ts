import * as z from 'zod/mini';
import { PARTITION, REGION, ACCOUNT_ID, UUID, MAX_ARN, eventOf, matching } from './envelope.js';

// "CodeBuild Build State Change", as documented in the CodeBuild
// "Build notifications input format reference" (detail keys are kebab-case).
export const BUILD_STATUSES = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

const Phase = z.object({
  'phase-type': z.string(),
  'phase-status': z.optional(z.string()),
  'phase-context': z.optional(z.array(z.string())),
  'duration-in-seconds': z.optional(z.number()),
});

/** Project names (CodeBuild API reference): 2 to 255 characters, a letter or digit first. */
const PROJECT = '[A-Za-z0-9][A-Za-z0-9_-]{1,254}';
const BUILD_ARN = new RegExp(`^arn:${PARTITION}:codebuild:${REGION}:${ACCOUNT_ID}:build/${PROJECT}:${UUID}$`);
/** The logs link is shown as a link: only into the AWS console of a partition, over https. */
const CONSOLE_LINK = /^https:\/\/(?:[a-z0-9-]+\.)?console\.(?:aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)\//;
/** Whether the build's logs link may be shown. Any other is dropped, not the event: the build's failure must still be told. */
export const isConsoleLink = (url: string): boolean => url.length <= MAX_ARN && CONSOLE_LINK.test(url);

export const BuildStateChangeEventSchema = eventOf(
  'aws.codebuild',
  'CodeBuild Build State Change',
  z.object({
    'build-status': z.enum(BUILD_STATUSES),
    'project-name': matching(new RegExp(`^${PROJECT}$`), 255, 'a CodeBuild project name (2 to 255 letters, digits, - and _, a letter or digit first)'),
    'build-id': matching(BUILD_ARN, MAX_ARN, 'a CodeBuild build ARN "arn:aws:codebuild:<region>:<account>:build/<project>:<uuid>"'),
    'current-phase': z.optional(z.string()),
    'current-phase-context': z.optional(z.string()),
    'additional-information': z.optional(
      z.object({
        initiator: z.optional(z.string()),
        'build-start-time': z.optional(z.string()),
        'source-version': z.optional(z.string()),
        source: z.optional(z.object({ location: z.optional(z.string()), type: z.optional(z.string()) })),
        logs: z.optional(z.object({ 'deep-link': z.optional(z.string()) })),
        phases: z.optional(z.array(Phase)),
      }),
    ),
  }),
);

/** "project:uuid" from a build ARN; a build id passes through unchanged. */
export const buildIdOf = (arnOrId: string): string =>
  arnOrId.includes(':build/') ? arnOrId.slice(arnOrId.indexOf(':build/') + 7) : arnOrId;
