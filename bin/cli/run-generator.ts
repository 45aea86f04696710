/**
 * Runs the app generator in a yeoman-environment. Imported lazily: loading the Yeoman stack costs
 * most of a generation's time, and --help or a usage error should not pay for it.
 */
import { Writable } from 'node:stream';
import type { RenderedTree } from '../../generators/lib/render.js';
import type { ServiceSpec } from '../../generators/lib/spec.js';

export interface GeneratorRun {
  destinationRoot: string;
  given: Partial<ServiceSpec>;
  directoryName: string;
  interactive: boolean;
  dryRun: boolean;
  force: boolean;
}

export interface GeneratorResult {
  spec: ServiceSpec;
  tree: RenderedTree;
}

/** Takes Yeoman's own log (per-file "create" lines, install notices): the CLI reports once, itself. */
function discardingStream(): NodeJS.WriteStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;
}

export async function runAppGenerator(run: GeneratorRun): Promise<GeneratorResult> {
  const [{ default: Environment }, { TerminalAdapter }, { default: AppGenerator }] = await Promise.all([
    import('yeoman-environment'),
    import('@yeoman/adapter'),
    import('../../generators/app/index.js'),
  ]);
  // Prompts still reach the terminal; `new` never meets a conflict (occupied targets need --force).
  const adapter = new TerminalAdapter({ stdin: process.stdin, stdout: process.stdout, stderr: discardingStream() });
  const environment = new Environment({ cwd: run.destinationRoot, adapter, skipInstall: true, force: run.force });
  const generator = await environment.instantiate<InstanceType<typeof AppGenerator>>(AppGenerator, {
    generatorArgs: [],
    generatorOptions: {
      destinationRoot: run.destinationRoot,
      given: run.given,
      directoryName: run.directoryName,
      interactive: run.interactive,
      dryRun: run.dryRun,
      skipInstall: true,
      force: run.force,
    } as never,
  });
  await environment.runGenerator(generator);
  if (!generator.spec || !generator.tree) throw new Error('the app generator finished without a spec');
  return { spec: generator.spec, tree: generator.tree };
}
