/**
 * The one bounding rule for every message written back to Kubernetes (status.message, condition messages,
 * Event messages): the first problems that fit, then "and N more". Pure; lengths are UTF-8 bytes, which is
 * what the apiserver counts, so a bounded message is never rejected however many non-ASCII characters it has.
 */

/** status.message and a condition's message: maxLength of the CRD (generated from these constants). */
export const STATUS_MESSAGE_MAX_BYTES = 32768;
/**
 * An Event's message: events.k8s.io/v1 rejects a note over 1 KiB, and core/v1 accepts longer ones only for
 * compatibility (client-go's recorders cut them too); one limit for every Event we record.
 */
export const EVENT_MESSAGE_MAX_BYTES = 1024;

/** UTF-8 length of a string, without TextEncoder (not in every sandbox). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

const ELLIPSIS = '…';

/** A text as one line: every run of whitespace (line breaks included) one space, none at either end. */
export function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts a text to at most `maxBytes` UTF-8 bytes, ending it with "…" when cut; never splits a surrogate pair. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const room = maxBytes - utf8Bytes(ELLIPSIS);
  if (room <= 0) return '';
  let lo = 0;
  let hi = text.length;
  // The longest prefix that fits; bytes grow with the prefix, so a binary search finds it.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (utf8Bytes(text.slice(0, mid)) <= room) lo = mid;
    else hi = mid - 1;
  }
  let end = lo;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a lone high surrogate would be invalid UTF-8
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * "prefix: p1; p2; …; and N more" within `maxBytes`. Problems are kept in order; one that is too long on
 * its own (a cycle of 2,000 steps) is cut with "…". Always names at least the first problem, if any.
 */
export function boundedMessage(problems: readonly string[], maxBytes: number, prefix = ''): string {
  const head = prefix ? `${prefix}: ` : '';
  if (problems.length === 0) return truncateBytes(prefix, maxBytes);
  const parts: string[] = [];
  let used = utf8Bytes(head);
  for (let i = 0; i < problems.length; i++) {
    const left = problems.length - i - 1;
    const more = left > 0 ? `; and ${left} more` : '';
    const sep = parts.length > 0 ? '; ' : '';
    const problem = problems[i]!;
    const fits = used + utf8Bytes(sep) + utf8Bytes(problem) + utf8Bytes(more) <= maxBytes;
    if (fits) {
      parts.push(problem);
      used += utf8Bytes(sep) + utf8Bytes(problem);
      continue;
    }
    if (parts.length === 0) {
      // Not even the first one fits: cut it, leaving room for the count of the rest.
      const room = maxBytes - used - utf8Bytes(more);
      parts.push(truncateBytes(problem, Math.max(room, 0)));
      return truncateBytes(head + parts[0] + more, maxBytes);
    }
    return truncateBytes(`${head}${parts.join('; ')}; and ${problems.length - i} more`, maxBytes);
  }
  return head + parts.join('; ');
}

/** A single message (a workflow's failure, a terminate reason) bounded by the same rule. */
export function boundText(text: string, maxBytes: number): string {
  return truncateBytes(text, maxBytes);
}
