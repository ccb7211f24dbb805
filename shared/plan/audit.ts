// The audit trail: one entry per decision of the approval, tamper, freeze
// and remediation capabilities (requested, approved, rejected, enforced ...),
// who made it (a person, a principal, or cicd-guardian by its policy) and why.
// Entries are plain data in plans (an `audit.record` action), so a dry-run
// shows them and the executor writes them like any other action.

export type AuditCapability = 'approval' | 'tamper' | 'freeze' | 'remediation';

export interface AuditEntry {
  capability: AuditCapability;
  /** What was decided, e.g. "requested", "vote", "approved", "rejected", "refused", "alerted", "enforced". */
  decision: string;
  /** When it was decided (ISO-8601, the invocation's clock). */
  at: string;
  /** Where: the account and region of what it concerns. */
  account: string;
  region: string;
  /** What it concerns: the pipeline (audit listings are by pipeline) and, where known, more. */
  pipeline?: string;
  stage?: string;
  action?: string;
  executionId?: string;
  /** Other subjects: "cluster/service", a trail, a finding id. */
  resource?: string;
  /** Who: a person (guardian.yml id), an IAM principal ARN, or neither when cicd-guardian decided by policy. */
  by: { person?: string; principal?: string; automatic: boolean };
  /** Why, in the policy's words. */
  reasons: string[];
  /** The policy (guardian.yml name) the decision was taken under. */
  policy?: string;
}

/** Where audit entries are written (the state table; a recording sink in a dry-run). */
export interface AuditWriter {
  /** `key`: the plan's key for the entry, so a retry that decides it again (at a later instant) writes it once. */
  record(entry: AuditEntry, key?: string): Promise<void>;
}
