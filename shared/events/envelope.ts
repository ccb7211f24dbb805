import * as z from 'zod/mini';

// The EventBridge envelope, field for field as Powertools' EventBridgeSchema.
// Written with zod/mini because Powertools' schemas pull in classic zod
// (~450 KB minified), which would double a function's cold-start bundle.
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  source: z.string(),
  account: z.string().check(z.minLength(1)),
  time: z.iso.datetime(),
  region: z.string().check(z.minLength(1)),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

export const eventOf = <S extends string, T extends string, D extends z.ZodMiniType>(source: S, detailType: T, detail: D) =>
  z.extend(EventBridgeEnvelope, { source: z.literal(source), 'detail-type': z.literal(detailType), detail });

export const nonEmpty = () => z.string().check(z.minLength(1));
