import { createHmac } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../../local/lambda-context';
import { httpHandler, type HttpRequest, type HttpResponse } from '../../../shared/runtime/middleware';
import { logger } from '../../../shared/runtime/observability';

// The HTTP face of the one middy stack, for a Lambda Function URL (payload
// format 2.0, as the AWS Lambda developer guide documents the request and
// response payloads): the handler gets the method, path, headers and the
// body exactly as sent (decoded from base64 when Lambda encoded it), so it
// can check a signature over those bytes; it answers { statusCode, headers?,
// body }. Its failures answer 500 without saying why; a request that is not
// a Function URL event answers 400.

/** A Function URL request as Lambda passes it (payload format 2.0): a form POST, its body base64-encoded. */
function functionUrlRequest(body: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/slack/interactions',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': '1764648000',
      'x-slack-signature': 'v0=00',
      host: 'abcdefghij.lambda-url.us-east-1.on.aws',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: { method: 'POST', path: '/slack/interactions', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'Slackbot 1.0' },
      requestId: 'b2f1c3d4-0000-4000-8000-000000000001',
      routeKey: '$default',
      stage: '$default',
      time: '02/Dec/2026:04:00:00 +0000',
      timeEpoch: 1764648000000,
    },
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
    ...overrides,
  };
}

const context = (): Context => lambdaContext({ functionName: 'cicd-guardian-test-http', budgetMs: 10_000 });
const FORM = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [{ value: 'approve é' }] }))}`;

describe('the HTTP face of the handler stack (Lambda Function URL)', () => {
  it('passes the method, path, headers and the body bytes as sent, decoded from base64, and returns the handler answer', async () => {
    const seen: HttpRequest[] = [];
    const handler = httpHandler('Echo', async (request) => {
      seen.push(request);
      return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
    });

    const answer = await handler(functionUrlRequest(FORM), context());

    expect(answer).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.path).toBe('/slack/interactions');
    expect(seen[0]!.headers['x-slack-request-timestamp']).toBe('1764648000');
    expect(Buffer.isBuffer(seen[0]!.rawBody)).toBe(true);
    expect(seen[0]!.rawBody.equals(Buffer.from(FORM, 'utf8'))).toBe(true);
  });

  it('keeps bytes that are not UTF-8 exactly, so a signature over them still verifies', async () => {
    const bytes = Buffer.from([0x70, 0x3d, 0xff, 0xfe, 0x00, 0xc3]);
    const secret = 'signing-secret';
    const sign = (body: Buffer) => createHmac('sha256', secret).update(Buffer.concat([Buffer.from('v0:1764648000:'), body])).digest('hex');
    const handler = httpHandler('Verify', async ({ rawBody }) => ({ statusCode: 200, body: sign(rawBody) }));

    const answer = await handler(functionUrlRequest('', { body: bytes.toString('base64') }), context());

    expect(answer).toEqual({ statusCode: 200, body: sign(bytes) });
  });

  it('takes a body Lambda did not encode as its UTF-8 text', async () => {
    const handler = httpHandler('Echo', async ({ rawBody }) => ({ statusCode: 200, body: rawBody.toString('utf8') }));

    const answer = await handler(functionUrlRequest('', { body: '{"a":"é"}', isBase64Encoded: false }), context());

    expect(answer).toEqual({ statusCode: 200, body: '{"a":"é"}' });
  });

  it('gives a request without a body an empty one', async () => {
    const handler = httpHandler('Echo', async ({ rawBody, method }) => ({ statusCode: 200, body: `${method} ${rawBody.length}` }));
    const request = functionUrlRequest('', { isBase64Encoded: false });
    delete request.body;
    (request.requestContext as { http: { method: string } }).http.method = 'GET';

    expect(await handler(request, context())).toEqual({ statusCode: 200, body: 'GET 0' });
  });

  it('finds headers by their lower-case name, whatever case the invoker used', async () => {
    const handler = httpHandler('Echo', async ({ headers }) => ({ statusCode: 200, body: headers['x-slack-signature'] ?? 'missing' }));

    const answer = await handler(functionUrlRequest('', { headers: { 'X-Slack-Signature': 'v0=abc' } }), context());

    expect(answer).toEqual({ statusCode: 200, body: 'v0=abc' });
  });

  it("returns the handler's own 4xx answer to a bad request", async () => {
    const handler = httpHandler('Strict', async () => ({ statusCode: 401, body: 'invalid signature' }));

    expect(await handler(functionUrlRequest(FORM), context())).toEqual({ statusCode: 401, body: 'invalid signature' });
  });

  it('answers 500 when the handler fails, logging the error but not showing it to the caller', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const handler = httpHandler('Broken', async (): Promise<HttpResponse> => {
        throw new Error('table cicd-guardian-prod-state: AccessDeniedException for arn:aws:iam::123456789012:role/secret');
      });

      const answer = await handler(functionUrlRequest(FORM), context());

      expect(answer).toEqual({ statusCode: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Internal Server Error' });
      expect(error).toHaveBeenCalledWith('Broken failed', expect.objectContaining({ requestId: 'b2f1c3d4-0000-4000-8000-000000000001', error: expect.any(Error) }));
    } finally {
      error.mockRestore();
    }
  });

  it('answers 400 to an invocation that is not a Function URL request, naming what is wrong in the log, and never calls the handler', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const handler = jest.fn(async (): Promise<HttpResponse> => ({ statusCode: 200, body: 'ok' }));
      const request = functionUrlRequest(FORM, { requestContext: { http: {} }, isBase64Encoded: 'yes' });

      const answer = await httpHandler('Echo', handler)(request, context());

      expect(answer).toEqual({ statusCode: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Bad Request' });
      expect(handler).not.toHaveBeenCalled();
      const [, details] = error.mock.calls.find(([message]) => String(message).startsWith('invalid request')) ?? [];
      expect((details as { issues: string[] }).issues).toEqual(
        expect.arrayContaining([expect.stringMatching(/^isBase64Encoded: /), expect.stringMatching(/^requestContext\.http\.method: /)]),
      );
    } finally {
      error.mockRestore();
    }
  });
});
