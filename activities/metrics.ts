/** Prometheus metrics of the worker (prom-client), served on WORKER_HTTP_PORT. */
import { Counter, Registry } from 'prom-client';

export function createWorkerMetrics(registry = new Registry()) {
  return {
    registry,
    jobMissing: new Counter({
      name: 'orchestration_job_missing_total',
      help: 'Job steps whose Job disappeared before its outcome was recorded (WorkflowJobMissing)',
      labelNames: ['namespace'],
      registers: [registry],
    }),
    httpRefused: new Counter({
      name: 'orchestration_http_step_refused_total',
      help: 'http step calls the fence refused, by the run namespace and the kind of rule (loopback, temporal-ui, HTTP_STEP_DENIED_DESTINATIONS, ...)',
      labelNames: ['namespace', 'rule'],
      registers: [registry],
    }),
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
