import './zod-messages.js';
import * as z from 'zod/mini';
import { STATUS_CODES } from 'node:http';

// A Lambda Function URL request (payload format 2.0, the shape API Gateway
// HTTP APIs use) reduced to what a handler needs, and the answer it gives.
// Only the fields read here are checked; Lambda sends more (cookies,
// requestContext.http.sourceIp, ...), which pass through unread.

/** An HTTP request as the handler sees it. */
export interface HttpRequest {
  method: string;
  path: string;
  /** The query string as sent, without the `?`. */
  query: string;
  /** Header names in lower case (HTTP names are case-insensitive; Lambda already lower-cases them). */
  headers: Record<string, string>;
  /** The body exactly as sent: decoded from base64 when Lambda encoded it, never re-encoded, so a signature over it verifies. */
  rawBody: Buffer;
  /** Lambda's id of the request, for logs. */
  requestId?: string;
}

/** The handler's answer (Function URL response payload). */
export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

/** The request schema, made on use: a function that serves no HTTP leaves it out of its bundle. */
export const functionUrlRequestSchema = () =>
  z.pipe(
    z.object({
      rawPath: z.string(),
      rawQueryString: z.optional(z.string()),
      headers: z.optional(z.record(z.string(), z.string())),
      body: z.optional(z.string()),
      isBase64Encoded: z.boolean(),
      requestContext: z.object({ http: z.object({ method: z.string().check(z.minLength(1)) }), requestId: z.optional(z.string()) }),
    }),
    z.transform(
      (r): HttpRequest => ({
        method: r.requestContext.http.method,
        path: r.rawPath,
        query: r.rawQueryString ?? '',
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
        rawBody: r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8'),
        ...(r.requestContext.requestId ? { requestId: r.requestContext.requestId } : {}),
      }),
    ),
  );

/** What a caller is told when the request is refused (4xx) or the handler failed (5xx): the status's name, never why, which is in the log. */
export const plainAnswer = (statusCode: number, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body: STATUS_CODES[statusCode] ?? String(statusCode),
});
