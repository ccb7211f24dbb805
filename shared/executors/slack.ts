import { ErrorCode, WebClient, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import type { SlackMessage as SlackContent } from '../messages/slack.js';
import type { Deadline } from '../runtime/deadline.js';

// Talks to Slack through the official clients. Slack allows about one message
// per second per channel; a 429 carries Retry-After, which we honour while the
// invocation's time budget allows. 5xx and network errors are retried with
// backoff; past the budget the error propagates, the invocation fails, and
// Lambda's retries and then the dead-letter queue take over.

/** Slack could not be reached in time, or refused; worth retrying later. */
export class SlackUnavailableError extends Error {
  override readonly name = 'SlackUnavailableError';
}

const REQUEST_TIMEOUT_MS = 5000;
const FIRST_BACKOFF_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `call`, retrying what is worth retrying (429 after its Retry-After;
 * 5xx, timeouts and network errors with exponential backoff and jitter) for
 * as long as the invocation's deadline leaves room for one more attempt.
 * The clients' own retries are off so that this one loop owns the budget.
 */
async function withRetries<T>(what: string, deadline: Deadline, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const wait = rateLimitedFor(error) ?? (isTransient(error) ? FIRST_BACKOFF_MS * 2 ** attempt * (0.5 + Math.random() / 2) : undefined);
      if (wait === undefined) throw error;
      if (wait + REQUEST_TIMEOUT_MS > deadline.remainingMs()) {
        const why = rateLimitedFor(error) !== undefined ? `rate limited by Slack for ${Math.round(wait / 1000)}s` : (error as Error).message;
        throw new SlackUnavailableError(`${what}: ${why}; giving up after ${attempt + 1} attempt(s), the invocation has ${deadline.remainingMs()} ms left`, { cause: error });
      }
      await sleep(wait);
    }
  }
}

function rateLimitedFor(error: unknown): number | undefined {
  if (error instanceof WebAPIRateLimitedError) return error.retryAfter * 1000;
  // Incoming webhooks answer 429 without exposing Retry-After: wait a second, Slack's per-channel pace.
  if ((error as { statusCode?: unknown }).statusCode === 429) return 1000;
  return undefined;
}

/** Server errors and failures to get an answer at all; Slack's platform errors (ok: false) are not. */
function isTransient(error: unknown): boolean {
  if (error instanceof WebAPIPlatformError) return false;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') return status >= 500;
  const code = (error as { code?: unknown }).code;
  return code === ErrorCode.RequestError || code === ErrorCode.HTTPError || code === 'slack_webhook_request_error';
}

export class SlackNotifier {
  private readonly client: WebClient;

  constructor(
    token: string,
    private readonly deadline: Deadline,
    apiUrl = process.env.SLACK_API_URL,
  ) {
    this.client = new WebClient(token, {
      slackApiUrl: apiUrl ? apiUrl.replace(/\/?$/, '/') : undefined,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: REQUEST_TIMEOUT_MS,
      allowAbsoluteUrls: false,
    });
  }

  /** Posts a message; returns its ts and the channel id Slack resolved. */
  async post(channel: string, content: SlackContent): Promise<{ ts: string; channelId: string }> {
    const res = await withRetries(`chat.postMessage to ${channel}`, this.deadline, () =>
      this.client.chat.postMessage({ channel, text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false }),
    );
    if (!res.ts || !res.channel) throw new SlackUnavailableError(`chat.postMessage to ${channel} returned no ts`);
    return { ts: res.ts, channelId: res.channel };
  }

  /** Updates a posted message in place. False when the message is gone (deleted by someone). */
  async update(channelId: string, ts: string, content: SlackContent): Promise<boolean> {
    try {
      await withRetries(`chat.update in ${channelId}`, this.deadline, () =>
        this.client.chat.update({ channel: channelId, ts, text: content.text, blocks: content.blocks }),
      );
      return true;
    } catch (error) {
      if (error instanceof WebAPIPlatformError && error.data.error === 'message_not_found') return false;
      throw error;
    }
  }

  async reply(channelId: string, threadTs: string, content: SlackContent, broadcast: boolean): Promise<void> {
    await withRetries(`thread reply in ${channelId}`, this.deadline, () =>
      this.client.chat.postMessage({
        channel: channelId,
        thread_ts: threadTs,
        reply_broadcast: broadcast,
        text: content.text,
        blocks: content.blocks,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
  }
}

/** Posts through an incoming webhook (its channel is fixed by Slack). */
export class SlackWebhookNotifier {
  private readonly webhook: IncomingWebhook;

  constructor(
    url: string,
    private readonly deadline: Deadline,
  ) {
    this.webhook = new IncomingWebhook(url, { timeout: REQUEST_TIMEOUT_MS, retryConfig: { retries: 0 } });
  }

  async send(content: SlackContent): Promise<void> {
    await withRetries('incoming webhook', this.deadline, () =>
      this.webhook.send({ text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false }),
    );
  }
}
