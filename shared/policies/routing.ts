import type { GuardianConfig, MuteRule, NotifyState, RouteTargets } from '../config/schema.js';

/** What a notification is about: a pipeline (by name) or a CodeBuild project. */
export interface Subject {
  kind: 'pipeline' | 'build';
  name: string;
}

const globCache = new Map<string, RegExp>();
/** `*` matches any run of characters, `?` one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  return re;
}

const matchesAny = (globs: string[] | undefined, name: string): boolean =>
  globs?.some((g) => globToRegExp(g).test(name)) ?? false;

const globsFor = (s: Subject, r: { pipelines?: string[]; projects?: string[] }) => (s.kind === 'pipeline' ? r.pipelines : r.projects);

/** Every route whose globs match the subject; the default route when none does. */
export function routesFor(subject: Subject, config: GuardianConfig): (RouteTargets & { name: string })[] {
  const routes = config.notifications.routes.filter((r) => matchesAny(globsFor(subject, r), subject.name));
  if (routes.length > 0) return routes;
  const d = config.notifications.default;
  return d ? [{ name: 'default', ...d }] : [];
}

function muteApplies(rule: MuteRule, subject: Subject, state: NotifyState, now: Date): boolean {
  if (rule.until && Date.parse(rule.until) <= now.getTime()) return false;
  if (rule.states && !rule.states.includes(state)) return false;
  const globs = globsFor(subject, rule);
  // A rule that names neither pipelines nor projects mutes everything.
  if (!rule.pipelines && !rule.projects) return true;
  return matchesAny(globs, subject.name);
}

export const isMuted = (subject: Subject, state: NotifyState, config: GuardianConfig, now: Date): boolean =>
  config.notifications.mute.some((rule) => muteApplies(rule, subject, state, now));
