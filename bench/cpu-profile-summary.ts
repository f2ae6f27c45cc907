/**
 * Summarises a `node --cpu-prof` profile: top functions by self and by total time (a function counted once
 * per sample however deep it recurses), and self time by where the code lives (our folders, each package).
 * Usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const repo = new URL('../', import.meta.url).href;
const where = (url: string) => {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return 'node:internal';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith(repo)) return `${url.slice(repo.length).split('/')[0]}/`;
  return url.startsWith('file:') ? 'other file' : url.split('/')[0] || '(native/vm)';
};
const fnKey = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(repo, '').replace(/^.*node_modules\//, '')}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const total = new Map<string, number>();
const byPlace = new Map<string, number>();
let all = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  const node = byId.get(id)!;
  all += ms;
  if (node.callFrame.functionName === '(idle)') return void (idle += ms);
  const key = fnKey(node);
  self.set(key, (self.get(key) ?? 0) + ms);
  const place = ['(garbage collector)', '(program)'].includes(node.callFrame.functionName) ? node.callFrame.functionName : where(node.callFrame.url);
  byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
  const onStack = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(fnKey(byId.get(at)!));
  for (const k of onStack) total.set(k, (total.get(k) ?? 0) + ms);
});

const busy = all - idle;
const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
const show = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(ms)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${k}`);
};
console.log(`${file}: ${(all / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (${((busy / all) * 100).toFixed(0)}%); percentages are of busy time`);
show('self time by place', byPlace, 20);
show('self time by function', self, top);
show('total time by function (root and (program) left out)', new Map([...total].filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(program)'))), top);
