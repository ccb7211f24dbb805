// What a per-service fake is: operations answering an SDK command's input
// with its output (plain JSON: timestamps as ISO-8601 strings; the installer
// revives them to Dates from the operation's output schema), built from the
// service's data file and a context for what a call changes in the world.
// Protocols are not here: the installer (world.ts) answers SDK clients in
// process, the HTTP front (http-front.ts) callers in other processes.

/** An error as AWS answers it: HTTP status and error code (the installer gives callers the SDK's exception class for the code). */
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A change a fake made to its world on a caller's request, as the local runner prints it. */
export interface AwsChange {
  service: string;
  operation: string;
  /** What was changed: a service-deployment or service ARN, or "pipeline/stage". */
  target: string;
  /** The request's other parameters that say what was done, e.g. {stopType: "ROLLBACK"}. */
  detail: Record<string, string>;
}

export interface PublishedEmail {
  topicArn: string;
  subject?: string;
  message: string;
  messageId: string;
}

/** What a fake may do beyond answering: read the (replay) clock, record changes and emails. */
export interface FakeContext {
  now(): Date;
  change(made: AwsChange): void;
  publish(email: PublishedEmail): void;
  /** How long STS AssumeRole's credentials last, in seconds. */
  assumedRoleSeconds: number;
}

export type Input = Record<string, unknown>;
export type Operations = Record<string, (input: Input) => unknown>;

/** A service's domain reactions: its operations over its data file's records (the data is the fake's own copy, free to change). */
export type ServiceFake = (data: Record<string, unknown>, context: FakeContext) => Operations;

/** A required string parameter, or the validation error `code` AWS gives for it. */
export function requiredString(input: Input, name: string, code = 'ValidationException', message = `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new AwsFault(400, code, message);
  return value;
}

/** ISO-8601 timestamps as the data and the fakes keep them, compared by time. */
export const newestFirst = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) => Date.parse(String(b[key] ?? 0)) - Date.parse(String(a[key] ?? 0));

/** An SDK shape as a data file holds it: timestamps as ISO-8601 strings. */
export type AsData<T> = T extends Date ? string : T extends (infer U)[] ? AsData<U>[] : T extends object ? { [K in keyof T]: AsData<T[K]> } : T;
