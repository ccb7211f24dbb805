import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The import graph runs one way: each folder of shared/ may import only from
// its own layer or the layers below it, the functions sit on top, and no
// module is part of an import loop (type-only imports count: they couple too).

const ROOT = resolve(__dirname, '../..');

/** Lowest first. A module may import from its own layer and any layer before it. */
const LAYERS: string[][] = [
  ['shared/runtime', 'shared/events', 'shared/config'],
  ['shared/views'],
  // The Plan carries message models; rollback messages describe the planned changes.
  ['shared/messages', 'shared/plan'],
  ['shared/policies'],
  ['shared/facts', 'shared/state'],
  // Action modules (one per kind of action) and the executors that run plans through them.
  ['shared/actions', 'shared/executors'],
  ['functions'],
];

const layerOf = (file: string): number => LAYERS.findIndex((folders) => folders.some((f) => file.startsWith(`${f}/`)));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Project modules a file imports (relative specifiers, `.js` or no extension). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '')) + '.ts'));
}

const files = [...sources('shared'), ...sources('functions')];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the import graph', () => {
  it('places every module of shared/ and functions/ in a layer', () => {
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('has no import from a layer above (views below policies and messages, delivery bookkeeping with the Plan, ...)', () => {
    const upward = [...graph].flatMap(([file, deps]) =>
      deps.filter((dep) => layerOf(dep) > layerOf(file)).map((dep) => `${file} imports ${dep}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import loop', () => {
    const loops: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        loops.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(loops).toEqual([]);
  });

  it('resolves every relative import to a module that exists (the check above sees the real graph)', () => {
    const missing = [...graph].flatMap(([file, deps]) => deps.filter((d) => !graph.has(d) && !d.startsWith('node_modules')).map((d) => `${file} -> ${d}`));
    expect(missing).toEqual([]);
  });
});
