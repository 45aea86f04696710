/**
 * Writes a planned update (`add`, `upgrade`) through Yeoman's mem-fs. Changes the plan already
 * decided are safe go straight through; conflicts go wherever the user chose: asked about with
 * Yeoman's conflicter (diff, then yes/no/...), merged with markers, overwritten, or skipped.
 */
import Generator, { type BaseOptions } from 'yeoman-generator';
import type { PlannedChange } from '../lib/update-plan.js';

export type ConflictResolution = 'ask' | 'merge' | 'force' | 'skip';

export type ApplyOptions = BaseOptions & {
  changes: PlannedChange[];
  resolution: ConflictResolution;
};

/** mem-fs files carry the conflicter's decision; a preset one skips the collision check. */
interface ConflicterFile {
  conflicter?: string;
}

export default class ApplyGenerator extends Generator<Record<string, never>, ApplyOptions> {
  // Yeoman runs every public prototype method as a task; helpers are private and start with _.
  private _writeDecided(path: string, contents: Buffer): void {
    this.fs.write(this.destinationPath(path), contents);
    this._decided(path);
  }

  /** The plan already decided this file; the conflicter must not ask again. */
  private _decided(path: string): void {
    (this.env.sharedFs.get(this.destinationPath(path)) as unknown as ConflicterFile).conflicter = 'force';
  }

  writing(): void {
    for (const change of this.options.changes) {
      switch (change.kind) {
        case 'create':
        case 'update':
        case 'merge':
          if (change.contents) this._writeDecided(change.path, change.contents);
          break;
        case 'delete':
          this.fs.delete(this.destinationPath(change.path));
          this._decided(change.path);
          break;
        case 'conflict':
          this._writeConflict(change);
          break;
        case 'keep':
          break;
      }
    }
  }

  private _writeConflict(change: PlannedChange): void {
    const { resolution } = this.options;
    if (resolution === 'skip' || !change.rendered || !change.contents) return;
    if (resolution === 'ask') this.fs.write(this.destinationPath(change.path), change.rendered);
    else this._writeDecided(change.path, resolution === 'force' ? change.rendered : change.contents);
  }
}
