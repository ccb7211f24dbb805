import type { EmailAction } from '../plan/plan.js';
import { renderEmail } from '../messages/email.js';
import type { ActionModule } from './module.js';

// An email through an SNS topic (KMS-encrypted) whose subscribers confirmed by email.

export const emailPublish: ActionModule<EmailAction> = {
  type: 'email.publish',
  kind: 'email',
  order: 2,
  iam: [
    { actions: ['sns:Publish'], resources: 'topics' },
    { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: 'notificationsKey', why: 'the topic is encrypted with the stack key' },
  ],
  target: (action) => action.topicArn ?? 'default topic',
  // An email is sent once per key: a plan that says it again (an approval request updated by a vote) owes nothing.
  owed: (action, delivery) => !delivery.sent.includes(action.key),
  async perform(action, { delivery, channels, done }) {
    await channels.email.publish(action.topicArn, renderEmail(action.message));
    await done({ ...delivery, sent: [...delivery.sent, action.key] });
    return true;
  },
  describe: (action) => `email through ${action.topicArn ?? "the stack's topic"}`,
};
