/**
 * The securityContext of a job step's Pod and container: the subset that hardens a workload (run as a
 * non-root user, drop capabilities, read-only root, seccomp). Fields that widen what a Pod may do on its
 * node (privileged, procMount, seLinuxOptions, host namespaces, an Unconfined seccomp profile, capabilities
 * beyond Pod Security's baseline) are not offered: the schema refuses them.
 */
import { z } from 'zod';

const IdSchema = z.int().min(0).max(2147483647);

const SeccompProfileSchema = z.object({
  type: z.enum(['RuntimeDefault', 'Localhost']).describe('Unconfined is not offered: it lifts the syscall filter.'),
  localhostProfile: z.string().min(1).max(4096).optional().describe('With type Localhost: the profile file on the node.'),
});

/**
 * The capabilities Pod Security's baseline level lets a container add; SYS_ADMIN, SYS_MODULE, NET_ADMIN and the
 * like would hand a run's author the node.
 */
export const ADDABLE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'] as const;

const CapabilitySchema = z.string().min(1).max(64).regex(/^[A-Z_]+$/, 'must be a Linux capability such as NET_BIND_SERVICE or ALL');

export const PodSecurityContextSchema = z.object({
  runAsUser: IdSchema.optional(),
  runAsGroup: IdSchema.optional(),
  runAsNonRoot: z.boolean().optional(),
  fsGroup: IdSchema.optional(),
  fsGroupChangePolicy: z.enum(['OnRootMismatch', 'Always']).optional(),
  supplementalGroups: z.array(IdSchema).max(32).optional(),
  seccompProfile: SeccompProfileSchema.optional(),
});

export const ContainerSecurityContextSchema = z.object({
  runAsUser: IdSchema.optional(),
  runAsGroup: IdSchema.optional(),
  runAsNonRoot: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  capabilities: z
    .object({
      add: z.array(z.enum(ADDABLE_CAPABILITIES)).max(32).optional().describe("Only Pod Security baseline's capabilities."),
      drop: z.array(CapabilitySchema).max(64).optional(),
    })
    .optional(),
  seccompProfile: SeccompProfileSchema.optional(),
});
