import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { IamRevokeRoleSessionsAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Revokes a role's sessions issued before an instant, as IAM's "revoke active
// sessions" does: an inline policy that denies everything to credentials whose
// aws:TokenIssueTime is earlier. Sessions issued later (a fresh build) work.

export const REVOKE_POLICY_NAME = 'cicd-guardian-revoked-sessions';

export const revokePolicy = (issuedBefore: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } } }],
  });

export const iamRevokeRoleSessions: ActionModule<IamRevokeRoleSessionsAction> = {
  type: 'iam.revokeRoleSessions',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['iam:PutRolePolicy'], resources: 'anyRole' }],
  target: (action) => `role ${action.roleName}`,
  perform: (action, ctx) =>
    performChange(
      action,
      `role ${action.roleName}`,
      ctx,
      call('iam:PutRolePolicy', { RoleName: action.roleName, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: revokePolicy(action.issuedBefore) }, (input) =>
        clientFor(IAMClient, ctx.channels.place).send(new PutRolePolicyCommand(input)),
      ),
      () => `sessions issued before ${action.issuedBefore} denied`,
    ),
  describe: (action) => `deny everything to sessions of role ${action.roleName} issued before ${action.issuedBefore} (inline policy ${REVOKE_POLICY_NAME})`,
};
