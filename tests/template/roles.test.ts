// Each function's role in the packaged template (`npm run package:check`) is
// exactly what its action modules, fact readers and runtime declare
// (functions/permissions.ts, shared/actions/*, shared/facts/*, shared/runtime/iam.ts),
// scoped by guardian.yml: nothing more, nothing less.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FUNCTIONS, iamNeedsOf, type FunctionName, type FunctionUses } from '../../functions/permissions';
import type { IamNeed, IamScope } from '../../shared/runtime/iam';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface GuardianPluginModule {
  loadGuardianConfig(path: string): unknown;
  iamScope(config: unknown, name: string, uses: FunctionUses): IamScope;
}

const repo = join(__dirname, '..', '..');
const templatePath = join(repo, '.serverless', 'cloudformation-template-update-stack.json');
const plugin = createRequire(__filename)(join(repo, 'serverless', 'guardian-plugin.cjs')) as GuardianPluginModule;

let resources: Record<string, Resource>;
beforeAll(() => {
  if (!existsSync(templatePath)) throw new Error(`${templatePath} is missing: run \`npm run package\` first`);
  resources = (JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
});

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
/** serverless.yml's resources for a function key ("freeze-schedule"): FreezeScheduleRole, and Serverless's own FreezeDashscheduleLambdaFunction. */
const roleId = (name: string) => `${pascal(name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()))}Role`;
const lambdaId = (name: string) => `${pascal(name).replace(/-/g, 'Dash')}LambdaFunction`;
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/** A condition as text, each key's values sorted (a list, or one fixed value). */
const conditionText = (condition: Record<string, Record<string, unknown>> | undefined): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(condition ?? {})
        .sort()
        .map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).sort().map(([k, v]) => [k, Array.isArray(v) ? v.map(text).sort() : text(v)]))]),
    ),
  );

/** One grant per action, resource and condition: "ecs:UpdateService on <arn> if {...}". */
type Grant = string;
const grant = (action: string, resource: unknown, condition: string) => `${action} on ${text(resource)} if ${condition}`;

function granted(statements: Statement[]): Set<Grant> {
  return new Set(
    statements
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => asArray(s.Action).flatMap((action) => asArray(s.Resource).map((r) => grant(action, r, conditionText(s.Condition))))),
  );
}

/** What the declarations ask for in this config (a need whose scope is empty here asks for nothing). */
function declared(needs: IamNeed[], scope: IamScope, functionName: string): Set<Grant> {
  // The packaged template has serverless.yml's names resolved.
  const resolve = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\$\{self:custom\.names\.\w+Function\}/g, functionName)) as unknown;
  const values = (v: keyof IamScope | { value: string }) => (typeof v === 'string' ? scope[v].map(resolve) : v.value);
  return new Set(
    needs.flatMap((need) => {
      const condition = need.conditions
        ? Object.fromEntries(Object.entries(need.conditions).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, values(v)]))]))
        : undefined;
      const empty = Object.values(condition ?? {}).some((keys) => Object.values(keys).some((v) => Array.isArray(v) && v.length === 0));
      if (empty) return [];
      return need.actions.flatMap((action) => scope[need.resources].map(resolve).map((r) => grant(action, r, conditionText(condition))));
    }),
  );
}

const difference = (a: Set<Grant>, b: Set<Grant>) => [...a].filter((g) => !b.has(g)).sort();

const config = () => plugin.loadGuardianConfig(join(repo, 'guardian.yml'));
const roleOf = (name: string) => resources[roleId(name)];
const statementsOf = (name: string) =>
  asArray((roleOf(name)?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined)?.[0]?.PolicyDocument.Statement);
const functionNameOf = (name: string) => String(resources[lambdaId(name)]?.Properties.FunctionName);

describe.each(Object.keys(FUNCTIONS) as FunctionName[])('the %s role', (name) => {
  const expected = () => declared(iamNeedsOf(name), plugin.iamScope(config(), name, FUNCTIONS[name]), functionNameOf(name));

  it('is the role of the function of that name, with one policy', () => {
    expect(resources[lambdaId(name)]?.Properties.Role).toEqual({ 'Fn::GetAtt': [roleId(name), 'Arn'] });
    expect(asArray(roleOf(name)?.Properties.Policies as unknown[])).toHaveLength(1);
  });

  it('grants nothing that no action, fact or runtime declaration of the function asks for', () => {
    expect(difference(granted(statementsOf(name)), expected())).toEqual([]);
  });

  it('lacks nothing that its declarations ask for', () => {
    expect(expected().size).toBeGreaterThan(0);
    expect(difference(expected(), granted(statementsOf(name)))).toEqual([]);
  });

  it('would be caught granting a statement written by hand', () => {
    const extra: Statement = { Effect: 'Allow', Action: 'ecs:DeleteService', Resource: '*' };
    expect(difference(granted([...statementsOf(name), extra]), expected())).toEqual(['ecs:DeleteService on * if {}']);
  });
});
