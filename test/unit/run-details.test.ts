// The current details the Temporal UI shows for a run: phase and counts on one line, then the running and
// failed steps as a list, bounded, with user text shown literally.
import { describe, expect, it } from 'vitest';
import { applyStepEvent, buildDag, initialState } from '../../core/index.js';
import { runDetails } from '../../workflows/details.js';

const policy = { parallelism: 0, failFast: false };
const at = '2026-01-01T00:00:00Z';

function dagOf(names: string[]) {
  const built = buildDag(names.map((name) => ({ name, dependsOn: [] })));
  if (!built.ok) throw new Error('invalid');
  return { dag: built.dag, state: initialState(built.dag) };
}

describe('runDetails', () => {
  it('names the phase, the counts that are not zero and the steps running or failed', () => {
    const { dag, state } = dagOf(['fetch', 'build', 'lint', 'publish']);
    applyStepEvent(dag, state, { type: 'started', step: 0, at }, policy);
    applyStepEvent(dag, state, { type: 'succeeded', step: 0, at, attempts: 1 }, policy);
    applyStepEvent(dag, state, { type: 'started', step: 1, at }, policy);
    applyStepEvent(dag, state, { type: 'started', step: 2, at }, policy);
    applyStepEvent(dag, state, { type: 'failed', step: 2, at, attempts: 2, message: 'exit 1 in *src*' }, policy);
    expect(runDetails(dag, state, 'Running')).toBe(
      ['**Running** · 4 steps: 1 succeeded, 1 running, 1 pending, 1 failed', '', '- **build** Running, attempt 1', '- **lint** Failed after 2 attempts: exit 1 in \\*src\\*'].join('\n'),
    );
  });

  it('is one line for a run with nothing to point at', () => {
    const { dag, state } = dagOf(['only']);
    expect(runDetails(dag, state, 'Running')).toBe('**Running** · 1 step: 1 pending');
  });

  it('lists at most 15 steps and says how many more', () => {
    const names = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const { dag, state } = dagOf(names);
    names.forEach((_, i) => applyStepEvent(dag, state, { type: 'started', step: i, at }, policy));
    const lines = runDetails(dag, state, 'Running').split('\n');
    expect(lines.filter((l) => l.startsWith('- **'))).toHaveLength(15);
    expect(lines.at(-1)).toBe('- … and 25 more');
  });
});
