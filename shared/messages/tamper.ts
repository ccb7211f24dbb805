import type { ApiCallEvent } from '../events/types.js';
import type { MessageModel } from './model.js';
import { consoleOrigin, pipelineUrl } from './links.js';

// The neutral message for a change made around the pipeline: who called what,
// on which protected resource, what it changed, and what cicd-guardian did.
// Everything the call carried (names, summaries, reasons) is untrusted text:
// the renderers escape and truncate it.

export interface TamperStory {
  event: ApiCallEvent;
  /** What was touched: "pipeline payments-api", "service payments-prod/payments-api", "trail org-trail". */
  subject: string;
  /** One line, e.g. "approved outside cicd-guardian, against policy 'production'". */
  headline: string;
  /** What the call changed (bounded). */
  change: string;
  /** The principal as people know it: a guardian.yml person, else the ARN. */
  who: string;
  /** Why it is tampering, in the policy's words. */
  reasons: string[];
  /** What cicd-guardian did about it, or why it did nothing more than tell. */
  response: string;
  pipeline?: string;
  service?: { cluster: string; service: string };
}

const ecsServiceUrl = (region: string, cluster: string, service: string) =>
  `${consoleOrigin(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/deployments?region=${region}`;
const cloudTrailEventUrl = (region: string, eventId: string) => `${consoleOrigin(region)}/cloudtrail/home?region=${region}#/events/${encodeURIComponent(eventId)}`;

export function describeTamper(story: TamperStory): MessageModel {
  const { event } = story;
  const links = [
    ...(story.pipeline ? [{ label: 'Pipeline', url: pipelineUrl(event.region, story.pipeline) }] : []),
    ...(story.service ? [{ label: 'Service deployments', url: ecsServiceUrl(event.region, story.service.cluster, story.service.service) }] : []),
    { label: 'CloudTrail event', url: cloudTrailEventUrl(event.region, event.callId) },
  ];
  return {
    title: `${story.subject}: ${story.headline}`,
    tone: 'failure',
    summary: story.response,
    fields: [
      { label: 'Who', value: story.who },
      { label: 'Call', value: `${event.operation} (${event.service}) at ${event.calledAt}` },
      { label: 'What changed', value: story.change },
      ...(story.reasons.length > 0 ? [{ label: 'Why it is flagged', value: story.reasons.join('; ') }] : []),
      ...(event.sourceIp ? [{ label: 'From', value: event.sourceIp }] : []),
    ],
    stages: [],
    links,
    context: `cicd-guardian tamper check · account ${event.account} · ${event.region}`,
  };
}
