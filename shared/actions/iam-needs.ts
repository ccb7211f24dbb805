import { secretReadIam } from '../runtime/slack-credentials.js';

// Needs several action modules share.

/** The Slack bot token or webhook URL, read at run time: only the secrets guardian.yml names, decrypted only through their service. */
export const SLACK_SECRET_IAM = secretReadIam('slackParameters', 'slackSecrets');
