/**
 * The `tabrl` command: headless train / forward / grads / bench in Node via Dawn. Each subcommand
 * lives in `commands/` and is loaded only when asked for, so `tabrl --help` starts instantly.
 */

interface Command {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number> }>;
}

// The registry of subcommands, in the order `--help` lists them.
const COMMANDS: Record<string, Command> = {
  train: {
    summary: 'train a run headless (preset, config file or share link) into a run folder',
    load: () => import('./commands/train.js'),
  },
  forward: {
    summary: 'logits [B,T,V] of a checkpoint on a token file, as safetensors',
    load: () => import('./commands/forward.js'),
  },
  grads: {
    summary: 'loss and every parameter gradient of a checkpoint on a token file, as safetensors',
    load: () => import('./commands/grads.js'),
  },
  eval: {
    summary: 'held-out eval metrics (pass@1, pass@k, greedy, reward) of a checkpoint folder on a task',
    load: () => import('./commands/eval.js'),
  },
  generate: {
    summary: "print a checkpoint folder's completions for given prompts",
    load: () => import('./commands/generate.js'),
  },
  export: {
    summary: 'a run folder as an HF folder, a PEFT adapter or a TRL script; --estimate: memory of a model',
    load: () => import('./commands/export.js'),
  },
  interpolate: {
    summary:
      'WiSE-FT weight interpolation: (1 - alpha)·A + alpha·B of two checkpoint folders, as an HF folder',
    load: () => import('./commands/interpolate.js'),
  },
  experiment: {
    summary:
      'run a declared experiment (a claim from a paper) arm by arm and write its verdict; --list names them',
    load: () => import('./commands/experiment.js'),
  },
  bench: {
    summary: 'kernel and model benchmarks against tfjs-backend-webgpu on this adapter',
    load: () => import('./commands/bench.js'),
  },
  adapter: {
    summary: 'print the WebGPU adapter facts Node sees',
    load: () => import('./commands/adapter.js'),
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: npm run tabrl -- <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'Run a command with --help for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`tabrl: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`tabrl: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.TABRL_DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(1);
  },
);
