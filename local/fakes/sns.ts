import { randomUUID } from 'node:crypto';
import { AwsFault, type ServiceFake } from './service-fake';

// SNS Publish: recorded as an email, within SNS's limits (messages up to
// 256 KB; subjects under 100 characters, one line).

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 99;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/;

export const sns: ServiceFake = (_data, { publish }) => ({
  Publish: (input) => {
    const topicArn = input.TopicArn ?? input.TargetArn;
    const { Message: message, Subject: subject } = input;
    if (typeof topicArn !== 'string' || !TOPIC_ARN.test(topicArn)) throw new AwsFault(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
    if (typeof message !== 'string' || !message) throw new AwsFault(400, 'InvalidParameter', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) throw new AwsFault(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    // "Subjects must be text that begins with a letter, number, or punctuation mark; must not include
    // line breaks or control characters; and must be less than 100 characters long."
    if (subject !== undefined && (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || /\p{Cc}/u.test(subject) || /^\s/.test(subject))) {
      throw new AwsFault(400, 'InvalidParameter', 'Invalid parameter: Subject');
    }
    const messageId = randomUUID();
    publish({ topicArn, subject, message, messageId });
    return { MessageId: messageId };
  },
});
