import { ACTIONS } from '../../../shared/actions/index';

// The typed map of action modules: the compiler checks it is complete; this
// checks each module is filed under its own type and declares what it needs.

describe('the action modules', () => {
  it('are each filed under the type they declare', () => {
    expect(Object.entries(ACTIONS).filter(([type, m]) => m.type !== type)).toEqual([]);
  });

  it('each declare the IAM they need, with at least one action per need', () => {
    const lacking = Object.values(ACTIONS).filter((m) => m.iam.some((need) => need.actions.length === 0));
    expect(lacking.map((m) => m.type)).toEqual([]);
  });

  it('need no IAM only to answer a click privately (a response_url Slack hosts takes no credentials)', () => {
    expect(Object.values(ACTIONS).filter((m) => m.iam.length === 0).map((m) => m.type)).toEqual(['slack.respond']);
  });

  it('order changes to AWS before email, email before messages, messages before replies', () => {
    const order = (type: keyof typeof ACTIONS) => ACTIONS[type].order;
    expect(order('ecs.stopDeployment')).toBeLessThan(order('email.publish'));
    expect(order('codepipeline.disableTransition')).toBeLessThan(order('email.publish'));
    expect(order('email.publish')).toBeLessThan(order('slack.upsert'));
    expect(order('slack.upsert')).toBeLessThan(order('slack.reply'));
  });
});
