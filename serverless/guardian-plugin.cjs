'use strict';
/* global __filename -- CommonJS; eslint.config.mjs lists the other CommonJS globals but not this one */

// Local Serverless plugin. It validates guardian.yml with the project's own
// TypeScript loader (so a bad policy fails `sls package` with the field's
// path) and offers what serverless.yml derives from the policy as
// `${guardian:<address>}` variables:
//
//   embedded                     validated config as a JSON string (esbuild `define` wants code text)
//   slackSecretArns.ssm          ARNs of the Slack SSM parameters
//   slackSecretArns.secretsManager  ARNs of the Slack Secrets Manager secrets
//   emailSubscriptions           AWS::SNS::Subscription resources, one per subscriber
//   topicArns                    the stack topic plus topics named by routes
//   buildStates                  CodeBuild build-status values worth an event
//
// ARNs use CloudFormation Fn::Sub pseudo parameters, so packaging needs no AWS call.

const crypto = require('node:crypto');
const path = require('node:path');

/** Logical id of the stack's SNS topic in serverless.yml. */
const TOPIC = 'NotificationsTopic';

const loadTs = (file) => require('tsx/cjs/api').require(file, __filename);

/** Reads and validates a guardian config file; throws ConfigError naming each bad field's path. */
function loadGuardianConfig(configPath) {
  const { readConfigFile } = loadTs('../shared/config/load.ts');
  return readConfigFile(path.resolve(configPath));
}

const sub = (template) => ({ 'Fn::Sub': template });

function slackSecretArns(config) {
  const refs = [config.slack?.botToken, config.slack?.webhookUrl].filter(Boolean);
  return {
    ssm: refs
      .filter((ref) => 'ssm' in ref)
      .map((ref) => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${ref.ssm}`)),
    // A name gets the 6-character suffix Secrets Manager appends to secret ARNs.
    secretsManager: refs
      .filter((ref) => 'secretsManager' in ref)
      .map(({ secretsManager: id }) =>
        id.startsWith('arn:') ? id : sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${id}-??????`),
      ),
  };
}

function emailSubscriptions(config) {
  const resources = {};
  for (const email of config.email.subscribers) {
    // Keyed by the address, so adding or removing one leaves the others alone.
    const id = crypto.createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 10);
    resources[`NotificationsEmailSubscription${id}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: TOPIC }, Protocol: 'email', Endpoint: email },
    };
  }
  return resources;
}

/** Every target set: the routes' and the default's. */
const targetSets = (config) => [...config.notifications.routes, config.notifications.default ?? {}];

function topicArns(config) {
  const extra = targetSets(config)
    .map((targets) => targets.email && targets.email.topicArn)
    .filter(Boolean);
  return [{ Ref: TOPIC }, ...new Set(extra)];
}

/** The build-status values the CodeBuild rule lets through: the function's own rule for it. */
function buildStates(config) {
  const { buildStatusesToWatch } = loadTs('../shared/policies/notifications.ts');
  return buildStatusesToWatch(config);
}

/** All `${guardian:...}` values for a validated config. */
function deriveValues(config) {
  return {
    embedded: JSON.stringify(config),
    slackSecretArns: slackSecretArns(config),
    emailSubscriptions: emailSubscriptions(config),
    topicArns: topicArns(config),
    buildStates: buildStates(config),
  };
}

/** Drops IAM statements left with an empty Resource list (e.g. no Secrets Manager secret configured). */
function dropEmptyStatements(resources) {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of resource.Properties.Policies ?? []) {
      const doc = policy.PolicyDocument;
      doc.Statement = doc.Statement.filter((s) => !(Array.isArray(s.Resource) && s.Resource.length === 0));
    }
  }
}

class GuardianPlugin {
  constructor(serverless) {
    this.serverless = serverless;

    serverless.configSchemaHandler.defineCustomProperties({
      type: 'object',
      properties: {
        guardian: {
          type: 'object',
          properties: { configFile: { type: 'string' } },
          additionalProperties: false,
        },
      },
    });

    this.configurationVariablesSources = {
      guardian: {
        resolve: async ({ address, resolveConfigurationProperty }) => {
          const configFile = await resolveConfigurationProperty(['custom', 'guardian', 'configFile']);
          let value = this.values(configFile);
          for (const key of (address ?? '').split('.')) {
            if (value === null || typeof value !== 'object' || !(key in value)) {
              throw new serverless.classes.Error(`Unknown "\${guardian:${address}}" (addresses: ${Object.keys(this.values(configFile)).join(', ')})`);
            }
            value = value[key];
          }
          return { value };
        },
      },
    };

    // Fail fast, with the problems listed once, when the config file is named literally.
    const configFile = serverless.configurationInput?.custom?.guardian?.configFile;
    if (configFile === undefined || (typeof configFile === 'string' && !configFile.includes('${'))) this.values(configFile);

    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        dropEmptyStatements(serverless.service.provider.compiledCloudFormationTemplate.Resources);
      },
    };
  }

  /** Derived values, computed once; an invalid config fails the command with ConfigError's message. */
  values(configFile) {
    if (!this.cached) {
      try {
        const config = loadGuardianConfig(path.resolve(this.serverless.serviceDir, configFile ?? 'guardian.yml'));
        this.cached = deriveValues(config);
      } catch (error) {
        if (error.name !== 'ConfigError') throw error;
        throw new this.serverless.classes.Error(error.message);
      }
    }
    return this.cached;
  }
}

module.exports = GuardianPlugin;
module.exports.loadGuardianConfig = loadGuardianConfig;
module.exports.deriveValues = deriveValues;
