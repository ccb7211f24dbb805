import '../runtime/zod-messages.js';
import type * as z from 'zod/mini';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ActionExecutionEventSchema, PipelineExecutionEventSchema, StageExecutionEventSchema } from './codepipeline.js';
import { BuildStateChangeEventSchema, isConsoleLink } from './codebuild.js';
import { logger } from '../runtime/observability.js';
import type { ActionExecutionEvent, BuildEvent, CiEvent, EnvelopeFacts, Trigger } from './types.js';

/** An event that does not have the shape this service handles. Retrying cannot fix it. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  constructor(
    readonly detailType: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid "${detailType}" event: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

export const CI_DETAIL_TYPES = [
  'CodePipeline Pipeline Execution State Change',
  'CodePipeline Stage Execution State Change',
  'CodePipeline Action Execution State Change',
  'CodeBuild Build State Change',
] as const;

/** A lone UTF-16 surrogate: events are UTF-8 JSON, which cannot carry one, and encodeURIComponent throws on it. */
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_TEXT_ISSUES = 10;
/** Events are a few levels deep; deeper nesting is in keys nobody reads, and must not exhaust the stack. */
const MAX_TEXT_DEPTH = 16;

/** Paths of the strings in `value` that hold a lone surrogate (at most MAX_TEXT_ISSUES). */
function illFormedText(value: unknown, path: string[] = [], found: string[] = []): string[] {
  if (found.length >= MAX_TEXT_ISSUES || path.length > MAX_TEXT_DEPTH) return found;
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) found.push(path.join('.'));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) illFormedText(v, [...path, k], found);
  }
  return found;
}

/** Validates `raw` against `schema`, or throws an EventValidationError listing each bad path. */
export function check<S extends z.ZodMiniType>(schema: S, raw: unknown, detailType: string): z.output<S> {
  const result = schema.safeParse(raw);
  const issues = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  for (const path of illFormedText(raw)) {
    if (!issues.some((i) => i.path === path)) issues.push({ path, message: 'expected text without a lone UTF-16 surrogate (AWS never sends one)' });
  }
  if (issues.length > 0) throw new EventValidationError(detailType, issues);
  return result.data as z.output<S>;
}

type Envelope = { id: string; time: string; account: string; region: string };
const envelopeFacts = (e: Envelope): EnvelopeFacts => ({ eventId: e.id, time: e.time, account: e.account, region: e.region });

type PipelineDetailCommon = {
  pipeline: string;
  'execution-id': string;
  'execution-trigger'?: Partial<Record<
    'trigger-type' | 'trigger-detail' | 'commit-id' | 'commit-message' | 'author-display-name' | 'branch-name' | 'tag-name' | 'full-repository-name',
    string
  >>;
};

const definedOnly = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

const pipelineFacts = (e: Envelope & { detail: PipelineDetailCommon }) => {
  const t = e.detail['execution-trigger'];
  const trigger: Trigger | undefined = t
    ? definedOnly({
        type: t['trigger-type'],
        detail: t['trigger-detail'],
        commitId: t['commit-id'],
        commitMessage: t['commit-message'],
        author: t['author-display-name'],
        branch: t['branch-name'],
        tag: t['tag-name'],
        repository: t['full-repository-name'],
      })
    : undefined;
  return {
    ...envelopeFacts(e),
    pipeline: e.detail.pipeline,
    executionId: e.detail['execution-id'],
    ...(trigger && Object.keys(trigger).length > 0 ? { trigger } : {}),
  };
};

/** Validates an EventBridge event from CodePipeline or CodeBuild and normalizes it. */
export function parseCiEvent(raw: unknown): CiEvent {
  const dt = (raw as { 'detail-type'?: unknown } | null)?.['detail-type'];
  const detailType = typeof dt === 'string' ? dt.slice(0, 100) : '(no detail-type)';
  switch (detailType) {
    case 'CodePipeline Pipeline Execution State Change': {
      const e = check(PipelineExecutionEventSchema, raw, detailType);
      return { ...pipelineFacts(e), kind: 'pipeline', state: e.detail.state };
    }
    case 'CodePipeline Stage Execution State Change': {
      const e = check(StageExecutionEventSchema, raw, detailType);
      return { ...pipelineFacts(e), kind: 'stage', stage: e.detail.stage, state: e.detail.state };
    }
    case 'CodePipeline Action Execution State Change': {
      const e = check(ActionExecutionEventSchema, raw, detailType);
      return toActionEvent(e);
    }
    case 'CodeBuild Build State Change': {
      const e = check(BuildStateChangeEventSchema, raw, detailType);
      return toBuildEvent(e);
    }
    default:
      throw new EventValidationError(detailType, [
        { path: 'detail-type', message: `expected one of: ${CI_DETAIL_TYPES.join(', ')}` },
      ]);
  }
}

function toActionEvent(e: z.output<typeof ActionExecutionEventSchema>): ActionExecutionEvent {
  const d = e.detail;
  const r = d['execution-result'];
  return {
    ...pipelineFacts(e),
    kind: 'action',
    stage: d.stage,
    action: d.action,
    state: d.state,
    category: d.type.category,
    provider: d.type.provider,
    owner: d.type.owner,
    ...(r
      ? {
          result: {
            externalUrl: r['external-execution-url'],
            summary: r['external-execution-summary'],
            externalId: r['external-execution-id'],
            errorCode: r['error-code'],
          },
        }
      : {}),
  };
}

/** CodeBuild fills phases that have nothing to say with ": ". */
const meaningful = (c: string) => c.replace(/[\s:]/g, '') !== '';

/** The build's logs link when it points into the AWS console; else none (the message links the console's own build page). */
function logsLink(eventId: string, url: string | undefined): string | undefined {
  if (url === undefined || isConsoleLink(url)) return url;
  logger.warn('CodeBuild event: detail.additional-information.logs.deep-link is not a link into the AWS console (https://console.aws.amazon.com/...); notifying the build without it', { eventId });
  return undefined;
}

function toBuildEvent(e: z.output<typeof BuildStateChangeEventSchema>): BuildEvent {
  const d = e.detail;
  const info = d['additional-information'];
  const failed = info?.phases?.find((p) => p['phase-status'] && !['SUCCEEDED', 'IN_PROGRESS'].includes(p['phase-status']));
  return {
    ...envelopeFacts(e),
    kind: 'build',
    project: d['project-name'],
    buildArn: d['build-id'],
    status: d['build-status'],
    initiator: info?.initiator,
    sourceVersion: info?.['source-version'],
    logsUrl: logsLink(e.id, info?.logs?.['deep-link']),
    ...(failed
      ? { failedPhase: { phase: failed['phase-type'], status: failed['phase-status'], context: (failed['phase-context'] ?? []).filter(meaningful) } }
      : {}),
  };
}

/**
 * A parse function as a Standard Schema, so Powertools' parser middleware runs
 * it and reports failures as a ParseError whose cause lists each bad path.
 */
export function asStandardSchema<T>(parse: (raw: unknown) => T): StandardSchemaV1<unknown, T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'cicd-guardian',
      validate(value) {
        try {
          return { value: parse(value) };
        } catch (error) {
          if (!(error instanceof EventValidationError)) throw error;
          return { issues: error.issues.map((i) => ({ message: `${error.detailType}: ${i.message}`, path: i.path ? i.path.split('.') : undefined })) };
        }
      },
    },
  };
}

export const CiEventSchema = asStandardSchema(parseCiEvent);
