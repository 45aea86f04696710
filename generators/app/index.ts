/**
 * `microforge new` as a Yeoman generator (for `yo` and yeoman-test): asks for what is missing,
 * renders the repo in memory, and writes it through Yeoman's mem-fs (conflict handling and
 * --force come from there). The CLI runs these same phases without loading the Yeoman runtime
 * (bin/cli/run-generator.ts): keep the two in step. Install and git run after the files are in
 * place, in the CLI, so a failed generation never leaves half a repo behind.
 */
import Generator, { type BaseOptions } from 'yeoman-generator';
import { changedFiles } from '../lib/changed-files.js';
import { renderRepo, type RenderedTree } from '../lib/render.js';
import { completeSpec, type ServiceSpec } from '../lib/spec.js';
import { questionsForMissing } from './prompts.js';

export type AppOptions = BaseOptions & {
  /** Choices from flags and the answers file, already checked one by one. */
  given: Partial<ServiceSpec>;
  directoryName: string;
  interactive: boolean;
  dryRun: boolean;
};

export default class AppGenerator extends Generator<Record<string, never>, AppOptions> {
  spec?: ServiceSpec;
  tree?: RenderedTree;
  private answers: Partial<ServiceSpec> = {};

  async prompting(): Promise<void> {
    if (!this.options.interactive) return;
    const questions = questionsForMissing(this.options.given, this.options.directoryName);
    // The adapter's prompt types are generic over the answer shape; our questions are built from the model.
    this.answers = (await this.prompt(questions as never)) as Partial<ServiceSpec>;
  }

  configuring(): void {
    this.spec = completeSpec({ ...this.options.given, ...this.answers }, this.options.directoryName);
    this.tree = renderRepo(this.spec);
  }

  writing(): void {
    if (this.options.dryRun || !this.tree) return;
    for (const [destination, contents] of changedFiles(this.tree, this.destinationRoot())) this.fs.write(destination, contents);
  }
}
