import * as z from 'zod/mini';
import { eventOf, nonEmpty } from './envelope.js';

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

export const BuildStateChangeEventSchema = eventOf(
  'aws.codebuild',
  'CodeBuild Build State Change',
  z.object({
    'build-status': z.enum(BUILD_STATUSES),
    'project-name': nonEmpty(),
    'build-id': nonEmpty(),
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
