import * as z from 'zod/mini';
import { UUID, eventOf, matching, nonEmpty, region } from './envelope.js';

// CodePipeline state-change events, as documented in
// "Monitoring CodePipeline events" (detail keys are kebab-case).
export const PIPELINE_STATES = ['STARTED', 'SUCCEEDED', 'RESUMED', 'FAILED', 'CANCELED', 'SUPERSEDED', 'STOPPING', 'STOPPED'] as const;
export const STAGE_STATES = ['STARTED', 'SUCCEEDED', 'RESUMED', 'FAILED', 'CANCELED', 'STOPPING', 'STOPPED'] as const;
export const ACTION_STATES = ['STARTED', 'SUCCEEDED', 'FAILED', 'CANCELED', 'ABANDONED'] as const;

export type PipelineState = (typeof PIPELINE_STATES)[number];
export type StageState = (typeof STAGE_STATES)[number];
export type ActionState = (typeof ACTION_STATES)[number];

/** `version` is a number in current events; older documentation shows it as a string. */
const LooseNumber = z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/)), z.transform(Number))]);

/** Pipeline, stage and action names (CodePipeline API reference): 1 to 100 of A-Z a-z 0-9 . @ - _ */
const name = (what: string) => matching(/^[A-Za-z0-9.@_-]+$/, 100, `a ${what} name (1 to 100 letters, digits, and . @ - _)`);

const common = {
  pipeline: name('pipeline'),
  'execution-id': matching(new RegExp(`^${UUID}$`), 36, 'a pipeline execution id (a UUID)'),
  version: z.optional(LooseNumber),
  // Git-triggered executions (tags, branches) carry the commit instead of trigger-type/detail.
  'execution-trigger': z.optional(
    z.object({
      'trigger-type': z.optional(z.string()),
      'trigger-detail': z.optional(z.string()),
      'commit-id': z.optional(z.string()),
      'commit-message': z.optional(z.string()),
      'author-display-name': z.optional(z.string()),
      'branch-name': z.optional(z.string()),
      'tag-name': z.optional(z.string()),
      'full-repository-name': z.optional(z.string()),
    }),
  ),
};

export const PipelineExecutionEventSchema = eventOf(
  'aws.codepipeline',
  'CodePipeline Pipeline Execution State Change',
  z.object({ ...common, state: z.enum(PIPELINE_STATES) }),
);

export const StageExecutionEventSchema = eventOf(
  'aws.codepipeline',
  'CodePipeline Stage Execution State Change',
  z.object({ ...common, stage: name('stage'), state: z.enum(STAGE_STATES) }),
);

export const ActionExecutionEventSchema = eventOf(
  'aws.codepipeline',
  'CodePipeline Action Execution State Change',
  z.object({
    ...common,
    stage: name('stage'),
    action: name('action'),
    state: z.enum(ACTION_STATES),
    region: z.optional(region()),
    type: z.object({
      owner: z.string(),
      category: nonEmpty(),
      provider: nonEmpty(),
      version: z.optional(z.union([z.string(), z.number()])),
    }),
    'execution-result': z.optional(
      z.object({
        'external-execution-url': z.optional(z.string()),
        'external-execution-summary': z.optional(z.string()),
        'external-execution-id': z.optional(z.string()),
        'error-code': z.optional(z.string()),
      }),
    ),
  }),
);
