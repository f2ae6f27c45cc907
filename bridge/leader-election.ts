/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews every retry
 * period; a candidate takes the lease once its renewTime is older than the lease duration. Only the
 * leader reconciles, so two bridge replicas never both write.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isNotFound } from '../activities/kube.js';

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

export function createLeaderElector(options: LeaderElectionOptions) {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity } = options;
  let leading = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastRenew = 0;
  // As client-go: a lease counts as expired by our own clock, from when we saw its record last change,
  // so clock skew between replicas cannot hand it over early.
  let observed: { record: string; at: number } | undefined;
  const renewDeadlineMs = options.leaseDurationSeconds * 1000 * 0.7;

  function expired(lease: V1Lease, now: number): boolean {
    const record = `${lease.spec?.holderIdentity}/${String(lease.spec?.renewTime)}`;
    if (observed?.record !== record) observed = { record, at: now };
    return observed.at + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 < now;
  }

  /** One attempt to acquire or renew; true when this process holds the lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
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
    let holds: boolean | undefined;
    try {
      holds = await tryAcquireOrRenew();
      if (holds) lastRenew = Date.now();
    } catch (err) {
      options.logger.warn({ lease: `${namespace}/${name}`, error: err instanceof Error ? err.message : String(err) }, 'lease attempt failed');
    }
    if (holds === true && !leading) {
      leading = true;
      options.logger.info({ lease: `${namespace}/${name}`, identity }, 'became leader');
      // Not awaited: filling caches must not stop the renewals.
      void options.onStartedLeading().catch((err: unknown) => options.logger.error({ error: String(err) }, 'could not start leading'));
    } else if (leading && (holds === false || Date.now() - lastRenew > renewDeadlineMs)) {
      // Someone else holds it, or we could not renew before the deadline: step down before the lease ends.
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
