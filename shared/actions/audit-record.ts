import type { AuditRecordAction } from '../plan/plan.js';
import type { ActionModule } from './module.js';

// Writes one decision to the audit trail (shared/state/audit.ts keeps it in
// the state table with the retention guardian.yml's `audit` sets).

export const auditRecord: ActionModule<AuditRecordAction> = {
  type: 'audit.record',
  kind: 'record',
  order: 1,
  iam: [{ actions: ['dynamodb:PutItem'], resources: 'stateTable', why: 'audit entries are items of the state table' }],
  target: (action) => `audit ${action.entry.capability}${action.entry.pipeline ? ` ${action.entry.pipeline}` : ''}`,
  owed: (action, delivery) => !delivery.sent.includes(action.key),
  async perform(action, { delivery, channels, done }) {
    if (!channels.audit) throw new Error(`no audit trail to record "${action.entry.decision}" in: this function records no decisions`);
    await channels.audit.record(action.entry, action.key);
    await done({ ...delivery, sent: [...delivery.sent, action.key] });
    return true;
  },
  describe: (action) =>
    `record in the audit trail: ${action.entry.capability} ${action.entry.decision}${action.entry.pipeline ? ` for ${action.entry.pipeline}` : ''} (${action.entry.reasons.join('; ') || 'no reason given'})`,
};
