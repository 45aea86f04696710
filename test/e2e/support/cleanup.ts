// One registry per test file (Jest gives each test file its own module registry): every helper
// that creates something (temp dir, database, process) registers how to undo it here.
type CleanupFn = () => void | Promise<void>;
interface Entry {
  label: string;
  fn: CleanupFn;
}

const entries: Entry[] = [];

/** Register an undo step; returns a function that runs it early (and unregisters it). */
export function registerCleanup(label: string, fn: CleanupFn): () => Promise<void> {
  const entry: Entry = { label, fn };
  entries.push(entry);
  return async () => {
    const i = entries.indexOf(entry);
    if (i === -1) return;
    entries.splice(i, 1);
    await entry.fn();
  };
}

/** Run every registered undo step, newest first; all run even if some fail, then failures throw. */
export async function cleanupAll(): Promise<void> {
  const errors: unknown[] = [];
  while (entries.length > 0) {
    const entry = entries.pop()!;
    try {
      await entry.fn();
    } catch (error) {
      errors.push(new Error(`cleanup "${entry.label}" failed: ${String(error)}`, { cause: error }));
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `e2e cleanup: ${errors.length} step(s) failed`);
}

/** Number of pending undo steps (for the support library's own test). */
export function pendingCleanups(): number {
  return entries.length;
}
