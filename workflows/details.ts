/** The "current details" shown in the Temporal UI: counts, then the steps worth looking at. */
import { stepCounts, type Dag, type DagState } from '../core/index.js';

const SHOWN = 15;

export function detailsTable(dag: Dag, state: DagState): string {
  const c = stepCounts(state);
  const lines = [
    '| total | pending | running | succeeded | failed | skipped | cancelled |',
    '|---|---|---|---|---|---|---|',
    `| ${c.total} | ${c.pending} | ${c.running} | ${c.succeeded} | ${c.failed} | ${c.skipped} | ${c.cancelled} |`,
  ];
  const notable = state.steps
    .map((s, i) => ({ ...s, name: dag.names[i]! }))
    .filter((s) => s.phase === 'Running' || s.phase === 'Failed');
  if (notable.length > 0) {
    lines.push('', '| step | phase | attempts | message |', '|---|---|---|---|');
    for (const s of notable.slice(0, SHOWN)) {
      lines.push(`| ${s.name} | ${s.phase} | ${s.attempts ?? ''} | ${(s.message ?? '').replaceAll('|', '\\|').slice(0, 120)} |`);
    }
    if (notable.length > SHOWN) lines.push(`| … ${notable.length - SHOWN} more | | | |`);
  }
  return lines.join('\n');
}
