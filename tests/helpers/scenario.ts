import { randomUUID } from 'node:crypto';
import { loadScenario, rekeyEvent } from '../../local/scenario';
import { listEvents, loadEvent, type JsonObject } from './fixtures';

/**
 * The bundled scenario (a payments-api execution that fails in Deploy) as raw
 * EventBridge events, re-keyed to a fresh execution id and fresh event ids so
 * each test has an execution of its own.
 */
export function freshScenario(executionId = randomUUID()): JsonObject[] {
  return loadScenario().map(({ event }) => rekeyEvent(event, executionId, randomUUID()) as JsonObject);
}

/** The build id (project:uuid) of events/scenarios/pipeline-fails-in-build/. */
const BUILD_UUID = '3e9a7c15-62b4-4d08-9f1e-8a5c2d7b0f46';
const BUILD_EXECUTION = '5b2e8c41-93d7-4a6f-b0e5-2c8d1f7a4e93';

/**
 * events/scenarios/pipeline-fails-in-build/ (the execution, its CodeBuild
 * build FAILED event, the action, stage and pipeline failures) with a fresh
 * execution id, build id and event ids, so each test has a build of its own.
 */
export function freshBuildScenario(): { events: JsonObject[]; executionId: string; buildId: string } {
  const executionId = randomUUID();
  const buildUuid = randomUUID();
  const events = listEvents('scenarios/pipeline-fails-in-build').map((file) => {
    const text = JSON.stringify(loadEvent(file)).replaceAll(BUILD_EXECUTION, executionId).replaceAll(BUILD_UUID, buildUuid);
    return { ...(JSON.parse(text) as JsonObject), id: randomUUID() };
  });
  return { events, executionId, buildId: `payments-api-build:${buildUuid}` };
}
