/** Pure parsing of the CLI's own argument forms (`-p key=value`, `--from orch/NAME`), with errors that say the form. */
import { CliError } from './kube.js';

/** `key=value` (the value may hold `=`) into the parameters so far; the last of a repeated key wins. */
export function parseParameter(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = text.indexOf('=');
  if (at <= 0) throw new CliError(`-p ${text}: expected key=value`, 64);
  return { ...previous, [text.slice(0, at)]: text.slice(at + 1) };
}

/** What kubectl calls the kind: short name, singular, plural, and the full names `kubectl get -o name` prints. */
const ORCHESTRATION_NAMES = ['orch', 'orchestration', 'orchestrations', 'orchestration.orchestration.proompteng.ai', 'orchestrations.orchestration.proompteng.ai'];

/** `orch/NAME` (also `orchestration/NAME`, as `kubectl get -o name` prints it) into the Orchestration's name. */
export function parseFrom(text: string): string {
  const [kind, name, ...rest] = text.split('/');
  if (rest.length > 0 || !kind || !name || !ORCHESTRATION_NAMES.includes(kind.toLowerCase())) {
    throw new CliError(`--from ${text}: expected orch/NAME (an Orchestration of the namespace)`, 64);
  }
  return name;
}

/** Collects a repeated option's values in order (commander's reducer shape). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
