// The dev supervisor's restart policy: doubling, capped, and forgiven once a process has stayed up.
import { describe, expect, it } from 'vitest';
import { DEV_RESTART_POLICY, INITIAL_RESTART_STATE, nextRestart, type RestartPolicy, type RestartState } from '../../sandbox/restart-backoff.js';

const policy: RestartPolicy = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, resetAfterMs: 60_000 };

/** The delays of successive deaths, each after the given uptime. */
function delays(uptimesMs: number[], p: RestartPolicy = policy): number[] {
  let state: RestartState = INITIAL_RESTART_STATE;
  return uptimesMs.map((uptime) => {
    const next = nextRestart(p, state, uptime);
    state = next.state;
    return next.delayMs;
  });
}

describe('nextRestart', () => {
  it.each([
    { case: 'first death', uptimes: [0], want: [1000] },
    { case: 'quick deaths double', uptimes: [10, 10, 10, 10], want: [1000, 2000, 4000, 8000] },
    { case: 'capped at maxDelayMs', uptimes: Array<number>(8).fill(0), want: [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000] },
    { case: 'up for resetAfterMs starts over', uptimes: [0, 0, 0, 60_000, 0], want: [1000, 2000, 4000, 1000, 2000] },
    { case: 'just under resetAfterMs does not', uptimes: [0, 59_999], want: [1000, 2000] },
  ])('$case', ({ uptimes, want }) => {
    expect(delays(uptimes)).toEqual(want);
  });

  it('stays at the cap, never overflowing, after any number of quick deaths', () => {
    const many = delays(Array<number>(5000).fill(0));
    expect(many.at(-1)).toBe(policy.maxDelayMs);
    expect(Math.max(...many)).toBe(policy.maxDelayMs);
  });

  it('does not change the state it is given', () => {
    const state = { quickDeaths: 3 };
    nextRestart(policy, state, 0);
    expect(state).toEqual({ quickDeaths: 3 });
  });

  it('the dev policy restarts within a second at first and never waits longer than its cap', () => {
    expect(DEV_RESTART_POLICY.initialDelayMs).toBeLessThanOrEqual(1000);
    expect(delays(Array<number>(20).fill(0), DEV_RESTART_POLICY).every((d) => d <= DEV_RESTART_POLICY.maxDelayMs)).toBe(true);
  });
});
