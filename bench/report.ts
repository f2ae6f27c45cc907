/** The bench's result: one row per ratio of issue 12, with its goal and whether this run met it. */

export interface Row {
  /** Stable id, also what `--only=` names. */
  id: string;
  /** What is compared, as the issue's table says it. */
  ratio: string;
  /** The raw side as measured, for the table ('—' where raw Temporal has no counterpart). */
  raw: string;
  /** The bridge side as measured. */
  bridge: string;
  /** The figure the goal is about. */
  value: number;
  /** Unit of `value`: '' for a ratio. */
  unit: string;
  goal: string;
  met: boolean;
  /** How the row is measured, in a sentence or two. */
  method: string;
  detail?: Record<string, unknown>;
}

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const ms = (x: number) => `${x.toFixed(0)} ms`;

/** The rows as a Markdown table, as BENCHMARKS.md shows them. */
export function table(rows: Row[]): string {
  const lines = ['| row | ratio | raw | bridge | measured | goal | met |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const value = Number.isFinite(r.value) ? `${round(r.value, r.unit === '' ? 2 : 1)}${r.unit ? ` ${r.unit}` : ''}` : 'n/a';
    lines.push(`| ${r.id} | ${r.ratio} | ${r.raw} | ${r.bridge} | **${value}** | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}
