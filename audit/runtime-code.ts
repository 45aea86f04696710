/**
 * Runtime rules the manifests cannot show, checked in the service's source: it writes only
 * under /tmp (the root filesystem is read-only), listens on all interfaces (the kubelet and
 * the Service reach the pod IP), handles SIGTERM (rolling updates and drains), and keeps
 * liveness free of dependencies (an outage must not restart every pod). Static and heuristic
 * by design: a rule reports only what it can see for certain in the text.
 */
import type { AuditInput, Hit, Rule } from './model.js';
import { asObj, containersOf, workloadsOf } from './objects.js';

export const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
export const TEST_FILE = /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]s$/;

/** Comments out, string contents kept (paths and signal names live in strings). */
export function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

const sources = (input: AuditInput): Array<[string, string]> =>
  [...input.code.entries()].filter(([path]) => SOURCE_FILE.test(path) && !TEST_FILE.test(path) && !path.endsWith('.d.ts')).map(([path, text]) => [path, stripComments(text)]);

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** The text of the call or block opened at `open` ('(' or '{'), up to its matching close. */
export function balanced(text: string, open: number): string {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (let index = open; index < text.length; index++) {
    const char = text[index] ?? '';
    if (quote) {
      if (char === '\\') index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if (pairs[char]) stack.push(pairs[char]);
    else if (char === stack[stack.length - 1]) {
      stack.pop();
      if (!stack.length) return text.slice(open, index + 1);
    }
  }
  return text.slice(open);
}

const WRITE_CALL = /\b(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|mkdir|mkdirSync|mkdtemp|mkdtempSync|copyFile|copyFileSync|rename|renameSync|cp|cpSync)\s*\(/g;
const TMP_REFERENCE = /tmpdir\s*\(|TMPDIR|['"`]\/tmp(\/|['"`])/;

function writeProblems(path: string, code: string): Hit[] {
  const hits: Hit[] = [];
  for (const match of code.matchAll(WRITE_CALL)) {
    const call = balanced(code, (match.index ?? 0) + match[0].length - 1);
    const firstArgument = call.slice(1, -1).split(/,(?![^(]*\))/)[0] ?? '';
    if (TMP_REFERENCE.test(firstArgument)) continue;
    const literal = /^\s*(?:[\w.]*\(\s*)?(['"`])([^'"`$]*)/.exec(firstArgument);
    if (!literal) continue; // a variable: cannot tell statically
    const target = literal[2] ?? '';
    if (target.startsWith('/tmp')) continue;
    const rename = /^(rename|copyFile|cp)/.test(match[1] ?? '');
    if (rename && call.includes('/tmp')) continue;
    hits.push({
      object: { kind: 'Source', name: path },
      source: `${path}:${lineOf(code, match.index ?? 0)}`,
      message: `${match[1] ?? 'write'}(${JSON.stringify(target)}...) writes outside /tmp: the root filesystem is read-only in the cluster`,
    });
  }
  return hits;
}

const LIVENESS_DEFAULTS = ['/livez', '/healthz', '/health/live', '/live'];
const DEPENDENCY = /\b(pool|db|database|knex|prisma|sequelize|mongoose|redis|query|sql|fetch|axios|got|amqp|nats|broker|publisher|consumer|cache|readiness|checkDependencies|dependencies)\b/i;

function livenessPaths(input: AuditInput): string[] {
  const paths = input.units.flatMap((unit) =>
    workloadsOf(unit).flatMap((workload) =>
      containersOf(workload.podSpec, ['containers']).flatMap(({ container }) => {
        const path = asObj(asObj(container.livenessProbe).httpGet).path;
        return typeof path === 'string' ? [path] : [];
      }),
    ),
  );
  return paths.length ? [...new Set(paths)] : LIVENESS_DEFAULTS;
}

/** Bodies of functions or methods named `name` (declaration, method or arrow assigned to it). */
function definitionsOf(name: string, files: Array<[string, string]>): string[] {
  const pattern = new RegExp(`(?:function\\s+${name}|(?:^|[\\s;{}])(?:async\\s+)?${name}|${name}\\s*[:=]\\s*(?:async\\s*)?(?:function)?)\\s*\\([^)]*\\)\\s*(?::[^={]+)?(?:=>\\s*)?\\{`, 'gm');
  return files.flatMap(([, code]) => [...code.matchAll(pattern)].map((match) => balanced(code, (match.index ?? 0) + match[0].length - 1)));
}

export const runtimeRules: Rule[] = [
  {
    id: 'runtime-writes-tmp-only',
    severity: 'error',
    principle: 'Read-only root filesystem',
    mirrors: 'guide (pairs with readOnlyRootFilesystem); no public default',
    fix: 'write scratch files under os.tmpdir() (/tmp, an emptyDir) and state elsewhere (database, object store)',
    check: (input) => sources(input).flatMap(([path, code]) => writeProblems(path, code)),
  },
  {
    id: 'runtime-listen-all-interfaces',
    severity: 'error',
    principle: 'Network isolation',
    mirrors: 'guide (the kubelet probes and the Service connect to the pod IP, not loopback)',
    fix: "listen on 0.0.0.0 (or '::'), e.g. app.listen({ port, host: '0.0.0.0' }); isolate with NetworkPolicy, not the bind address",
    check: (input) =>
      sources(input).flatMap(([path, code]): Hit[] => {
        const hits: Hit[] = [];
        for (const match of code.matchAll(/\.listen\s*\(/g)) {
          const call = balanced(code, (match.index ?? 0) + match[0].length - 1);
          const where = { object: { kind: 'Source', name: path }, source: `${path}:${lineOf(code, match.index ?? 0)}` };
          if (/['"`](localhost|127\.0\.0\.1|::1)['"`]/.test(call)) hits.push({ ...where, message: 'listens on loopback only: probes and the Service cannot reach it' });
          else if (/^\(\s*\{/.test(call) && !/\bhost\b/.test(call) && /\bport\b/.test(call)) {
            hits.push({ ...where, message: 'listen({ port }) without host: fastify (and others) bind to localhost by default' });
          }
        }
        for (const match of code.matchAll(/\bHOST\b[^\n]{0,80}?default\s*:\s*['"`](localhost|127\.0\.0\.1|::1)['"`]/g)) {
          hits.push({ object: { kind: 'Source', name: path }, source: `${path}:${lineOf(code, match.index ?? 0)}`, message: `HOST defaults to ${match[1] ?? 'loopback'}` });
        }
        return hits;
      }),
  },
  {
    id: 'runtime-sigterm-handled',
    severity: 'error',
    principle: 'Graceful shutdown',
    mirrors: 'guide (Kubernetes sends SIGTERM, then SIGKILL after terminationGracePeriodSeconds)',
    fix: "handle SIGTERM: process.on('SIGTERM', ...) → fail readiness, stop accepting, finish in-flight requests, close adapters, exit",
    check: (input) => {
      const files = sources(input);
      if (!files.length) return [];
      const handled = files.some(([, code]) => /['"`]SIGTERM['"`]/.test(code) || /\b(close-with-grace|@godaddy\/terminus|lightship|http-terminator)\b/.test(code));
      return handled ? [] : [{ object: { kind: 'Source', name: 'src' }, source: 'src', message: 'no SIGTERM handler found in the source: a rollout cuts in-flight requests' }];
    },
  },
  {
    id: 'runtime-liveness-no-dependencies',
    severity: 'error',
    principle: 'Self-healing probes',
    mirrors: 'guide; kube-score pod-probes (liveness must differ from readiness)',
    fix: 'make liveness report only the process itself (event loop, fatal errors); check dependencies in readiness',
    check: (input) => {
      const files = sources(input);
      const hits: Hit[] = [];
      for (const path of livenessPaths(input)) {
        const literal = new RegExp(`['"\`]${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"\`]`, 'g');
        for (const [file, code] of files) {
          for (const match of code.matchAll(literal)) {
            const open = code.lastIndexOf('(', match.index ?? 0);
            if (open < 0) continue;
            const handler = balanced(code, open);
            const called = [...handler.matchAll(/\.(\w+)\s*\(/g)].map((call) => call[1] ?? '').filter((name) => !/^(get|code|header|send|status|type|json|end|route)$/.test(name));
            const bodies = [handler, ...called.flatMap((name) => definitionsOf(name, files))];
            const dependency = bodies.map((body) => DEPENDENCY.exec(body)?.[0]).find(Boolean);
            if (dependency) {
              hits.push({
                object: { kind: 'Source', name: file },
                source: `${file}:${lineOf(code, match.index ?? 0)}`,
                message: `the liveness endpoint ${path} reaches '${dependency}': a dependency outage would restart every pod`,
              });
            }
          }
        }
      }
      return hits;
    },
  },
];
