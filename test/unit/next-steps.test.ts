import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { compareVersions, minimumNode, nextSteps } from '../../bin/cli/next-steps.js';
import { GENERATED_SERVICE_RUNTIME } from '../../generators/lib/service-runtime.js';
import { completeSpec } from '../../generators/lib/spec.js';

describe('next steps after microforge new', () => {
  const target = join(process.cwd(), 'svc');

  it('does not repeat npm install that ran, and starts nothing with Docker as a step', () => {
    const steps = nextSteps(completeSpec({}, 'svc'), target, true, '24.21.0');
    expect(steps.commands).toEqual(['cd svc', 'npm test']);
    expect(steps.notes).toEqual(['npm run dev and npm test need Redis and RabbitMQ at the URLs in .env.development; not running yet? docker compose up -d redis rabbitmq']);
  });

  it('needs nothing running with the embedded database alone', () => {
    const steps = nextSteps(completeSpec({ cache: 'none', messaging: 'none' }, 'svc'), target, false, '24.21.0');
    expect(steps).toEqual({ commands: ['cd svc', 'npm install', 'npm run dev'], notes: [] });
  });

  it('says plainly which Node.js the generated repo needs, from the one runtime module', () => {
    const required = minimumNode(GENERATED_SERVICE_RUNTIME.nodeEngines);
    expect(required).toMatch(/^\d+(\.\d+){0,2}$/);
    const steps = nextSteps(completeSpec({ storage: 'none', messaging: 'none' }, 'svc'), target, true, '20.20.2');
    expect(steps.notes).toEqual([
      `the generated repo needs Node.js ${required} or newer (engines ${GENERATED_SERVICE_RUNTIME.nodeEngines}); this is Node.js 20.20.2: switch before running these commands`,
    ]);
    expect(nextSteps(completeSpec({ storage: 'none', messaging: 'none' }, 'svc'), target, true, required!).notes).toEqual([]);
    // The CLI runs on Node 22.18, older than what the services need: that is said too.
    expect(nextSteps(completeSpec({ storage: 'none', messaging: 'none' }, 'svc'), target, true, '22.18.0').notes).toHaveLength(compareVersions('22.18.0', required!) < 0 ? 1 : 0);
  });

  it('reads the lowest version of an engines range', () => {
    expect(minimumNode('>=22.18')).toBe('22.18');
    expect(minimumNode('>=24.3 || >=22.18 <23')).toBe('22.18');
    expect(compareVersions('22.17.1', '22.18')).toBeLessThan(0);
    expect(compareVersions('26.0.0', '22.18')).toBeGreaterThan(0);
  });
});
