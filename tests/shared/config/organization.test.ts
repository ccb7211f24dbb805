import { ConfigError, parseConfig } from '../../../shared/config/load';
import { policyForAccount, unitsOf } from '../../../shared/config/organization';

// One deployment guarding member accounts: which accounts are served, and the
// policy each one gets (account over organizational unit over global).

const PROD_OU = 'ou-ab12-prod0001';
const PAYMENTS_OU = 'ou-ab12-payments1';
const SANDBOX_OU = 'ou-ab12-sandbox01';
const PAYMENTS_PROD = '210987654321';
const SECURITY = '345678901234';
const SANDBOX = '456789012345';
const STRAY = '567890123456';

const config = parseConfig(
  {
    dryRun: false,
    notifications: {
      routes: [{ name: 'all', pipelines: ['*'], slack: { channel: '#deployments' } }],
      default: { slack: { channel: '#ci' } },
    },
    rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api', slack: { channel: '#deployments' } }] },
    organization: {
      id: 'o-a1b2c3d4e5',
      serve: [PROD_OU, SANDBOX_OU, SECURITY],
      regions: ['eu-west-1', 'us-east-1'],
      units: {
        // Parents first: payments (inside prod) overrides prod.
        [PROD_OU]: { name: 'production', accounts: [PAYMENTS_PROD], act: { remediate: true }, channels: { '#deployments': '#prod-deployments' }, exempt: { pipelines: ['legacy-*'] } },
        [PAYMENTS_OU]: { accounts: [PAYMENTS_PROD], channels: { '#deployments': '#payments-deployments' }, exempt: { services: ['payments-prod/ledger'] } },
        [SANDBOX_OU]: { accounts: [SANDBOX], dryRun: true, act: { remediate: false, rollback: false }, routes: [{ name: 'sandbox', pipelines: ['*'], slack: { channel: '#ci-sandbox' } }] },
      },
      accounts: {
        [PAYMENTS_PROD]: { alias: 'payments-prod' },
        // Notify only: never act in the security account.
        [SECURITY]: { alias: 'security', act: { rollback: false, approvals: false, tamper: false, remediate: false } },
        [SANDBOX]: { dryRun: false, default: { slack: { channel: '#sandbox-misc' } } },
      },
    },
  },
  'guardian.yml',
);

const ALL_ACT = { notify: true, rollback: true, approvals: true, tamper: true, remediate: true };

describe('the policy for an account: account over organizational unit over global', () => {
  it.each([
    ['a unit and its nested unit (later wins), the account naming only its alias', PAYMENTS_PROD, { served: true, alias: 'payments-prod', units: [PROD_OU, PAYMENTS_OU], dryRun: false, act: ALL_ACT, route: '#payments-deployments', fallback: '#ci' }],
    ['an account served by id, switching capabilities off', SECURITY, { served: true, alias: 'security', units: [], dryRun: false, act: { ...ALL_ACT, rollback: false, approvals: false, tamper: false, remediate: false }, route: '#deployments', fallback: '#ci' }],
    ["the account's dry-run over its unit's, the unit's routes and capabilities kept", SANDBOX, { served: true, alias: undefined, units: [SANDBOX_OU], dryRun: false, act: { ...ALL_ACT, rollback: false, remediate: false }, route: '#ci-sandbox', fallback: '#sandbox-misc' }],
    ['an account the policy does not name: not served, the global policy', STRAY, { served: false, alias: undefined, units: [], dryRun: false, act: ALL_ACT, route: '#deployments', fallback: '#ci' }],
  ])('%s', (_, account, expected) => {
    const policy = policyForAccount(config, account);
    expect({
      served: policy.served,
      alias: policy.alias,
      units: policy.units,
      dryRun: policy.config.dryRun,
      act: policy.act,
      route: policy.config.notifications.routes[0]!.slack?.channel,
      fallback: policy.config.notifications.default?.slack?.channel,
    }).toEqual(expected);
  });

  it('swaps channels everywhere the policy names one, and adds up exemptions of every level', () => {
    const policy = policyForAccount(config, PAYMENTS_PROD);
    expect(policy.config.rollback.services[0]!.slack?.channel).toBe('#payments-deployments');
    expect(policy.exempt).toEqual({ pipelines: ['legacy-*'], services: ['payments-prod/ledger'] });
    // The global policy is left as it was.
    expect(config.notifications.routes[0]!.slack?.channel).toBe('#deployments');
  });

  it('takes the units it is given (read from Organizations) over those guardian.yml lists', () => {
    expect(unitsOf(config.organization, PAYMENTS_PROD)).toEqual([PROD_OU, PAYMENTS_OU]);
    const policy = policyForAccount(config, STRAY, [SANDBOX_OU]);
    expect(policy).toMatchObject({ served: true, units: [SANDBOX_OU], act: { rollback: false } });
  });

  it('without an organization section: no account is served, every one gets the global policy', () => {
    const single = parseConfig({}, 'guardian.yml');
    expect(policyForAccount(single, PAYMENTS_PROD)).toMatchObject({ served: false, units: [], act: ALL_ACT, config: single });
  });

  it('with `serve: all`, every account is served', () => {
    const all = parseConfig({ organization: { id: 'o-a1b2c3d4e5', serve: 'all', regions: ['eu-west-1'] } }, 'guardian.yml');
    expect(policyForAccount(all, STRAY).served).toBe(true);
    expect(all.organization?.memberRole).toBe('cicd-guardian-member');
  });
});

describe('guardian.yml organization section', () => {
  it.each([
    [{ id: 'org-1', serve: 'all', regions: ['eu-west-1'] }, 'organization.id', 'an organization id'],
    [{ id: 'o-a1b2c3d4e5', serve: ['12345'], regions: ['eu-west-1'] }, 'organization.serve', ''],
    [{ id: 'o-a1b2c3d4e5', serve: 'all', regions: [] }, 'organization.regions', ''],
    [{ id: 'o-a1b2c3d4e5', serve: [PROD_OU], regions: ['eu-west-1'] }, 'organization.serve.0', `unit ${PROD_OU} is served but its accounts are not listed`],
    [{ id: 'o-a1b2c3d4e5', serve: 'all', regions: ['eu-west-1'], accounts: { [SECURITY]: { act: { deploy: false } } } }, `organization.accounts.${SECURITY}.act`, ''],
  ])('rejects %j naming %s', (organization, path, message) => {
    expect(() => parseConfig({ organization }, 'guardian.yml')).toThrow(ConfigError);
    expect(() => parseConfig({ organization }, 'guardian.yml')).toThrow(`- ${path}`);
    expect(() => parseConfig({ organization }, 'guardian.yml')).toThrow(message);
  });
});
