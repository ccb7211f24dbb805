// Imported first by the local runner, before any module of the service:
// Powertools reads these when the logger, metrics and tracer are made, which
// is when shared/runtime/observability.ts is first imported. A person running
// locally reads the runner's output, not INFO logs and metric JSON; their own
// POWERTOOLS_* settings win.
process.env.POWERTOOLS_SERVICE_NAME ??= 'cicd-guardian';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

export {};
