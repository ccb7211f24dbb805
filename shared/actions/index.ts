import type { ActionModules } from './module.js';
import { NOTIFICATION_ACTIONS } from './notification-actions.js';
import { APPROVAL_ACTIONS, CHANGE_ACTIONS, FREEZE_ACTIONS, REMEDIATION_ACTIONS, TAMPER_CHANGE_ACTIONS } from './change-actions.js';

/**
 * Every kind of action, by type, for what needs them all (the IAM derivation, tests).
 * A new member of the Action union fails to compile until its module is in one of the maps.
 */
export const ACTIONS: ActionModules = { ...NOTIFICATION_ACTIONS, ...CHANGE_ACTIONS, ...APPROVAL_ACTIONS, ...TAMPER_CHANGE_ACTIONS, ...FREEZE_ACTIONS, ...REMEDIATION_ACTIONS };
