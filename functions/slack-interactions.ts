import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getConfig } from '../shared/config/load.js';
import { EventValidationError } from '../shared/events/parse.js';
import { foreignInteraction, parseSlackInteraction, type SlackInteraction } from '../shared/events/slack-interaction.js';
import { actOnInteraction, type ClickResult } from '../shared/executors/approval-click.js';
import { REASON_BLOCK } from '../shared/messages/reject-reason.js';
import { truncate } from '../shared/views/bounds.js';
import { invocationState } from '../shared/state/invocation-state.js';
import { claimRequest } from '../shared/state/replay-guard.js';
import { httpHandler, isDryRun, type HttpRequest, type HttpResponse, type Runtime } from '../shared/runtime/middleware.js';
import { plainAnswer } from '../shared/runtime/http.js';
import { checkSlackRequest, type SignatureCheck } from '../shared/runtime/slack-signature.js';
import type { GuardianConfig } from '../shared/config/schema.js';
import { slackSigningSecret } from '../shared/runtime/slack-credentials.js';
import { deadlineFrom, deadlineIn, DeadlineExceededError, within } from '../shared/runtime/deadline.js';
import { logger, metrics } from '../shared/runtime/observability.js';

// Slack's interaction requests (Approve / Reject clicks), through a Lambda
// Function URL. Nothing is read from the body before its signature is
// verified; a forged, stale, altered, replayed or malformed request is
// refused (4xx) and changes nothing. Slack wants an answer within 3 s: the
// whole request is bounded by ANSWER_WITHIN_MS, each call under it.

/** Slack shows the user an error after 3 s without an answer. */
export const ANSWER_WITHIN_MS = 2500;

export async function slackInteractions(
  request: HttpRequest,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>,
  { env, now }: Runtime,
): Promise<HttpResponse> {
  const deadline = deadlineIn(ANSWER_WITHIN_MS, deadlineFrom(() => context.getRemainingTimeInMillis(), 500));
  try {
    return await within(deadline, 'answering Slack', async () => {
      const config = getConfig(env.configFile);
      const secret = await slackSigningSecret(config, env);
      if (!secret) return refuse(500, 'no signing secret: set approvals.signingSecret in guardian.yml (SLACK_SIGNING_SECRET in local runs)');
      const signed = await verified(request, secret, config, env, now());
      if (!signed.ok) return refuse(signed.status, signed.reason);
      const retry = request.headers['x-slack-retry-num'];
      logger.appendKeys({ slackRetry: retry });

      let interaction: SlackInteraction;
      try {
        interaction = parseSlackInteraction(request.rawBody);
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        return refuse(400, error.message);
      }
      logger.appendKeys({ slackUser: interaction.userId, ...(interaction.kind === 'click' ? { actionId: interaction.actionId } : { callbackId: interaction.callbackId }) });
      // Signed by our app's secret, yet from another workspace or app than guardian.yml names: not ours to act on.
      const foreign = foreignInteraction(config.slack, interaction);
      if (foreign) return refuse(403, foreign);

      const dryRun = isDryRun(config.dryRun, env);
      // A dry-run writes nothing, the record of requests seen included.
      if (!dryRun && (await claimRequest(tableOf(env), signed.signature, signed.timestamp, deadline)) === 'replayed') {
        return refuse(401, 'replayed: this signed request was already received');
      }
      // Every call to the table is cut short at the deadline: nothing of this click runs on after its answer.
      const state = invocationState(env.table, now, dryRun, (call, error) => logger.warn(`${call} failed`, { error: error as Error }), deadline);
      const result = await actOnInteraction(interaction, { config, env, now, deadline, state, invokedFunctionArn: context.invokedFunctionArn });
      logger.info(interaction.kind, { ...result });
      metrics.addMetric('ClickHandled', MetricUnit.Count, 1);
      return interaction.kind === 'submission' ? submissionAnswer(result) : { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };
    });
  } catch (error) {
    if (!(error instanceof DeadlineExceededError)) throw error;
    // Whatever was done stays done (votes and decisions are conditional writes); a second click finishes it.
    metrics.addMetric('SlackAnswerLate', MetricUnit.Count, 1);
    return refuse(503, `${error.message} (${ANSWER_WITHIN_MS} ms)`);
  }
}

/** Not more often than this is the signing secret read past its cache because a signature did not match (forged requests cost no more). */
const REFETCH_EVERY_MS = 30_000;
let lastRefetch = 0;

/**
 * The signature check; when only the signature is wrong, the secret is read once afresh
 * (it may have been rotated in SSM or Secrets Manager; the fresh one is cached after) and checked again.
 */
async function verified(request: HttpRequest, secret: string, config: GuardianConfig, env: Runtime['env'], now: Date): Promise<SignatureCheck> {
  const first = checkSlackRequest(request, secret, now);
  if (first.ok || !first.mismatch || env.slackOverrides.signingSecret || Date.now() - lastRefetch < REFETCH_EVERY_MS) return first;
  lastRefetch = Date.now();
  const fresh = await slackSigningSecret(config, env, { fresh: true });
  if (!fresh || fresh === secret) return first;
  const again = checkSlackRequest(request, fresh, now);
  if (again.ok) logger.info('the Slack signing secret was rotated: verified with the one read afresh');
  return again;
}

/** Tests: the next mismatch may read the secret afresh at once. */
export const resetSecretRefetch = () => void (lastRefetch = 0);

/**
 * Slack's answer to a modal's submission: an empty 200 closes it; a refused or
 * invalid one keeps it open, the reason shown under the input (response_action errors).
 */
function submissionAnswer(result: ClickResult): HttpResponse {
  if (result.status !== 'refused' && result.status !== 'invalid') return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };
  const why = result.status === 'refused' ? `Not rejected: ${result.reason}` : result.reason;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_action: 'errors', errors: { [REASON_BLOCK]: truncate(why, 300) } }) };
}

function tableOf(env: Runtime['env']): string {
  if (!env.table) throw new Error('GUARDIAN_TABLE is not set: the name of the state table');
  return env.table;
}

/** The caller is told the status only; the log says why. */
function refuse(status: number, reason: string): HttpResponse {
  logger.warn('Slack request refused', { status, reason });
  metrics.addMetric('SlackRequestRefused', MetricUnit.Count, 1);
  return plainAnswer(status, status === 405 ? { allow: 'POST' } : {});
}

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) => httpHandler('SlackInteractions', (request, context, runtime) => slackInteractions(request, context, runtime), given);

export const handler = createHandler();
