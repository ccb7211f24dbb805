import type { Action } from '../shared/plan/plan.js';
import { ACTIONS } from '../shared/actions/index.js';
import { NOTIFICATION_ACTIONS } from '../shared/actions/notification-actions.js';
import { APPROVAL_ACTIONS, CHANGE_ACTIONS, FREEZE_ACTIONS, REMEDIATION_ACTIONS, TAMPER_CHANGE_ACTIONS } from '../shared/actions/change-actions.js';
import { LAMBDA_RUNTIME_IAM, MEMBER_SCOPE_LISTS, type IamNeed } from '../shared/runtime/iam.js';
import { SIGNING_SECRET_IAM } from '../shared/runtime/slack-credentials.js';
import { STATE_IAM } from '../shared/state/store.js';
import { PIPELINE_FACTS_IAM } from '../shared/facts/codepipeline.js';
import { BUILD_FACTS_IAM } from '../shared/facts/codebuild.js';
import { ECS_FACTS_IAM, PIPELINE_STATE_FACTS_IAM } from '../shared/facts/ecs.js';
import { APPROVAL_FACTS_IAM } from '../shared/facts/approval.js';
import { APPROVED_EXECUTION_IAM } from '../shared/facts/tamper.js';
import { PIPELINE_TRANSITION_FACTS_IAM } from '../shared/facts/pipeline-transitions.js';
import { AUDIT_LIST_IAM } from '../shared/state/audit.js';
import { REMEDIATION_FACTS_IAM } from '../shared/facts/remediation.js';
import { MEMBER_ROLE_IAM } from '../shared/runtime/aws.js';

// What each function may do: the actions its plans may hold and the facts it
// reads. The guardian plugin builds each function's role from this and the
// modules' declarations, scoped by guardian.yml; the template tests check the
// role grants exactly that. The action lists are the module maps the functions
// execute with (every function notifies; rollback hands its executor the
// change modules), so a new module's IAM reaches the function that can run it.

export interface FunctionUses {
  actions: Action['type'][];
  /** Read-only facts and infrastructure (the state table), by their IAM declarations. */
  reads: IamNeed[][];
  /** The topics its email may go to: the stack's and those routes name, or the stack's only. */
  emailTopics: 'routes' | 'stack';
  /** The ECS services its ECS grants are for: rollback.services (default), or the protected services it reverts a bypass of. */
  ecsServices?: 'rollback' | 'reverted';
  /** The pipelines and stages it reads and changes transitions of: rollback's deploy stages (default), or those freeze policies govern. */
  stages?: 'deploy' | 'frozen';
}

const typesOf = (modules: object) => Object.keys(modules) as Action['type'][];

export const FUNCTIONS = {
  notify: {
    actions: typesOf(NOTIFICATION_ACTIONS),
    reads: [STATE_IAM, PIPELINE_FACTS_IAM, BUILD_FACTS_IAM, MEMBER_ROLE_IAM],
    emailTopics: 'routes',
  },
  rollback: {
    actions: [...typesOf(CHANGE_ACTIONS), ...typesOf(NOTIFICATION_ACTIONS)],
    reads: [STATE_IAM, ECS_FACTS_IAM, PIPELINE_STATE_FACTS_IAM, MEMBER_ROLE_IAM],
    emailTopics: 'stack',
  },
  tamper: {
    actions: [...typesOf(TAMPER_CHANGE_ACTIONS), ...typesOf(NOTIFICATION_ACTIONS)],
    reads: [STATE_IAM, APPROVED_EXECUTION_IAM, APPROVAL_FACTS_IAM, ECS_FACTS_IAM, MEMBER_ROLE_IAM],
    emailTopics: 'stack',
    ecsServices: 'reverted',
  },
  'freeze-schedule': {
    actions: [...typesOf(FREEZE_ACTIONS), ...typesOf(NOTIFICATION_ACTIONS)],
    reads: [STATE_IAM, PIPELINE_TRANSITION_FACTS_IAM],
    emailTopics: 'stack',
    stages: 'frozen',
  },
  /** Invoked by hand: lists the audit trail, and may do nothing else. */
  audit: {
    actions: [],
    reads: [AUDIT_LIST_IAM],
    emailTopics: 'stack',
  },
  'approval-gate': {
    actions: [...typesOf(APPROVAL_ACTIONS), ...typesOf(NOTIFICATION_ACTIONS)],
    reads: [STATE_IAM, APPROVAL_FACTS_IAM, MEMBER_ROLE_IAM],
    emailTopics: 'stack',
  },
  'slack-interactions': {
    actions: [...typesOf(APPROVAL_ACTIONS), ...typesOf(NOTIFICATION_ACTIONS)],
    // The state table (requests seen, votes, decisions), the fresh approval facts of each click, the signing secret.
    reads: [STATE_IAM, APPROVAL_FACTS_IAM, SIGNING_SECRET_IAM, MEMBER_ROLE_IAM],
    emailTopics: 'stack',
  },
  /** GuardDuty remediation: the playbooks' changes, the facts they read, an ECS service's rollback through the rollback's own modules and facts. */
  remediate: {
    actions: [...typesOf(REMEDIATION_ACTIONS), ...typesOf(NOTIFICATION_ACTIONS)],
    reads: [STATE_IAM, REMEDIATION_FACTS_IAM, ECS_FACTS_IAM, MEMBER_ROLE_IAM],
    emailTopics: 'stack',
  },
} satisfies Record<string, FunctionUses>;

export type FunctionName = keyof typeof FUNCTIONS;

/** Every IAM need of a function: its runtime's, its reads', and each of its actions'. */
export function iamNeedsOf(name: FunctionName): IamNeed[] {
  const uses: FunctionUses = FUNCTIONS[name];
  return [...LAMBDA_RUNTIME_IAM, ...uses.reads.flat(), ...uses.actions.flatMap((type) => ACTIONS[type].iam)];
}

/**
 * What a function needs of a member account's role: its reads' and actions' needs on that account's
 * resources (MEMBER_SCOPE_LISTS), none of its runtime's; nothing for a function that assumes no member role.
 */
export function memberNeedsOf(name: FunctionName): IamNeed[] {
  const uses: FunctionUses = FUNCTIONS[name];
  if (!uses.reads.includes(MEMBER_ROLE_IAM)) return [];
  return [...uses.reads.flat(), ...uses.actions.flatMap((type) => ACTIONS[type].iam)].filter((need) => MEMBER_SCOPE_LISTS.includes(need.resources) && !MEMBER_ROLE_IAM.includes(need));
}
