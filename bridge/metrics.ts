/** Prometheus metrics of the bridge (prom-client). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    runsStarted: new Counter({ name: 'orchestration_runs_started_total', help: 'Workflows started for OrchestrationRuns', registers: [registry] }),
    runsCompleted: new Counter({ name: 'orchestration_runs_completed_total', help: 'OrchestrationRuns that reached a terminal phase', labelNames: ['phase'], registers: [registry] }),
    runsExpired: new Counter({ name: 'orchestration_runs_expired_total', help: 'Finished OrchestrationRuns deleted because their retention ran out', registers: [registry] }),
    cancelDuration: new Histogram({
      name: 'orchestration_cancel_duration_seconds',
      help: 'Cancel requested → run phase Cancelled (its steps stopped), by whether the cancel timeout forced it',
      labelNames: ['forced'],
      buckets: [0.5, 1, 2, 3, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    cancelsForced: new Counter({ name: 'orchestration_cancels_forced_total', help: 'Cancels forced by JANGAR_ORCHESTRATION_CANCEL_TIMEOUT_MS (workflow terminated, Jobs deleted)', registers: [registry] }),
    apiWrites: new Counter({ name: 'orchestration_bridge_api_writes_total', help: 'Writes of the bridge to the Kubernetes API', labelNames: ['kind'], registers: [registry] }),
    reconcileErrors: new Counter({ name: 'orchestration_reconcile_errors_total', help: 'Reconcile passes that failed and were retried', registers: [registry] }),
    reconciles: new Counter({ name: 'orchestration_bridge_reconciles_total', help: 'Reconcile passes of runs, whatever their outcome', registers: [registry] }),
    reconcileTerminalErrors: new Counter({
      name: 'orchestration_reconcile_terminal_errors_total',
      help: 'Reconcile passes that failed for good (TerminalError): shown on the run, not retried',
      registers: [registry],
    }),
    temporalReads: new Counter({
      name: 'orchestration_bridge_temporal_reads_total',
      help: 'Calls of the bridge that read from Temporal (describe, close event, history, visibility pages), by call',
      labelNames: ['call'],
      registers: [registry],
    }),
    orphansCancelled: new Counter({
      name: 'orchestration_orphan_workflows_cancelled_total',
      help: 'Cancel requests the orphan sweep sent to running workflows whose run was gone (repeated until they close; idempotent)',
      registers: [registry],
    }),
    runsQueued: new Gauge({ name: 'orchestration_runs_queued', help: 'OrchestrationRuns waiting for a concurrency slot (Ready=False/Queued), as of the last reconcile that asked the queue', registers: [registry] }),
    startLatency: new Histogram({
      name: 'orchestration_run_start_latency_seconds',
      help: 'OrchestrationRun created → its workflow started',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
}
export type BridgeMetrics = ReturnType<typeof createMetrics>;
