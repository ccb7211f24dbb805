import { randomUUID } from 'node:crypto';
import { listEvents, loadEvent, type JsonObject } from './fixtures';

/**
 * The bundled scenario (a payments-api execution that fails in Deploy) as raw
 * EventBridge events, re-keyed to a fresh execution id and fresh event ids so
 * each test has an execution of its own.
 */
export function freshScenario(executionId = randomUUID()): JsonObject[] {
  return listEvents('scenarios/pipeline-fails-in-deploy').map((file) => {
    const event = loadEvent(file);
    (event.detail as JsonObject)['execution-id'] = executionId;
    event.id = randomUUID();
    return event;
  });
}
