import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http-body';
import { AWS_QUERY, EC2_QUERY, awsJson, operationSchemas, queryInput, queryXml } from './shapes';
import type { FakeAws } from './world';

// The fake AWS world for callers in other processes (`sls invoke local`
// through AWS_ENDPOINT_URL): a generic HTTP front with no per-operation code.
// The service is the one SigV4's credential scope names, the operation the
// X-Amz-Target header's (AWS JSON protocols) or the form's Action (awsQuery);
// the input is decoded from the operation's schema and sent through the
// service's (mocked) SDK client in this process, signed by the caller's access
// key, so the fakes answer exactly as they answer in process. The output goes
// back JSON (timestamps as epoch seconds) or awsQuery XML.

export interface AwsFront {
  /** For AWS_ENDPOINT_URL. */
  endpoint: string;
  close(): Promise<void>;
}

interface Wire {
  operation: string;
  query: boolean;
  /** awsQuery's API version (the answer's XML namespace). */
  version?: string;
}

export async function startAwsFront(world: FakeAws): Promise<AwsFront> {
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const target = req.headers['x-amz-target'];
    // "AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, ..."
    const [, signedBy = 'anonymous', region = 'us-east-1', signingName = ''] = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\/([^/]+)\//.exec(req.headers.authorization ?? '') ?? [];
    const params = new URLSearchParams(typeof target === 'string' ? '' : text);
    const wire: Wire = typeof target === 'string' ? { operation: target.split('.').pop() ?? target, query: false } : { operation: params.get('Action') ?? '', query: true, version: params.get('Version') ?? undefined };
    const contentType = typeof target === 'string' ? (req.headers['content-type'] ?? 'application/x-amz-json-1.1') : 'text/xml';
    const service = world.bySigningName.get(signingName);
    const schemas = service && operationSchemas(service.module, wire.operation);
    const Command = service?.module[`${wire.operation}Command`] as (new (input: unknown) => unknown) | undefined;
    if (!service || !schemas || !Command) {
      const code = wire.query ? 'InvalidAction' : 'UnknownOperationException';
      world.calls.push({ service: service?.name ?? (signingName || 'unknown'), operation: wire.operation || `${req.method} ${req.url}`, input: {}, status: 400, errorCode: code });
      return answerError(res, wire, contentType, 400, code, `${signingName || 'unknown service'} ${wire.operation} has no local fake (local/fakes/services.ts)`);
    }
    let input: unknown;
    try {
      input = wire.query ? queryInput(schemas.input, params, '', signingName === 'ec2' ? EC2_QUERY : AWS_QUERY) : text ? JSON.parse(text) : {};
    } catch {
      return answerError(res, wire, contentType, 400, 'SerializationException', 'Start of structure or map found where not expected');
    }
    const client = new service.Client({ region, credentials: { accessKeyId: signedBy, secretAccessKey: 'front' } });
    try {
      const { $metadata: _, ...output } = await client.send(new Command(input));
      const requestId = randomUUID();
      if (!wire.query) return res.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': requestId }).end(awsJson(output));
      const op = wire.operation;
      if (signingName === 'ec2') {
        return res.writeHead(200, { 'content-type': contentType }).end(`<${op}Response xmlns="${namespace(signingName, wire)}"><requestId>${requestId}</requestId>${queryXml(schemas.output, output, EC2_QUERY)}</${op}Response>`);
      }
      res
        .writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': requestId })
        .end(`<${op}Response xmlns="${namespace(signingName, wire)}"><${op}Result>${queryXml(schemas.output, output)}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`);
    } catch (error) {
      const e = error as { Code?: string; name: string; message: string; $metadata?: { httpStatusCode?: number } };
      answerError(res, wire, contentType, e.$metadata?.httpStatusCode ?? 500, e.Code ?? e.name, e.message, signingName === 'ec2');
    } finally {
      client.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const namespace = (signingName: string, wire: Wire) => `https://${signingName}.amazonaws.com/doc/${wire.version ?? ''}/`;
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function answerError(res: ServerResponse, wire: Wire, contentType: string, status: number, code: string, message: string, ec2 = false) {
  const requestId = randomUUID();
  if (ec2) {
    return res.writeHead(status, { 'content-type': contentType }).end(`<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
  }
  if (!wire.query) {
    return res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': requestId, 'x-amzn-errortype': code }).end(JSON.stringify({ __type: code, message }));
  }
  res
    .writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': requestId })
    .end(`<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
}
