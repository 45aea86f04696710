/**
 * Applies an instrumentation to a module object directly. Its require hook would never fire for
 * a module esbuild has bundled into dist/, so each instrumentation is created disabled (no hook)
 * and its patch is applied to the very module object the bundle imports.
 */
import type { TracerProvider } from '@opentelemetry/api';

/** What this needs of an @opentelemetry/instrumentation InstrumentationBase. */
export interface PatchableInstrumentation {
  readonly instrumentationName: string;
  setTracerProvider(provider: TracerProvider): void;
  getModuleDefinitions(): ReadonlyArray<{ name: string; patch?: (moduleExports: any, moduleVersion?: string) => unknown }>;
}

export function patchModule(instrumentation: PatchableInstrumentation, provider: TracerProvider, name: string, moduleExports: unknown): void {
  instrumentation.setTracerProvider(provider);
  const definition = instrumentation.getModuleDefinitions().find((candidate) => candidate.name === name);
  if (definition?.patch === undefined) throw new Error(`${instrumentation.instrumentationName} has no patch for ${name}`);
  definition.patch(moduleExports);
}
