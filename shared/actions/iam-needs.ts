import type { IamNeed } from '../runtime/iam.js';

// Needs several action modules share.

/** The Slack bot token or webhook URL, read at run time: only the secrets guardian.yml names, decrypted only through their service. */
export const SLACK_SECRET_IAM: IamNeed[] = [
  { actions: ['ssm:GetParameter'], resources: 'slackParameters' },
  { actions: ['secretsmanager:GetSecretValue'], resources: 'slackSecrets' },
  {
    actions: ['kms:Decrypt'],
    resources: 'anyKey',
    conditions: { StringEquals: { 'kms:ViaService': 'ssmService' }, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': 'slackParameters' } },
    why: 'only through SSM, and only for the parameter named (its encryption context)',
  },
  {
    actions: ['kms:Decrypt'],
    resources: 'anyKey',
    conditions: { StringEquals: { 'kms:ViaService': 'secretsManagerService' }, StringLike: { 'kms:EncryptionContext:SecretARN': 'slackSecrets' } },
    why: 'only through Secrets Manager, and only for the secret named (its encryption context)',
  },
];
