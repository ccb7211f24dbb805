/**
 * The real time, the default clock of every handler. Everything else takes
 * the clock it is given (the local runner replays a scenario at its events' own time).
 */
export const systemClock = (): Date => new Date();
