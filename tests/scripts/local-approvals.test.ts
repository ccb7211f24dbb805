// `npm start` on the approval and tamper scenarios: the approval gate asks in
// Slack with buttons, the runner sends the scenario's clicks as Slack would
// (signed requests to slack-interactions' Function URL), and the tamper
// function catches what was done around the pipeline, all against the fake
// AWS world (CodePipeline's tokens and PutApprovalResult, CodeCommit's commit
// author, CloudTrail's StartLogging) and the Slack stand-in.
import { runLocal, TIMEOUT_MS, type Run } from '../helpers/local-run';

/** The output of one scenario file, from its ▶ line to the next. */
const step = (run: Run, file: string) => {
  const start = run.stdout.indexOf(file);
  const next = run.stdout.indexOf('\n▶ ', start);
  return run.stdout.slice(start, next < 0 ? undefined : next);
};

describe('npm start -- events/scenarios/approval-approved-by-two', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runLocal('events/scenarios/approval-approved-by-two');
  }, TIMEOUT_MS);

  it('exits 0 with nothing on stderr', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('asks in the execution thread, with Approve and Reject buttons, naming who may approve', () => {
    const asked = step(run, '03-approval-action-started.json');
    expect(asked).toMatch(/→ approval-gate/);
    expect(asked).toMatch(/slack reply {2}#deployments thread/);
    expect(asked).toContain('[ Approve ]  [ Reject ]');
    expect(asked).toMatch(/May approve: Alice Example, Bob Example, Carol Example/);
  });

  it("refuses the author's own approval, privately, and counts no vote", () => {
    const alice = step(run, '04-alice-approves.json');
    expect(alice).toMatch(/→ slack-interactions/);
    expect(alice).toMatch(/answered HTTP 200/);
    expect(alice).toMatch(/slack response_url .*"response_type":"ephemeral".*no self-approval: Alice Example authored the commit \(alice@example\.com\)/);
    expect(alice).not.toMatch(/PutApprovalResult/);
  });

  it('counts the first approver and updates the request: 1 of 2, nothing decided yet', () => {
    const bob = step(run, '05-bob-approves.json');
    expect(bob).toMatch(/Approvals: 1 of 2 \(Bob Example\)/);
    expect(bob).not.toMatch(/PutApprovalResult/);
    expect(bob).not.toMatch(/sns:Publish/);
  });

  it('approves in CodePipeline once the second approver clicks, naming both, and shows it in the message', () => {
    const carol = step(run, '06-carol-approves.json');
    expect(carol.match(/aws change {3}codepipeline PutApprovalResult/g)).toHaveLength(1);
    expect(carol).toMatch(/status Approved · summary Approved in Slack by Bob Example, Carol Example \(2 of 2 required/);
    expect(carol).toMatch(/✅ payments-web approved/);
  });

  it('makes exactly one change to AWS and emails the request once', () => {
    expect(run.stdout).toMatch(/AWS changes: 1 \(codepipeline PutApprovalResult\)/);
    expect(run.stdout).toMatch(/Emails: 1 \("payments-web waits for approval"\)/);
    expect(run.stdout).toMatch(/0 failed/);
  });
});

describe('npm start -- events/scenarios/approval-rejected-with-reason', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runLocal('events/scenarios/approval-rejected-with-reason');
  }, TIMEOUT_MS);

  it('exits 0 with nothing on stderr', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('opens a modal asking why when Bob presses Reject, and rejects nothing yet', () => {
    const click = step(run, '04-bob-rejects-with-a-reason.json');
    const [beforeSubmit] = click.split('Slack modal: U0BOB00001 submits');
    expect(beforeSubmit).toMatch(/slack modal {2}Reject approval {2}views\.open, for the clicking user/);
    expect(beforeSubmit).toMatch(/Why is it rejected\? \[ text, at most 300 characters \]/);
    expect(beforeSubmit).not.toMatch(/PutApprovalResult/);
  });

  it('rejects in CodePipeline with the reason submitted, naming Bob, and shows it in the message', () => {
    const click = step(run, '04-bob-rejects-with-a-reason.json');
    expect(click).toMatch(/Slack modal: U0BOB00001 submits the reason "PAY-142 changes refunds/);
    expect(click.match(/aws change {3}codepipeline PutApprovalResult/g)).toHaveLength(1);
    expect(click).toMatch(/status Rejected · summary Rejected in Slack by Bob Example: PAY-142 changes refunds, and the refund migration is not in this release/);
    expect(click).toMatch(/❌ payments-web rejected/);
    expect(click).toMatch(/Rejected by Bob Example at 2026-12-04T14:06:40\.\d+Z: PAY-142 changes refunds/);
  });

  it("keeps it rejected in Slack by Bob when CodePipeline's FAILED event arrives (not 'outside Slack')", () => {
    const failed = step(run, '05-approval-action-failed.json');
    expect(failed).toMatch(/→ approval-gate/);
    expect(failed).not.toMatch(/outside Slack/);
    expect(run.stdout).toMatch(/AWS changes: 1 \(codepipeline PutApprovalResult\)/);
  });
});

describe('npm start -- events/scenarios/approval-click-in-freeze', () => {
  it('refuses a click made after the weekend freeze began, saying until when, and approves nothing', async () => {
    const run = await runLocal('events/scenarios/approval-click-in-freeze');
    expect(run.code).toBe(0);
    expect(step(run, '04-bob-approves-after-freeze-began.json')).toMatch(/inside freeze window 'weekend' until 2026-12-07 08:00 Europe\/Berlin/);
    expect(run.stdout).not.toMatch(/PutApprovalResult/);
  }, TIMEOUT_MS);
});

describe('npm start -- events/scenarios/changes-around-the-pipeline', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runLocal('events/scenarios/changes-around-the-pipeline');
  }, TIMEOUT_MS);

  it("stops the execution its author approved alone in the console, naming her and the policy's reasons", () => {
    const approved = step(run, '01-approved-in-console-by-its-author.json');
    expect(approved).toMatch(/aws change {3}codepipeline StopPipelineExecution payments-web pipelineExecutionId a7c9e1b3-5d2f-4c8a-9e6b-3f1d5a7c9e20 · abandon false/);
    expect(approved).toMatch(/Who: Alice Example/);
    expect(approved).toMatch(/requires 2 distinct approvals.*no self-approval/);
  });

  it('alerts a task definition deployed around the pipeline as a bypass of CI/CD, and says why it cannot revert yet', () => {
    const bypass = step(run, '02-service-deployed-around-the-pipeline.json');
    expect(bypass).toMatch(/changed outside the pipeline \(bypass of CI\/CD\)/);
    expect(bypass).toMatch(/nothing is known of payments-prod\/payments-api yet/);
    expect(bypass).not.toMatch(/UpdateService payments/);
  });

  it('starts logging again on the protected trail', () => {
    expect(step(run, '03-trail-logging-stopped.json')).toMatch(/aws change {3}cloudtrail StartLogging arn:aws:cloudtrail:us-east-1:123456789012:trail\/org-management-events/);
    expect(run.stdout).toMatch(/AWS changes: 2 \(codepipeline StopPipelineExecution, cloudtrail StartLogging\)/);
  });
});
