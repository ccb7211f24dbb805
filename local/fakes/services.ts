import { codebuild } from './codebuild';
import { codepipeline } from './codepipeline';
import { ecs } from './ecs';
import type { ServiceFake } from './service-fake';
import { sns } from './sns';
import { sts } from './sts';

// The AWS services the local runner fakes, and where their answers come from.
//
// A service's answers are data: local/fakes/payments/<service>.json, where
// <service> is the SDK client package's name after "@aws-sdk/client-" (ecs,
// codepipeline, secrets-manager, ec2 ...). Its "answers" say what an operation
// answers, the first entry whose "input" is part of the call's input (no
// "input": any call), with an "output" or an "error":
//
//   local/fakes/payments/ec2.json
//   { "answers": { "DescribeInstances": [
//       { "input": { "InstanceIds": ["i-0abc"] }, "output": { "Reservations": [{ "Instances": [{ "InstanceId": "i-0abc", "LaunchTime": "2025-06-12T14:00:00Z" }] }] } },
//       { "error": { "status": 400, "code": "InvalidInstanceID.NotFound", "message": "The instance ID does not exist" } } ] } }
//
// Outputs are written as the SDK's output types, timestamps as ISO-8601
// strings (callers get Dates, from the operation's schema). A new service
// needs its client package installed (npm install -D @aws-sdk/client-ec2, or a
// dependency when the functions call it) and that file: no code. Both the
// in-process installer (world.ts) and the HTTP front (http-front.ts) answer
// from it. Declared answers come before a service's domain reactions below.
//
// Domain reactions are for calls that change the world or select from
// records (a stopped deployment reads ROLLBACK_REQUESTED afterwards): a
// ServiceFake in its own module, over the same data file's records, added
// to DOMAIN. Every other operation answers the error AWS gives an unknown
// operation, so no call reaches a real account.

/** Services with domain reactions, by service name. */
export const DOMAIN: Record<string, ServiceFake> = { codebuild, codepipeline, ecs, sns, sts };

/** SDK modules whose clients a service's fake answers. Default: @aws-sdk/client-<service>. */
export const CLIENT_MODULES: Record<string, string[]> = {
  // fromTemporaryCredentials (shared/runtime/aws.ts assumedRole) calls STS with the nested clients' own STSClient.
  sts: ['@aws-sdk/client-sts', '@aws-sdk/nested-clients/sts'],
};

/** Services the functions can call that have no answers: faked all the same, so each call fails as an unknown operation instead of reaching AWS. */
export const GUARDED = ['codedeploy', 'ssm', 'secrets-manager'];

export const clientModulesOf = (service: string) => CLIENT_MODULES[service] ?? [`@aws-sdk/client-${service}`];
