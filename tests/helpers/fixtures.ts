// Loads the sample EventBridge events kept under events/ (repository root).
// Every call returns a fresh copy, so a test may mutate what it gets.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** Absolute path of the events/ folder. */
const EVENTS_DIR = resolve(__dirname, '..', '..', 'events');

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * Parsed JSON of `events/<relPath>`, e.g. `loadEvent('codepipeline/action-failed.json')`.
 * The type parameter only casts; nothing is validated.
 */
export function loadEvent<T = JsonObject>(relPath: string): T {
  const file = resolve(EVENTS_DIR, relPath);
  if (!file.startsWith(EVENTS_DIR + sep)) throw new Error(`not under events/: ${relPath}`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/**
 * Paths, relative to events/ and with forward slashes, of every `.json` file under
 * `events/<dir>` (recursively), sorted, so numbered scenario files come out in order.
 * `listEvents('.')` lists them all.
 */
export function listEvents(dir: string): string[] {
  const root = resolve(EVENTS_DIR, dir);
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((entry) => {
      const p = join(d, entry.name);
      if (entry.isDirectory()) return walk(p);
      return entry.isFile() && entry.name.endsWith('.json') ? [toPosix(relative(EVENTS_DIR, p))] : [];
    });
  return walk(root).sort();
}

/** The samples in events/ecs, events/cloudwatch and events/manual that are rollback's inputs (the audit listing request is the audit function's). */
export const isRollbackSample = (file: string): boolean => file !== 'manual/audit-request.json';
