import { randomUUID } from 'node:crypto';
import { loadScenario, rekeyEvent } from '../../local/scenario';
import type { JsonObject } from './fixtures';

/**
 * The bundled scenario (a payments-api execution that fails in Deploy) as raw
 * EventBridge events, re-keyed to a fresh execution id and fresh event ids so
 * each test has an execution of its own.
 */
export function freshScenario(executionId = randomUUID()): JsonObject[] {
  return loadScenario().map(({ event }) => rekeyEvent(event, executionId, randomUUID()) as JsonObject);
}
