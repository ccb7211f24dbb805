import { parseConfig } from '../../../shared/config/load';
import { globToRegExp, isMuted, routesFor } from '../../../shared/policies/routing';

const config = parseConfig(
  {
    notifications: {
      routes: [
        { name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } },
        { name: 'all-prod', pipelines: ['*-prod'], slack: { channel: '#prod' } },
        { name: 'builds', projects: ['lib-?'], slack: { channel: '#builds' } },
      ],
      default: { slack: { channel: '#ci' } },
      mute: [
        { pipelines: ['payments-*'], states: ['STARTED'] },
        { pipelines: ['legacy-*'], until: '2030-01-01T00:00:00Z', reason: 'migration' },
      ],
    },
  },
  'test config',
);

describe('routing notifications by pipeline and project globs', () => {
  it.each([
    ['payments-*', 'payments-api', true],
    ['payments-*', 'payments', false],
    ['*-prod', 'web-prod', true],
    ['lib-?', 'lib-a', true],
    ['lib-?', 'lib-ab', false],
    ['a.b', 'aXb', false],
    ['(x)+', '(x)+', true],
  ])('glob %s against %s matches: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });

  it('sends a pipeline to every route that matches it', () => {
    expect(routesFor({ kind: 'pipeline', name: 'payments-prod' }, config).map((r) => r.name)).toEqual(['payments', 'all-prod']);
  });

  it('falls back to the default route when no route matches', () => {
    expect(routesFor({ kind: 'pipeline', name: 'web' }, config).map((r) => r.name)).toEqual(['default']);
  });

  it('matches builds by project, never by pipeline globs', () => {
    expect(routesFor({ kind: 'build', name: 'lib-a' }, config).map((r) => r.name)).toEqual(['builds']);
    expect(routesFor({ kind: 'build', name: 'payments-api' }, config).map((r) => r.name)).toEqual(['default']);
  });

  it('mutes only the named states of the named pipelines', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(isMuted({ kind: 'pipeline', name: 'payments-api' }, 'STARTED', config, now)).toBe(true);
    expect(isMuted({ kind: 'pipeline', name: 'payments-api' }, 'FAILED', config, now)).toBe(false);
    expect(isMuted({ kind: 'pipeline', name: 'web' }, 'STARTED', config, now)).toBe(false);
  });

  it('ends a mute at its `until` time', () => {
    const legacy = { kind: 'pipeline' as const, name: 'legacy-app' };
    expect(isMuted(legacy, 'FAILED', config, new Date('2029-12-31T23:59:59Z'))).toBe(true);
    expect(isMuted(legacy, 'FAILED', config, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });
});
