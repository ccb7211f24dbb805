import type { IamNeed } from '../runtime/iam.js';

/**
 * UpdateService on any service the finding names, but only calls that deploy
 * no task definition (the condition key is absent from them): isolating or
 * scaling a service must not grant what the rollback's scoped UpdateService does.
 */
export const UPDATE_SERVICE_IN_PLACE_IAM: IamNeed = {
  actions: ['ecs:UpdateService'],
  resources: 'anyService',
  conditions: { Null: { 'ecs:task-definition': { value: 'true' } } },
  why: 'a runtime finding may name any service of the account; never a new task definition',
};
