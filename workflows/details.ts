/**
 * The "current details" the Temporal UI shows for a run (User Metadata tab): its phase and step counts, then
 * the steps worth looking at. Plain lines and a list, not tables: the UI's renderer draws table cells without
 * spacing, so "total pending running" ran together into one word.
 */
import { allStepCounts, type Dag, type DagState, type FinallyPart, type RunPhase } from '../core/workflow-safe.js';

const SHOWN = 15;
const MESSAGE_CHARS = 120;

/** Markdown special characters in user text (step names, messages) shown literally. */
function literal(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

export function runDetails(dag: Dag, state: DagState, phase: RunPhase, fin?: FinallyPart, suspendedBy?: string): string {
  const c = allStepCounts(state, fin);
  const counts = (['succeeded', 'running', 'pending', 'failed', 'skipped', 'cancelled'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  const lines = [`**${phase}** · ${c.total} ${c.total === 1 ? 'step' : 'steps'}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`];
  // What the run waits for, first: a resume, a decision.
  if (suspendedBy) lines.push('', `**Suspended** by ${literal(suspendedBy)}: no new step starts until it is resumed (spec.suspend: false, or the update \`resume\`)`);
  const notable = [
    ...state.steps.map((s, i) => ({ ...s, name: dag.names[i]! })),
    ...(fin?.state.steps.map((s, i) => ({ ...s, name: `${fin.dag.names[i]!} (finally)` })) ?? []),
  ].filter((s) => s.phase === 'Running' || s.phase === 'Failed');
  if (notable.length > 0) lines.push('');
  for (const s of notable.slice(0, SHOWN)) {
    const attempts = s.attempts ? (s.phase === 'Running' ? `, attempt ${s.attempts}` : ` after ${s.attempts} ${s.attempts === 1 ? 'attempt' : 'attempts'}`) : '';
    const message = s.message ? `: ${literal(s.message.slice(0, MESSAGE_CHARS))}` : '';
    lines.push(`- **${literal(s.name)}** ${s.phase}${attempts}${message}`);
  }
  if (notable.length > SHOWN) lines.push(`- … and ${notable.length - SHOWN} more`);
  return lines.join('\n');
}
