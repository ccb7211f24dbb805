// Specification of shared/messages/remediation.ts as the on-call engineer reads
// it, in Slack and in email: each step of the playbook whole, on a line of its
// own, with what became of it. The finding is events/guardduty's EC2 sample.
import type { KnownBlock } from '@slack/web-api';
import { parseFindingEvent } from '../../../shared/events/guardduty';
import { describeRemediation, type StepLine } from '../../../shared/messages/remediation';
import { renderSlackMessage } from '../../../shared/messages/slack';
import { renderEmail } from '../../../shared/messages/email';
import { loadEvent } from '../../helpers/fixtures';

const finding = parseFindingEvent(loadEvent('guardduty/ec2-backdoor-cc-activity.json'));
const ID = 'i-0a1b2c3d4e5f60789';
const SUBJECT = `instance ${ID} (build-runner-3)`;

const EC2_STEPS: StepLine[] = [
  { what: `tag ${ID} with the finding`, state: 'done' },
  { what: `snapshot the volumes of ${ID} (vol-0a1b2c3d4e5f607891)`, state: 'done' },
  { what: `protect ${ID} from termination`, state: 'in effect', why: 'termination protection is already on' },
  { what: `detach ${ID} from Auto Scaling group build-runners (capacity kept)`, state: 'done' },
  { what: `replace the security groups of ${ID}'s network interfaces with the isolation group cicd-guardian-isolation`, state: 'done' },
  { what: "deny 198.51.100.23 in the subnet's network ACL for 24 h", state: 'skipped', why: 'network ACL denies are not made by this version yet: add one by hand if tracked connections must be cut' },
];

const story = (steps: StepLine[]) => describeRemediation({ finding, subject: SUBJECT, playbook: 'ec2', steps, response: `cicd-guardian contained ${SUBJECT}: 4 steps done.` });

/** The texts of the sections that have a text (the fields section has none), in order. */
const sectionTexts = (blocks: KnownBlock[]) => blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));

describe('the remediation message in Slack', () => {
  it('shows each step of the playbook whole, one section each, after the finding facts', () => {
    const texts = sectionTexts(renderSlackMessage(story(EC2_STEPS)).blocks);
    const from = texts.indexOf('*Playbook ec2*');
    expect(from).toBeGreaterThan(0);
    expect(texts.slice(from, from + 7)).toEqual([
      '*Playbook ec2*',
      `✓ tag ${ID} with the finding: *done*`,
      `✓ snapshot the volumes of ${ID} (vol-0a1b2c3d4e5f607891): *done*`,
      `✓ protect ${ID} from termination: *in effect* (termination protection is already on)`,
      `✓ detach ${ID} from Auto Scaling group build-runners (capacity kept): *done*`,
      `✓ replace the security groups of ${ID}'s network interfaces with the isolation group cicd-guardian-isolation: *done*`,
      "– deny 198.51.100.23 in the subnet's network ACL for 24 h: *skipped* (network ACL denies are not made by this version yet: add one by hand if tracked connections must be cut)",
    ]);
  });

  it('cuts a long untrusted part within its own step, escaped, and keeps the steps after it whole', () => {
    const long = `<!channel> ${'b'.repeat(5000)}`;
    const texts = sectionTexts(renderSlackMessage(story([{ what: `turn all four Block Public Access settings of ${long} on`, state: 'skipped', why: long }, ...EC2_STEPS])).blocks);
    const cut = texts.find((t) => t.startsWith('– turn all four'))!;
    expect(cut).toMatch(/^– turn all four Block Public Access settings of &lt;!channel&gt; b+…: \*skipped\* \(&lt;!channel&gt; b+…\)$/);
    expect(cut.length).toBeLessThan(600);
    expect(texts).toContain(`✓ replace the security groups of ${ID}'s network interfaces with the isolation group cicd-guardian-isolation: *done*`);
    expect(texts.at(-2)).toMatch(/^– deny 198\.51\.100\.23 .*tracked connections must be cut\)$/);
  });

  it('says how many steps it left out when they are too many for one message', () => {
    const many = Array.from({ length: 200 }, (_, i): StepLine => ({ what: `turn all four Block Public Access settings of bucket-${i} on`, state: 'done' }));
    const message = renderSlackMessage(story(many));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(sectionTexts(message.blocks)).toContain('✓ turn all four Block Public Access settings of bucket-0 on: *done*');
    expect(sectionTexts(message.blocks).join('\n')).toMatch(/_…and 17\d more steps_/);
  });
});

describe('the remediation email', () => {
  it('lists one step per line, under the playbook', () => {
    const { body } = renderEmail(story(EC2_STEPS));
    expect(body).toContain(
      [
        'Playbook ec2',
        `  ✓ tag ${ID} with the finding: done`,
        `  ✓ snapshot the volumes of ${ID} (vol-0a1b2c3d4e5f607891): done`,
        `  ✓ protect ${ID} from termination: in effect (termination protection is already on)`,
        `  ✓ detach ${ID} from Auto Scaling group build-runners (capacity kept): done`,
        `  ✓ replace the security groups of ${ID}'s network interfaces with the isolation group cicd-guardian-isolation: done`,
        "  – deny 198.51.100.23 in the subnet's network ACL for 24 h: skipped (network ACL denies are not made by this version yet: add one by hand if tracked connections must be cut)",
      ].join('\n'),
    );
  });
});
