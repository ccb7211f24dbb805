import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfig, readConfigFile } from '../../../shared/config/load';
import { schemaText } from '../../../scripts/config-schema';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('guardian.yml', () => {
  it('the example shipped with the service is valid', () => {
    const config = readConfigFile(resolve(ROOT, 'guardian.yml'));
    expect(config.notifications.routes.length).toBeGreaterThan(0);
  });

  it('fills defaults: email on FAILED and APPROVAL_NEEDED, no mutes, not dry-run', () => {
    const config = parseConfig({ notifications: { routes: [{ name: 'r', pipelines: ['*'], email: {} }] } }, 'test');
    expect(config.dryRun).toBe(false);
    expect(config.notifications.mute).toEqual([]);
    expect(config.notifications.routes[0]!.email).toEqual({ states: ['FAILED', 'APPROVAL_NEEDED'] });
  });

  it.each([
    [{ notifications: { routes: [{ name: 'r', pipelines: ['*'], slack: { channel: 'deployments' } }] } }, 'notifications.routes.0.slack.channel'],
    [{ notifications: { routes: [{ name: 'r', slack: { channel: '#x' } }] } }, 'notifications.routes.0'],
    [{ notifications: { mute: [{ until: 'tomorrow' }] } }, 'notifications.mute.0.until'],
    [{ slack: { botToken: { ssm: 'no-leading-slash' } } }, 'slack.botToken'],
    [{ slack: {} }, 'slack'],
    [{ email: { subscribers: ['not-an-email'] } }, 'email.subscribers.0'],
    [{ notifications: { routez: [] } }, 'notifications'],
  ])('rejects %j naming the path %s', (raw, path) => {
    expect(() => parseConfig(raw, 'guardian.yml')).toThrow(ConfigError);
    expect(() => parseConfig(raw, 'guardian.yml')).toThrow(new RegExp(`guardian.yml is invalid:[\\s\\S]*- ${path.replace(/\./g, '\\.')}[.:]`));
  });

  it('says what is wrong, not only where', () => {
    expect(() => parseConfig({ notifications: { routes: [{ name: 'r', pipelines: ['*'], slack: { channel: '#x', states: ['EXPLODED'] } }] } }, 'g')).toThrow(
      /states\.0: Invalid option: expected one of/,
    );
  });

  it("refuses an IAM role ARN in a person's principals, naming the person and the session ARN to use", () => {
    const raw = { people: [{ id: 'alice', principals: ['arn:aws:sts::123456789012:assumed-role/Deployers/alice', 'arn:aws:iam::123456789012:role/Deployers'] }] };
    expect(() => parseConfig(raw, 'guardian.yml')).toThrow(
      /people\.0\.principals\.1: person 'alice' names the IAM role 'arn:aws:iam::123456789012:role\/Deployers', which never matches a person: name their role session as arn:aws:sts::ACCOUNT:assumed-role\/ROLE\/SESSION/,
    );
    expect(parseConfig({ people: [raw.people[0]!].map((p) => ({ ...p, principals: [p.principals[0]!] })) }, 'guardian.yml').people[0]!.principals).toHaveLength(1);
  });

  it('guardian.schema.json is generated from the current schema (run `npm run schema`)', () => {
    expect(readFileSync(resolve(ROOT, 'guardian.schema.json'), 'utf8')).toBe(schemaText());
  });
});
