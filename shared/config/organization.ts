import { CAPABILITIES, type Capability, type GuardianConfig, type OrganizationConfig } from './schema.js';

// The policy as it applies to one account of the organisation: guardian.yml's
// global policy, then the overrides of the account's organizational units
// (parents first), then the account's own. Pure: the callers of the config
// loader resolve an event's account with it.

type Override = NonNullable<OrganizationConfig['accounts'][string]>;

export interface AccountPolicy {
  account: string;
  /** Named by `organization.serve` (directly, through a unit, or `all`): events from it are accepted. */
  served: boolean;
  /** How messages name the account (organization.accounts.<id>.alias). */
  alias?: string;
  /** The units the account's overrides came from, in the order applied. */
  units: string[];
  /** Which capabilities act in the account. */
  act: Record<Capability, boolean>;
  exempt: { pipelines: string[]; services: string[] };
  /** The global policy with the account's dry-run, routes, default and channels in place. */
  config: GuardianConfig;
}

/** The name guardian.yml gives the account (organization.accounts.<id>.alias), if any. */
export const accountAlias = (config: GuardianConfig, account: string): string | undefined => config.organization?.accounts[account]?.alias;

/** The units guardian.yml lists the account in, in file order (parents first). */
export const unitsOf = (organization: OrganizationConfig | undefined, account: string): string[] =>
  Object.entries(organization?.units ?? {})
    .filter(([, unit]) => unit.accounts.includes(account))
    .map(([id]) => id);

/** Whether `organization.serve` names the account, directly, through one of `ous`, or as `all`. */
export function isServed(organization: OrganizationConfig | undefined, account: string, ous: string[]): boolean {
  if (!organization) return false;
  if (organization.serve === 'all') return true;
  return organization.serve.includes(account) || ous.some((ou) => organization.serve.includes(ou));
}

/** The policy for `account`, in units `ous` (default: those guardian.yml lists it in): account over unit over global. */
export function policyForAccount(config: GuardianConfig, account: string, ous: string[] = unitsOf(config.organization, account)): AccountPolicy {
  const organization = config.organization;
  const levels: Override[] = [...ous.map((ou) => organization?.units[ou]).filter((u) => u !== undefined), organization?.accounts[account]].filter((o) => o !== undefined);
  const act = Object.fromEntries(CAPABILITIES.map((c) => [c, true])) as Record<Capability, boolean>;
  const exempt = { pipelines: [] as string[], services: [] as string[] };
  let { dryRun } = config;
  let { routes, default: fallback } = config.notifications;
  const channels: Record<string, string> = {};
  for (const level of levels) {
    dryRun = level.dryRun ?? dryRun;
    routes = level.routes ?? routes;
    fallback = level.default ?? fallback;
    Object.assign(act, level.act);
    Object.assign(channels, level.channels);
    // Exemptions add up: what a unit exempts stays exempt in its accounts.
    exempt.pipelines.push(...(level.exempt?.pipelines ?? []));
    exempt.services.push(...(level.exempt?.services ?? []));
  }
  const resolved = withChannels({ ...config, dryRun, notifications: { ...config.notifications, routes, default: fallback } }, channels);
  return {
    account,
    served: isServed(organization, account, ous),
    alias: organization?.accounts[account]?.alias,
    units: ous.filter((ou) => organization?.units[ou]),
    act,
    exempt,
    config: resolved,
  };
}

/** Every Slack channel the config names, swapped where `channels` says. */
function withChannels(config: GuardianConfig, channels: Record<string, string>): GuardianConfig {
  if (Object.keys(channels).length === 0) return config;
  const swap = (channel: string) => channels[channel] ?? channel;
  const target = <T extends { slack?: { channel: string } }>(t: T): T => (t.slack ? { ...t, slack: { ...t.slack, channel: swap(t.slack.channel) } } : t);
  const { notifications, rollback, approvals, protection } = config;
  return {
    ...config,
    notifications: { ...notifications, routes: notifications.routes.map(target), default: notifications.default && target(notifications.default) },
    rollback: { ...rollback, services: rollback.services.map(target) },
    approvals: {
      ...approvals,
      policies: approvals.policies.map((p) => {
        const swapped = target(p);
        return swapped.remind?.escalateTo ? { ...swapped, remind: { ...swapped.remind, escalateTo: swap(swapped.remind.escalateTo) } } : swapped;
      }),
    },
    protection: target(protection),
  };
}

/**
 * Why cicd-guardian, running in `ownAccount`, must not handle what happened in `where`, or undefined when it may:
 * its own account always; a member account only when `organization.serve` names it, in one of `organization.regions`.
 */
export function refusal(organization: OrganizationConfig | undefined, where: { account: string; region: string }, ownAccount: string): string | undefined {
  if (where.account === ownAccount) return undefined;
  const runs = `cicd-guardian runs in account ${ownAccount}`;
  if (!organization) return `account ${where.account} (region ${where.region}) is not served: ${runs} and guardian.yml has no organization section naming other accounts`;
  if (!isServed(organization, where.account, unitsOf(organization, where.account)))
    return `account ${where.account} (region ${where.region}) is not served: ${runs} and organization.serve names neither it nor a unit listing it`;
  if (!organization.regions.includes(where.region)) return `region ${where.region} of account ${where.account} is not served: organization.regions is ${organization.regions.join(', ')}`;
  return undefined;
}

/** What `capability` works with for an event of `account` (none: a request by hand, the global policy), and why it does not act there. */
export function capabilityFor(config: GuardianConfig, account: string | undefined, capability: Capability): Pick<AccountPolicy, 'config' | 'exempt'> & { off?: string } {
  if (account === undefined) return { config, exempt: { pipelines: [], services: [] } };
  const policy = policyForAccount(config, account);
  const off = policy.act[capability] ? undefined : `${capability} does not act in account ${policy.alias ? `${policy.alias} (${account})` : account} (organization: act.${capability} is false)`;
  return { config: policy.config, exempt: policy.exempt, ...(off ? { off } : {}) };
}
