// core/messages.ts: the one bounding rule for status, condition and Event messages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedMessage, truncateBytes, utf8Bytes } from '../../core/index.js';

describe('utf8Bytes', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['→', 3],
    ['é', 2],
    ['😀', 4],
  ])('%j is %i bytes', (text, bytes) => expect(utf8Bytes(text)).toBe(bytes));

  it('agrees with Buffer on any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => utf8Bytes(text) === Buffer.byteLength(text, 'utf8') || /[\ud800-\udfff]/.test(text)));
  });
});

describe('boundedMessage', () => {
  it.each([
    { name: 'no problems: the prefix alone', problems: [], max: 100, want: 'invalid spec' },
    { name: 'all fit', problems: ['a', 'b'], max: 100, want: 'invalid spec: a; b' },
    { name: 'the rest counted', problems: ['aaaa', 'bbbb', 'cccc', 'dddd'], max: 36, want: 'invalid spec: aaaa; bbbb; and 2 more' },
    { name: 'one too long is cut, the rest counted', problems: ['x'.repeat(100), 'y'], max: 40, want: `invalid spec: ${'x'.repeat(11)}…; and 1 more` },
  ])('$name', ({ problems: list, max, want }) => {
    const got = boundedMessage(list, max, 'invalid spec');
    expect(got).toBe(want);
    expect(utf8Bytes(got)).toBeLessThanOrEqual(max);
  });

  it('keeps 600 missing-parameter lines within 32768 bytes and counts the rest', () => {
    const lines = Array.from({ length: 600 }, (_, i) => `step "step-${i}" uses {{params.branch}}, which is not a parameter of this run`);
    const got = boundedMessage(lines, 32768, 'invalid spec');
    expect(utf8Bytes(got)).toBeLessThanOrEqual(32768);
    expect(got).toMatch(/^invalid spec: step "step-0" uses \{\{params\.branch\}\}/);
    const more = Number(/; and (\d+) more$/.exec(got)?.[1]);
    expect(got.split('; step').length + more).toBe(600);
  });

  it('never exceeds the bound, names the first problem, and counts what it leaves out', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { maxLength: 50 }), fc.integer({ min: 64, max: 4096 }), (list, max) => {
        const got = boundedMessage(list, max, 'invalid spec');
        expect(utf8Bytes(got)).toBeLessThanOrEqual(max);
        if (list.length > 0) expect(got.startsWith(`invalid spec: ${truncateBytes(list[0]!, 8).replace(/…$/, '')}`)).toBe(true);
        const shown = /; and (\d+) more$/.exec(got);
        if (shown) expect(Number(shown[1])).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('does not split a surrogate pair', () => {
    const got = truncateBytes('😀'.repeat(10), 11);
    expect(got).toBe('😀😀…');
  });

});
