import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { REGION } from './environment';
import { readEnv } from '../shared/config/env';
import { readTableDefinition } from './service-definition';

// DynamoDB for local runs and tests: dynalite (DynamoDB's API on an in-memory
// LevelDB) in this process, on 127.0.0.1 and a random port. The state table is
// created through the real SDK with the key schema and indexes serverless.yml deploys, so
// the function talks to it exactly as to the real table.

export interface LocalDynamo {
  /** For AWS_ENDPOINT_URL_DYNAMODB. */
  endpoint: string;
  /** For GUARDIAN_TABLE. */
  tableName: string;
  /**
   * Added to every request before dynalite sees it (0: none), so tests and the
   * bench can contend for an item as over a network, where conflicts happen.
   */
  latencyMs: number;
  /** Requests received so far. */
  requests: number;
  close(): Promise<void>;
}

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** Dummy credentials: dynalite checks that requests are signed, not by whom. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalDynamo(tableName = 'cicd-guardian-local-state', options: { latencyMs?: number } = {}): Promise<LocalDynamo> {
  const local = { latencyMs: options.latencyMs ?? 0, requests: 0 };
  // dynalite ships no type declarations.
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite answers through one 'request' listener: put the latency and the count in front of it.
  const answer = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    local.requests++;
    if (local.latencyMs > 0) setTimeout(() => answer.call(server, req, res), local.latencyMs);
    else answer.call(server, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  const close = () =>
    new Promise<void>((resolve, reject) => {
      // SDK clients keep connections alive; without this, close waits for them.
      server.closeAllConnections();
      server.close((error?: Error) => (error ? reject(error) : resolve()));
    });

  const client = new DynamoDBClient({ endpoint, region: readEnv().region ?? REGION, credentials: LOCAL_CREDENTIALS });
  try {
    const table = readTableDefinition();
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: table.attributeDefinitions,
        KeySchema: table.keySchema,
        ...(table.globalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes } : {}),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // createTableMs: 0 makes the table ACTIVE at once; checked rather than assumed.
    for (let i = 0; ; i++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      if (i >= 50) throw new Error(`local table ${tableName} is still ${Table?.TableStatus}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }
  local.requests = 0; // the table's creation is not the caller's
  return Object.assign(local, { endpoint, tableName, close });
}
