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
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
