import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SERVICE_DIR } from './service-definition';

// The bundled scenario: a payments-api pipeline execution that fails in
// Deploy, as the EventBridge events it emits, one file each, numbered in
// order. `npm start` runs it by default, the bench measures it, tests replay it.

/** The scenario's folder, relative to the repository root. */
export const SCENARIO_DIR = 'events/scenarios/pipeline-fails-in-deploy';

type Json = Record<string, unknown>;

export interface ScenarioEvent {
  /** The file name, e.g. "01-pipeline-started.json". */
  file: string;
  event: Json;
}

/** The scenario's events, in file order, freshly parsed. */
export function loadScenario(root = SERVICE_DIR): ScenarioEvent[] {
  const dir = resolve(root, SCENARIO_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, event: JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as Json }));
}

/** A copy of a scenario event moved to another execution and given another event id, so a replay is an execution of its own. */
export function rekeyEvent<T extends Json>(event: T, executionId: string, eventId: string): T {
  return { ...event, id: eventId, detail: { ...(event.detail as Json), 'execution-id': executionId } };
}
