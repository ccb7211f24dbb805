import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

// A local stand-in for Slack's Web API (chat.postMessage, chat.update, views.open) and an
// incoming webhook, spoken to by the official clients through SLACK_API_URL, and
// interactions' response_url (https://hooks.slack.com/actions/... answered at /actions/...).
// Tests script failures (429 with Retry-After, 5xx, Slack error codes, a
// channel or token Slack refuses) and read what was sent; the local runner
// prints each message as Slack would show it.

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  /** The token the client sent (Authorization header). */
  token?: string;
  at: number;
  /** The ts Slack answered for a posted message. */
  ts?: string;
  /** The channel id Slack answered (a channel named "#name" gets an id of its own). */
  channel?: string;
}

type ScriptedFailure = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string } | { hang: true };

export interface SlackStandIn {
  /** Base URL for SLACK_API_URL (ends with /api/). */
  apiUrl: string;
  /** URL of the incoming webhook. */
  webhookUrl: string;
  calls: SlackCall[];
  /** The next requests fail as given, in order. */
  failNext(...failures: ScriptedFailure[]): void;
  /** Every call to `channel` (as the client names it) answers `ok: false` with `error`, until recover(). */
  refuseChannel(channel: string, error: string): void;
  /** Every call made with `token` answers `invalid_auth` (the token was rotated or revoked), until recover(). */
  revokeToken(token: string): void;
  /** Calls answered with a Slack error code (scripted or refused), in order. */
  refused: (SlackCall & { error: string })[];
  /** When a client gave up on a request the stand-in never answered (`{ hang: true }`). */
  abandonedAt: number[];
  /** Drops failures still scripted, refused channels and revoked tokens (Slack is back). */
  recover(): void;
  /** recover(), and forget every call, refusal and abandoned request recorded so far: a clean slate per test. */
  reset(): void;
  /** Called for every accepted call (the local runner prints them). */
  onCall?: (call: SlackCall) => void;
  close(): Promise<void>;
}

/** A request body as the Slack clients send it: JSON, or form-encoded. */
function parseBody(text: string, headers: IncomingHttpHeaders): Record<string, unknown> {
  if (!text) return {};
  if ((headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  // The Web API client sends form-encoded bodies; structured arguments are JSON strings.
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    try {
      out[k] = v.startsWith('[') || v.startsWith('{') ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const failures: ScriptedFailure[] = [];
  const channelIds = new Map<string, string>();
  let seq = 0;
  let views = 0;
  const hung: (() => void)[] = [];
  const refusedChannels = new Map<string, string>();
  const revokedTokens = new Set<string>();

  const stand: SlackStandIn = {
    apiUrl: '',
    webhookUrl: '',
    calls: [],
    refused: [],
    abandonedAt: [],
    failNext: (...f) => failures.push(...f),
    refuseChannel: (channel, error) => refusedChannels.set(channel, error),
    revokeToken: (token) => revokedTokens.add(token),
    recover: () => {
      failures.splice(0);
      refusedChannels.clear();
      revokedTokens.clear();
    },
    reset: () => {
      stand.recover();
      stand.calls.splice(0);
      stand.refused.splice(0);
      stand.abandonedAt.splice(0);
    },
    close: () =>
      new Promise((resolve) => {
        hung.forEach((end) => end());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const channelId = (name: string) => {
    if (/^[CGD][A-Z0-9]{6,}$/.test(name)) return name;
    let id = channelIds.get(name);
    if (!id) {
      id = `C${String(channelIds.size + 1).padStart(8, '0')}`;
      channelIds.set(name, id);
    }
    return id;
  };

  const server: Server = createServer(async (req, res) => {
    const body = parseBody(await readBody(req), req.headers);
    const url = req.url ?? '';
    const method = url.startsWith('/webhook') ? 'webhook' : url.startsWith('/actions/') ? 'response_url' : url.replace(/^\/api\//, '').split('?')[0]!;
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined;
    const refuse = (error: string) => {
      stand.refused.push({ method, body, token, at: Date.now(), error });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error }));
    };
    const failure = failures.shift();
    if (failure) {
      if ('hang' in failure) {
        res.on('close', () => stand.abandonedAt.push(Date.now()));
        hung.push(() => res.destroy());
        return;
      }
      if ('status' in failure) {
        res.writeHead(failure.status, failure.status === 429 ? { 'Retry-After': String(failure.retryAfter) } : {});
        res.end(failure.status === 429 ? '{"ok":false,"error":"ratelimited"}' : 'upstream error');
        return;
      }
      return refuse(failure.error);
    }
    if (token && revokedTokens.has(token)) return refuse('invalid_auth');
    const refusal = refusedChannels.get(String(body.channel ?? ''));
    if (refusal) return refuse(refusal);
    const call: SlackCall = { method, body, token, at: Date.now() };
    stand.calls.push(call);
    stand.onCall?.(call);

    const plain = method === 'webhook' || method === 'response_url';
    res.writeHead(200, { 'content-type': plain ? 'text/plain' : 'application/json' });
    if (plain) return void res.end('ok');
    const channel = channelId(String(body.channel ?? ''));
    call.channel = channel;
    if (method === 'chat.postMessage') {
      seq += 1;
      call.ts = `1700000000.${String(seq).padStart(6, '0')}`;
      return void res.end(JSON.stringify({ ok: true, channel, ts: call.ts, message: { text: body.text } }));
    }
    if (method === 'chat.update') return void res.end(JSON.stringify({ ok: true, channel, ts: body.ts }));
    if (method === 'views.open') {
      const view = typeof body.view === 'string' ? (JSON.parse(body.view) as Record<string, unknown>) : body.view;
      return void res.end(JSON.stringify({ ok: true, view: { ...(view as object), id: `V${String(++views).padStart(10, '0')}` } }));
    }
    res.end(JSON.stringify({ ok: false, error: 'unknown_method' }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  stand.apiUrl = `http://127.0.0.1:${port}/api/`;
  stand.webhookUrl = `http://127.0.0.1:${port}/webhook/T000/B000/local`;
  return stand;
}
