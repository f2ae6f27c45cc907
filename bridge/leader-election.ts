/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews every retry
 * period; a candidate takes the lease once its renewTime is older than the lease duration. Only the
 * leader reconciles, so two bridge replicas never both write.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading: () => Promise<void>;
  onStoppedLeading: () => Promise<void>;
}

const micro = (d: Date) => d.toISOString().replace('Z', '000Z'); // MicroTime

function expired(lease: V1Lease, now: number): boolean {
  const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
  return renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 < now;
}

function is404(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 404;
}

export function createLeaderElector(options: LeaderElectionOptions) {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity } = options;
  let leading = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** One attempt to acquire or renew; true when this process holds the lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!is404(err)) throw err;
      await api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: options.leaseDurationSeconds, acquireTime: micro(now) as unknown as Date, renewTime: micro(now) as unknown as Date, leaseTransitions: 0 },
        },
      });
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    if (holder && holder !== identity && !expired(lease, now.getTime())) return false;
    const takingOver = holder !== identity;
    // replace carries the resourceVersion we read: two candidates cannot both win the same expired lease.
    await api.replaceNamespacedLease({
      name,
      namespace,
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: identity,
          leaseDurationSeconds: options.leaseDurationSeconds,
          renewTime: micro(now) as unknown as Date,
          ...(takingOver ? { acquireTime: micro(now) as unknown as Date, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {}),
        },
      },
    });
    return true;
  }

  async function tick(): Promise<void> {
    let holds = false;
    try {
      holds = await tryAcquireOrRenew();
    } catch (err) {
      options.logger.warn({ lease: `${namespace}/${name}`, error: err instanceof Error ? err.message : String(err) }, 'lease attempt failed');
    }
    if (holds && !leading) {
      leading = true;
      options.logger.info({ lease: `${namespace}/${name}`, identity }, 'became leader');
      await options.onStartedLeading();
    } else if (!holds && leading) {
      leading = false;
      options.logger.warn({ lease: `${namespace}/${name}`, identity }, 'lost leadership');
      await options.onStoppedLeading();
    }
    if (!stopped) timer = setTimeout(() => void tick(), options.retryPeriodMs);
  }

  return {
    get leading() {
      return leading;
    },
    start(): void {
      void tick();
    },
    /** Stops campaigning; a leader stops leading (its lease runs out for the next one to take). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      if (leading) {
        leading = false;
        await options.onStoppedLeading();
      }
    },
  };
}
