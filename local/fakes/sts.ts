import { randomUUID } from 'node:crypto';
import { ACCOUNT } from '../environment';
import { AwsFault, type ServiceFake } from './service-fake';

// STS: GetCallerIdentity names a user of the local account (a function asks
// who it is when `sls invoke local` passes no function ARN); AssumeRole gives
// fresh temporary credentials (unique key ids, so a test sees which signed)
// lasting `assumedRoleSeconds`.

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export const sts: ServiceFake = (_data, { assumedRoleSeconds }) => ({
  GetCallerIdentity: () => ({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/local`, UserId: 'AIDALOCALFAKE0000000' }),
  AssumeRole: ({ RoleArn: roleArn, RoleSessionName: session }) => {
    const role = ROLE_ARN.exec(String(roleArn ?? ''));
    if (!role || !SESSION_NAME.test(String(session ?? ''))) {
      throw new AwsFault(400, 'ValidationError', `1 validation error detected: invalid RoleArn '${String(roleArn)}' or RoleSessionName '${String(session)}'`);
    }
    const key = `ASIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    return {
      AssumedRoleUser: { Arn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${String(session)}`, AssumedRoleId: `AROALOCALFAKE0000000:${String(session)}` },
      Credentials: {
        AccessKeyId: key,
        SecretAccessKey: `local-secret-${key}`,
        SessionToken: `local-session-${key}`,
        // The real time, not the replay clock: the SDK refreshes credentials by it.
        Expiration: new Date(Date.now() + assumedRoleSeconds * 1000).toISOString(),
      },
    };
  },
});
