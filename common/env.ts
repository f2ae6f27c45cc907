/** Environment handling shared by the bridge and the worker. */

/**
 * The environment without empty variables: `FOO=` (as a Helm chart renders an unset value) means unset and
 * takes the default, rather than coercing to 0 or failing a format check.
 */
export function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}
