// The lines `npm run dev` sends its reaper: which process groups to stop if it dies.
import { describe, expect, it } from 'vitest';
import { applyReaperLine } from '../../sandbox/reaper.js';

function apply(lines: string[]): [number, string][] {
  const groups = new Map<number, string>();
  for (const line of lines) applyReaperLine(groups, line);
  return [...groups];
}

describe('applyReaperLine', () => {
  it.each([
    { case: 'tracks a group with its name', lines: ['+12 etcd'], want: [[12, 'etcd']] },
    { case: 'forgets an untracked group', lines: ['+12 etcd', '+13 temporal', '-12'], want: [[13, 'temporal']] },
    { case: 'names a group without a name by its id', lines: ['+14'], want: [[14, 'pgid 14']] },
    { case: 'keeps spaces in names', lines: ['+15 kube apiserver'], want: [[15, 'kube apiserver']] },
    { case: 'ignores blank and malformed lines', lines: ['', 'hello', '+x etcd', '*3', '+-4'], want: [] },
    { case: 'untracking an unknown group is harmless', lines: ['-99'], want: [] },
  ])('$case', ({ lines, want }) => {
    expect(apply(lines)).toEqual(want);
  });
});
