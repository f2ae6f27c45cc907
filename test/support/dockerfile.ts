/**
 * Just enough of a Dockerfile parser for the checks this machine can make without a Docker engine: stages,
 * their instructions (continuations joined, comments dropped) and global ARG defaults substituted in FROM.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The base: an image reference or an earlier stage's name. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines.filter((l) => l !== '')) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`cannot read FROM ${instruction.args}`);
      const from = match[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        if (!(name in args)) throw new Error(`FROM uses ARG ${name}, which has no default before the first FROM`);
        return args[name]!;
      });
      stages.push({ from, name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
      const [name = '', value] = instruction.args.split('=', 2);
      if (value !== undefined) args[name] = value;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** A COPY's options (`--from=build`), sources and destination; JSON form or plain. */
export function parseCopy(args: string): { from: string | undefined; sources: string[]; destination: string } {
  const words = args.split(/\s+/);
  const options = words.filter((w) => w.startsWith('--'));
  const paths = args.trim().endsWith(']') ? (JSON.parse(args.slice(args.indexOf('['))) as string[]) : words.filter((w) => !w.startsWith('--'));
  const from = options.find((o) => o.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}
