import { ErrorCode, WebClient, WebAPIPlatformError, WebAPIRateLimitedError, type WebClientOptions } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import type { SlackMessage as SlackContent } from '../messages/slack.js';
import type { Deadline } from '../runtime/deadline.js';
import { isSlackResponseUrl } from '../events/slack-interaction.js';

// Talks to Slack through the official clients. Slack allows about one message
// per second per channel; a 429 carries Retry-After, which we honour while the
// invocation's time budget allows. 5xx and network errors are retried with
// backoff; past the budget the error propagates, the invocation fails, and
// Lambda's retries and then the dead-letter queue take over. Errors no retry
// can fix (the channel, the token, the message itself) are never retried.

/** Slack could not be reached in time, or refused; worth retrying later. */
export class SlackUnavailableError extends Error {
  override readonly name = 'SlackUnavailableError';
}

/** Slack's answers that no retry can change, and what a person must do about each. */
export const PERMANENT_SLACK_ERRORS = {
  channel_not_found: (channel: string) => `check that ${channel} exists and is spelled as in guardian.yml; for a private channel, invite the app to it`,
  not_in_channel: (channel: string) => `invite the app to ${channel} (/invite @app), or add the chat:write.public scope`,
  invalid_auth: (_channel: string, tokenRefetched: boolean) =>
    tokenRefetched
      ? 'the bot token is invalid even after fetching it again: check the token stored for slack.botToken in guardian.yml'
      : 'the bot token is invalid: check the token in SLACK_BOT_TOKEN (it overrides guardian.yml in local runs), else the one stored for slack.botToken in guardian.yml',
  account_inactive: () => 'the token belongs to a deactivated user or workspace: reinstall the app and store its new bot token',
  msg_too_long: () => 'the message is longer than Slack accepts: a rendering bug, report it with the event',
} as const;
export type PermanentSlackError = keyof typeof PERMANENT_SLACK_ERRORS;

/** Slack refused in a way that will never succeed: not retried, by us or by Lambda. */
export class SlackRefusedError extends Error {
  override readonly name = 'SlackRefusedError';
  constructor(
    readonly code: PermanentSlackError,
    what: string,
    options?: ErrorOptions,
    /** On invalid_auth: whether the token was read again past its cache before giving up. */
    readonly tokenRefetched = false,
  ) {
    super(`${what}: Slack answered ${code}`, options);
  }
  /** What a person must do about it, for `channel`. */
  advice(channel: string): string {
    return PERMANENT_SLACK_ERRORS[this.code](channel, this.tokenRefetched);
  }
  /** Whether every call with this token will fail too, not only calls to this channel or with this message. */
  get tokenRefused(): boolean {
    return this.code === 'invalid_auth' || this.code === 'account_inactive';
  }
  get channelRefused(): boolean {
    return this.code === 'channel_not_found' || this.code === 'not_in_channel';
  }
}

const platformErrorOf = (error: unknown): string | undefined => (error instanceof WebAPIPlatformError ? error.data.error : undefined);
const isPermanent = (code: string | undefined): code is PermanentSlackError => code !== undefined && Object.hasOwn(PERMANENT_SLACK_ERRORS, code);

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
      if (deadline.remainingMs() <= 0) throw new SlackUnavailableError(`${what}: not attempted, the invocation has no time left`);
      return await call();
    } catch (error) {
      if (error instanceof SlackUnavailableError) throw error;
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

/**
 * The clients' fetch, with each attempt's timeout cut to what the invocation
 * has left: an attempt that outlived the Lambda could still post after it
 * died, and the retried invocation would post a second time.
 */
const fetchWithin =
  (deadline: Deadline): NonNullable<WebClientOptions['fetch']> =>
  (url, init) =>
    fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, Math.min(REQUEST_TIMEOUT_MS, deadline.remainingMs()))) } as RequestInit);

export interface SlackNotifierOptions {
  /** The Web API's base URL (SLACK_API_URL: a local stand-in); default Slack's. */
  apiUrl?: string | undefined;
  /** Reads the bot token again, bypassing any cache: on invalid_auth it may have been rotated. None for a token given locally. */
  refreshToken?: () => Promise<string | undefined>;
}

export class SlackNotifier {
  private client: WebClient;
  private token: string;
  private refreshed = false;
  private readonly apiUrl: string | undefined;
  private readonly refreshToken: SlackNotifierOptions['refreshToken'];

  constructor(
    token: string,
    private readonly deadline: Deadline,
    { apiUrl, refreshToken }: SlackNotifierOptions = {},
  ) {
    this.apiUrl = apiUrl;
    this.refreshToken = refreshToken;
    this.token = token;
    this.client = this.clientFor(token);
  }

  private clientFor(token: string): WebClient {
    return new WebClient(token, {
      slackApiUrl: this.apiUrl ? this.apiUrl.replace(/\/?$/, '/') : undefined,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 0, // fetchWithin sets each attempt's
      fetch: fetchWithin(this.deadline),
      allowAbsoluteUrls: false,
    });
  }

  /** One Web API call with its retries; a permanent refusal becomes a SlackRefusedError, after one fresh token on invalid_auth. */
  private async call<T>(what: string, run: (client: WebClient) => Promise<T>): Promise<T> {
    try {
      return await withRetries(what, this.deadline, () => run(this.client));
    } catch (error) {
      const code = platformErrorOf(error);
      if (code === 'invalid_auth' && this.refreshToken && !this.refreshed) {
        this.refreshed = true;
        const fresh = await this.refreshToken();
        if (fresh && fresh !== this.token) {
          this.token = fresh;
          this.client = this.clientFor(fresh);
          return this.call(what, run);
        }
      }
      if (isPermanent(code)) throw new SlackRefusedError(code, what, { cause: error }, this.refreshed);
      throw error;
    }
  }

  /** Posts a message (in a thread, given its ts); returns its ts and the channel id Slack resolved. */
  async post(channel: string, content: SlackContent, threadTs?: string): Promise<{ ts: string; channelId: string }> {
    const res = await this.call(`chat.postMessage to ${channel}`, (client) =>
      client.chat.postMessage({ channel, text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    );
    if (!res.ts || !res.channel) throw new SlackUnavailableError(`chat.postMessage to ${channel} returned no ts`);
    return { ts: res.ts, channelId: res.channel };
  }

  /** Updates a posted message in place. False when the message is gone (deleted by someone). */
  async update(channelId: string, ts: string, content: SlackContent): Promise<boolean> {
    try {
      await this.call(`chat.update in ${channelId}`, (client) =>
        client.chat.update({ channel: channelId, ts, text: content.text, blocks: content.blocks }),
      );
      return true;
    } catch (error) {
      if (error instanceof WebAPIPlatformError && error.data.error === 'message_not_found') return false;
      throw error;
    }
  }

  /** Opens a modal for the user whose interaction gave `triggerId` (views.open; no scope beyond the bot token's). */
  async openView(triggerId: string, view: Record<string, unknown>): Promise<void> {
    await this.call('views.open', (client) => client.views.open({ trigger_id: triggerId, view: view as unknown as Parameters<WebClient['views']['open']>[0]['view'] }));
  }

  async reply(channelId: string, threadTs: string, content: SlackContent, broadcast: boolean): Promise<void> {
    await this.call(`thread reply in ${channelId}`, (client) =>
      client.chat.postMessage({
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
    this.webhook = new IncomingWebhook(url, { timeout: 0, fetch: fetchWithin(deadline), retryConfig: { retries: 0 } });
  }

  async send(content: SlackContent): Promise<void> {
    await withRetries('incoming webhook', this.deadline, () =>
      this.webhook.send({ text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false }),
    );
  }
}

/** What a response_url is sent: a message only the clicking user sees, the original message left as it is. */
export const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

/** Answers the user who clicked, privately, through the interaction's response_url (the incoming-webhook client speaks its protocol). */
export class SlackResponder {
  constructor(
    private readonly deadline: Deadline,
    /** Local runs (SLACK_API_URL): the stand-in's origin takes hooks.slack.com's place, the path kept. */
    private readonly localApiUrl?: string,
  ) {}

  async respond(responseUrl: string, text: string): Promise<void> {
    if (!isSlackResponseUrl(responseUrl)) throw new Error(`not a Slack response_url (expected https://hooks.slack.com/actions/...), not posted to: ${responseUrl.slice(0, 100)}`);
    const url = this.localApiUrl ? new URL(new URL(responseUrl).pathname, this.localApiUrl).href : responseUrl;
    const hook = new IncomingWebhook(url, { timeout: 0, fetch: fetchWithin(this.deadline), retryConfig: { retries: 0 } });
    await withRetries('response_url', this.deadline, () => hook.send(ephemeral(text) as Parameters<IncomingWebhook['send']>[0]));
  }
}
