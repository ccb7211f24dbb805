import { WebClient, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import type { KnownBlock } from '@slack/types';
import type { Deadline } from '../runtime/deadline.js';

// Talks to Slack through the official clients. Slack allows about one message
// per second per channel; a 429 carries Retry-After, which we honour while the
// invocation's time budget allows. 5xx and network errors are retried with
// backoff by the client; past the budget the error propagates, the invocation
// fails, and Lambda's retries and then the dead-letter queue take over.

export interface SlackContent {
  text: string;
  blocks: KnownBlock[];
}

/** Slack could not be reached in time, or refused; worth retrying later. */
export class SlackUnavailableError extends Error {
  override readonly name = 'SlackUnavailableError';
}

const REQUEST_TIMEOUT_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryConfig(deadline: Deadline) {
  return { retries: 5, factor: 2, minTimeout: 250, maxTimeout: 4000, randomize: true, maxRetryTime: deadline.remainingMs() };
}

/** Runs `call`, waiting out 429s while the deadline allows. */
async function withRateLimit<T>(what: string, deadline: Deadline, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const retryAfterMs = rateLimitedFor(error);
      if (retryAfterMs === undefined) throw error;
      if (retryAfterMs + REQUEST_TIMEOUT_MS > deadline.remainingMs()) {
        throw new SlackUnavailableError(`${what}: rate limited by Slack for ${retryAfterMs / 1000}s, more than this invocation has left`);
      }
      await sleep(retryAfterMs);
    }
  }
}

function rateLimitedFor(error: unknown): number | undefined {
  if (error instanceof WebAPIRateLimitedError) return error.retryAfter * 1000;
  const status = (error as { statusCode?: unknown }).statusCode;
  // Incoming webhooks answer 429 without exposing Retry-After: wait a second, Slack's per-channel pace.
  if (status === 429) return 1000;
  return undefined;
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
      retryConfig: retryConfig(deadline),
      timeout: REQUEST_TIMEOUT_MS,
      allowAbsoluteUrls: false,
    });
  }

  /** Posts a message; returns its ts and the channel id Slack resolved. */
  async post(channel: string, content: SlackContent): Promise<{ ts: string; channelId: string }> {
    const res = await withRateLimit(`chat.postMessage to ${channel}`, this.deadline, () =>
      this.client.chat.postMessage({ channel, text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false }),
    );
    if (!res.ts || !res.channel) throw new SlackUnavailableError(`chat.postMessage to ${channel} returned no ts`);
    return { ts: res.ts, channelId: res.channel };
  }

  /** Updates a posted message in place. False when the message is gone (deleted by someone). */
  async update(channelId: string, ts: string, content: SlackContent): Promise<boolean> {
    try {
      await withRateLimit(`chat.update in ${channelId}`, this.deadline, () =>
        this.client.chat.update({ channel: channelId, ts, text: content.text, blocks: content.blocks }),
      );
      return true;
    } catch (error) {
      if (error instanceof WebAPIPlatformError && error.data.error === 'message_not_found') return false;
      throw error;
    }
  }

  async reply(channelId: string, threadTs: string, content: SlackContent, broadcast: boolean): Promise<void> {
    await withRateLimit(`thread reply in ${channelId}`, this.deadline, () =>
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
    this.webhook = new IncomingWebhook(url, { timeout: REQUEST_TIMEOUT_MS, retryConfig: retryConfig(deadline) });
  }

  async send(content: SlackContent): Promise<void> {
    await withRateLimit('incoming webhook', this.deadline, () =>
      this.webhook.send({ text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false }),
    );
  }
}
