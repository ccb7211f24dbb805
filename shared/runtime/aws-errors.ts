// What an AWS error means for a rollback step (or a read it depends on): a
// message naming the service, what to do about it, and whether a retry can help.

/** A rollback step that failed, with what to do about it. */
export class RollbackError extends Error {
  override readonly name = 'RollbackError';
  /** The service (cluster/service) or pipeline stage (pipeline/stage) concerned. */
  readonly service: string;
  /** What a person (or the next attempt) should do. */
  readonly hint: string;
  /** Whether trying again later can succeed (throttling, AWS-side errors, the 5-deployment limit). */
  readonly retryable: boolean;

  constructor(message: string, detail: { service: string; hint: string; retryable: boolean; cause?: unknown }) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.service = detail.service;
    this.hint = detail.hint;
    this.retryable = detail.retryable;
  }
}

interface AwsErrorLike {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);
const NOT_FOUND_CONFIG = new Set(['ServiceNotFoundException', 'ClusterNotFoundException', 'PipelineNotFoundException', 'StageNotFoundException']);
/** What a GuardDuty finding named is gone (an instance terminated, a key or user deleted): no retry brings it back. */
const RESOURCE_GONE = new Set(['InvalidInstanceID.NotFound', 'InvalidNetworkInterfaceID.NotFound', 'InvalidVolume.NotFound', 'InvalidGroup.NotFound', 'NoSuchEntity', 'NoSuchEntityException', 'NoSuchBucket', 'TrailNotFoundException', 'ValidationError']);

/**
 * Maps an error of AWS call `call` (an IAM action name, e.g. "ecs:UpdateService") for `service`
 * to a RollbackError. A RollbackError passes through unchanged.
 */
export function rollbackError(error: unknown, service: string, call: string): RollbackError {
  if (error instanceof RollbackError) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as AwsErrorLike;
  const name = e.name ?? 'Error';
  const awsMessage = (e.message ?? '').trim();
  const fail = (hint: string, retryable: boolean) =>
    new RollbackError(`${call} for ${service} failed (${name}${awsMessage ? `: ${awsMessage}` : ''}). ${hint}`, {
      service,
      hint,
      retryable,
      cause: error,
    });

  // ECS refuses a new deployment while 5 are active; the message is the only sign (the
  // exception type is not documented: ClientException / InvalidParameterException).
  if (/\b5\s+(active\s+)?deployments\s+exist\b/i.test(awsMessage) || /deployments? exist.*unable to create new/i.test(awsMessage)) {
    return fail(
      `ECS allows at most 5 active deployments per service: wait until the in-flight deployments of ${service} finish (or stop one), then retry.`,
      true,
    );
  }
  if (/task ?definition.*\binactive\b/i.test(awsMessage)) {
    return fail(`The task definition is INACTIVE (deregistered) and cannot be deployed: choose another (ACTIVE) revision as the known-good one.`, false);
  }
  if (/task ?definition not found|unable to describe task definition/i.test(awsMessage)) {
    return fail(`The task definition does not exist (deleted?): choose another revision as the known-good one.`, false);
  }
  if (/CODE_DEPLOY/.test(awsMessage)) {
    return fail(
      `${service} uses the CODE_DEPLOY deployment controller: roll it back through CodeDeploy (configure codeDeploy {application, deploymentGroup} for it in guardian.yml).`,
      false,
    );
  }
  if (/EXTERNAL/.test(awsMessage) && /controller/i.test(awsMessage)) {
    return fail(`${service} uses an EXTERNAL deployment controller: it must be rolled back by that controller, not by cicd-guardian.`, false);
  }

  if (NOT_FOUND_CONFIG.has(name)) {
    return fail(
      `Check rollback.services in guardian.yml: the cluster, service, pipeline and deployStage names (and the function's region) must match the real resources.`,
      false,
    );
  }
  if (RESOURCE_GONE.has(name)) {
    return fail(`${service} no longer exists (terminated or deleted?): nothing left to change; check the finding in GuardDuty.`, false);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation' || e.$metadata?.httpStatusCode === 403) {
    const denied = /not authorized to perform:?\s+([\w-]+:[\w*]+)/i.exec(awsMessage)?.[1] ?? call;
    const remediation = /^(ec2|autoscaling|iam|s3|sts):/.test(call);
    const hint = remediation
      ? `The remediate function's role lacks ${denied}: its role is built from the IAM the action and fact modules declare (functions/permissions.ts); in a member account, the member role (organization.memberRole, from the member-account template) must allow it.`
      : denied.toLowerCase() === 'iam:passrole'
        ? `The rollback function's role may not pass the task definition's IAM roles: list them in rollback.passRoles in guardian.yml (iam:PassRole) and redeploy the stack.`
        : `The rollback function's role lacks ${denied}: its role is built from the IAM the action and fact modules declare (functions/permissions.ts), scoped by guardian.yml: check that the resource is named there (rollback.services), then redeploy the stack.`;
    return fail(hint, false);
  }
  if (THROTTLING.has(name) || e.$retryable?.throttling) {
    return fail(`AWS throttled the call: retry later.`, true);
  }
  switch (name) {
    case 'ServiceNotActiveException':
      return fail(`The service is not ACTIVE (deleted or draining): remove it from rollback.services in guardian.yml or recreate it.`, false);
    case 'ServiceDeploymentNotFoundException':
      return fail(`The service deployment no longer exists: read the service again and deploy the known-good task definition with UpdateService.`, false);
    case 'ConflictException':
      return fail(`The service deployment can no longer be stopped (it already finished or is being stopped): deploy the known-good task definition with UpdateService instead.`, false);
    case 'UnsupportedFeatureException':
      return fail(`ECS does not support this call for the service (deployment controller or region): deploy the known-good task definition with UpdateService instead.`, false);
    case 'DeploymentAlreadyCompletedException':
      return fail(`The CodeDeploy deployment already finished: redeploy the previous revision through CodeDeploy.`, false);
    case 'DeploymentDoesNotExistException':
    case 'InvalidDeploymentIdException':
      return fail(`No such CodeDeploy deployment: check codeDeploy {application, deploymentGroup} in guardian.yml and the deployment id.`, false);
    case 'DeploymentGroupDoesNotExistException':
    case 'ApplicationDoesNotExistException':
      return fail(`Check codeDeploy {application, deploymentGroup} of the service in guardian.yml.`, false);
    case 'UnsupportedActionForDeploymentTypeException':
      return fail(`CodeDeploy cannot stop this kind of deployment: redeploy the previous revision through CodeDeploy.`, false);
  }
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500 || name === 'ServerException') {
    return fail(`AWS failed on its side: retry later.`, true);
  }
  if (e.$fault === 'client') {
    return fail(`AWS rejected the request: check the action's parameters and the service's configuration.`, false);
  }
  // No answer from AWS at all (timeout, connection reset): worth another try.
  return fail(`No answer from AWS: retry later.`, true);
}
