/**
 * Dockerfile rules in the spirit of hadolint (and Docker's own build checks), on the parsed
 * Dockerfile (dockerfile-ast): ARG defaults are expanded in FROM, stages are followed through
 * `FROM <stage>` and `COPY --from=<stage>`.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import type { DockerfileInput, Hit, Rule } from './model.js';
import { parseImage } from './rules/image.js';
import { MIN_ID } from './rules/least-privilege.js';
import { SECRET_NAME, secretValueKind } from './rules/secrets.js';

interface Property {
  getName(): string;
  getValue(): string | null;
}

interface Step {
  keyword: string;
  /** Arguments after ARG expansion, flags (--from=...) excluded for COPY/ADD. */
  args: string[];
  text: string;
  line: number;
  instruction: Instruction;
}

interface Stage {
  index: number;
  image: string;
  alias?: string;
  /** The earlier stage this one builds on (FROM <alias>). */
  parent?: Stage;
  steps: Step[];
  line: number;
}

export interface ParsedDockerfile {
  path: string;
  stages: Stage[];
  /** Instructions before the first FROM (global ARGs). */
  preamble: Step[];
}

export function parseDockerfile(input: DockerfileInput): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(input.text);
  const stages: Stage[] = [];
  const preamble: Step[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const step: Step = {
      keyword,
      args: instruction.getExpandedArguments().map((argument) => argument.getValue()),
      text: instruction.getArgumentsContent() ?? '',
      line: instruction.getRange().start.line + 1,
      instruction,
    };
    if (keyword === 'FROM') {
      const [image = '', as, alias] = step.args.filter((argument) => !argument.startsWith('--platform'));
      const parent = stages.find((stage) => stage.alias !== undefined && stage.alias.toLowerCase() === image.toLowerCase());
      stages.push({
        index: stages.length,
        image,
        ...(as?.toUpperCase() === 'AS' && alias ? { alias } : {}),
        ...(parent ? { parent } : {}),
        steps: [],
        line: step.line,
      });
      continue;
    }
    const current = stages[stages.length - 1];
    if (current) current.steps.push(step);
    else preamble.push(step);
  }
  return { path: input.path, stages, preamble };
}

/** The stage and the stages it builds on, nearest first. */
const lineage = (stage: Stage): Stage[] => (stage.parent ? [stage, ...lineage(stage.parent)] : [stage]);
const stageByName = (file: ParsedDockerfile, name: string): Stage | undefined =>
  file.stages.find((stage) => stage.alias?.toLowerCase() === name.toLowerCase()) ?? (/^\d+$/.test(name) ? file.stages[Number(name)] : undefined);
const lastStep = (stage: Stage, keyword: string): Step | undefined =>
  lineage(stage)
    .flatMap((s) => [...s.steps].reverse())
    .find((step) => step.keyword === keyword);

const ref = (file: ParsedDockerfile, stage?: Stage): Hit['object'] => ({ kind: 'Dockerfile', name: stage?.alias ? `${file.path} (stage ${stage.alias})` : file.path });
const at = (file: ParsedDockerfile, line: number): string => `${file.path}:${line}`;

function eachFile(input: { dockerfiles: DockerfileInput[] }, check: (file: ParsedDockerfile) => Hit[]): Hit[] {
  return input.dockerfiles.flatMap((dockerfile) => check(parseDockerfile(dockerfile)));
}

/** Shell words of a RUN (exec form or shell form), split on && ; | so each command is seen. */
function commandsOf(step: Step): string[][] {
  const text = step.text.trim().startsWith('[') ? safeJson(step.text).join(' ') : step.text;
  return text
    .split(/&&|\|\||;|\|/)
    .map((part) => part.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);
}
function safeJson(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}

interface Install {
  tool: string;
  step: Step;
  words: string[];
  withoutDev: boolean;
}

function installsIn(stage: Stage): Install[] {
  const envProduction = stage.steps.some((step) => step.keyword === 'ENV' && /\bNODE_ENV[= ]+"?production/.test(step.text));
  return stage.steps
    .filter((step) => step.keyword === 'RUN')
    .flatMap((step) =>
      commandsOf(step).flatMap((words): Install[] => {
        const [tool = '', sub = ''] = words;
        if (!['npm', 'yarn', 'pnpm'].includes(tool)) return [];
        if (!(sub === 'ci' || sub === 'install' || sub === 'i' || (tool !== 'npm' && sub === '') || sub === 'add')) return [];
        const withoutDev = envProduction || words.some((word) => /^--(omit=dev|production|only=prod(uction)?|prod)$/.test(word));
        return [{ tool, step, words, withoutDev }];
      }),
    );
}

const copiesLockfile = (stage: Stage): boolean =>
  lineage(stage).some((s) => s.steps.some((step) => (step.keyword === 'COPY' || step.keyword === 'ADD') && /(package-lock|npm-shrinkwrap)\.json|(^|\s)\.(\s|$)/.test(step.args.join(' '))));

export const dockerfileRules: Rule[] = [
  {
    id: 'docker-base-image-pinned',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'hadolint DL3006/DL3007',
    fix: 'pin every base image to a version tag (node:24.1.0-bookworm-slim) or a digest; never latest',
    check: (input) =>
      eachFile(input, (file) =>
        file.stages.flatMap((stage): Hit[] => {
          if (stage.parent || stage.image.toLowerCase() === 'scratch') return [];
          if (stage.image.includes('$')) {
            return [{ object: ref(file, stage), source: at(file, stage.line), message: `base image '${stage.image}' depends on a build argument without a default`, fix: 'give the ARG a pinned default' }];
          }
          const { tag, digest } = parseImage(stage.image);
          if (digest || (tag && tag !== 'latest')) return [];
          return [{ object: ref(file, stage), source: at(file, stage.line), message: `base image '${stage.image}' is ${tag === 'latest' ? 'latest' : 'not pinned to a tag'}` }];
        }),
      ),
  },
  {
    id: 'docker-workdir-absolute',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'hadolint DL3000',
    fix: 'use an absolute WORKDIR such as /app',
    check: (input) =>
      eachFile(input, (file) =>
        file.stages.flatMap((stage) =>
          stage.steps
            .filter((step) => step.keyword === 'WORKDIR' && !/^(\/|\$|"\/)/.test(step.args[0] ?? ''))
            .map((step) => ({ object: ref(file, stage), source: at(file, step.line), message: `WORKDIR '${step.text}' is relative` })),
        ),
      ),
  },
  {
    id: 'docker-copy-not-add',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'hadolint DL3020',
    fix: 'use COPY for files and folders (ADD also fetches URLs and unpacks archives)',
    check: (input) =>
      eachFile(input, (file) =>
        file.stages.flatMap((stage) =>
          stage.steps.filter((step) => step.keyword === 'ADD').map((step) => ({ object: ref(file, stage), source: at(file, step.line), message: `ADD ${step.text}` })),
        ),
      ),
  },
  {
    id: 'docker-exec-form-node',
    severity: 'error',
    principle: 'Graceful shutdown',
    mirrors: 'hadolint DL3025, Docker build check JSONArgsRecommended',
    fix: 'end with an exec-form CMD that runs node directly, e.g. CMD ["node", "dist/main.js"]',
    check: (input) =>
      eachFile(input, (file): Hit[] => {
        const final = file.stages[file.stages.length - 1];
        if (!final) return [{ object: ref(file), source: file.path, message: 'no FROM: not a Dockerfile' }];
        const entrypoint = lastStep(final, 'ENTRYPOINT');
        const cmd = lastStep(final, 'CMD');
        const first = entrypoint ?? cmd;
        if (!first) return [{ object: ref(file, final), source: at(file, final.line), message: 'the final stage has no CMD or ENTRYPOINT' }];
        const hits: Hit[] = [];
        for (const step of [entrypoint, cmd]) {
          if (step && !step.text.trim().startsWith('[')) {
            hits.push({ object: ref(file, final), source: at(file, step.line), message: `${step.keyword} ${step.text} is in shell form: /bin/sh is PID 1 and SIGTERM never reaches the process` });
          }
        }
        if (!hits.length) {
          const program = (safeJson(first.text)[0] ?? '').split('/').pop() ?? '';
          if (/^(npm|npx|yarn|pnpm|sh|bash|dash|ash|tini-static)$/.test(program) || (program === 'node' && /\bnpm\b/.test(first.text))) {
            hits.push({ object: ref(file, final), source: at(file, first.line), message: `${first.keyword} runs ${program}, which stands between the signal and node` });
          }
        }
        return hits;
      }),
  },
  {
    id: 'docker-user-nonroot',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'hadolint DL3002, kube-score container-security-context-user-group-id',
    fix: `set USER <uid>:<gid> with numeric ids >= ${MIN_ID} in the final stage`,
    check: (input) =>
      eachFile(input, (file): Hit[] => {
        const final = file.stages[file.stages.length - 1];
        if (!final) return [];
        const user = lastStep(final, 'USER');
        if (!user) return [{ object: ref(file, final), source: at(file, final.line), message: 'the final stage sets no USER: the process runs as root' }];
        const [uid = '', gid] = (user.args[0] ?? '').split(':');
        const problems: string[] = [];
        if (!/^\d+$/.test(uid)) problems.push(`USER '${user.text}' is not numeric: runAsNonRoot cannot verify a name`);
        else if (Number(uid) < MIN_ID) problems.push(`USER uid ${uid} is below ${MIN_ID}${uid === '0' ? ' (root)' : ''}`);
        if (gid !== undefined && /^\d+$/.test(gid) && Number(gid) < MIN_ID) problems.push(`USER gid ${gid} is below ${MIN_ID}`);
        return problems.map((message) => ({ object: ref(file, final), source: at(file, user.line), message }));
      }),
  },
  {
    id: 'docker-npm-ci-lockfile',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'hadolint DL3016 (pinned npm packages), npm ci',
    fix: 'COPY package.json package-lock.json, then RUN npm ci (yarn --immutable, pnpm --frozen-lockfile)',
    check: (input) =>
      eachFile(input, (file) =>
        file.stages.flatMap((stage) =>
          installsIn(stage).flatMap(({ tool, words, step }): Hit[] => {
            const sub = words[1] ?? '';
            const packages = words.slice(2).filter((word) => !word.startsWith('-'));
            const base = { object: ref(file, stage), source: at(file, step.line) };
            if (tool === 'npm' && (sub === 'install' || sub === 'i')) {
              if (!packages.length) return [{ ...base, message: `'${words.join(' ')}' may change the lockfile; use npm ci` }];
              const unpinned = packages.filter((name) => !/.@\d/.test(name));
              return unpinned.length ? [{ ...base, message: `npm installs unpinned packages: ${unpinned.join(', ')}` }] : [];
            }
            if (tool === 'npm' && sub === 'ci') return copiesLockfile(stage) ? [] : [{ ...base, message: 'npm ci runs in a stage that never copied package-lock.json' }];
            if (tool !== 'npm' && !words.some((word) => /^--(frozen-lockfile|immutable)$/.test(word)) && sub !== 'add') {
              return [{ ...base, message: `'${words.join(' ')}' does not enforce the lockfile` }];
            }
            return [];
          }),
        ),
      ),
  },
  {
    id: 'docker-no-dev-dependencies',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'guide (npm ci --omit=dev); Snyk/Docker best practice',
    fix: 'install production dependencies in their own stage (npm ci --omit=dev) and copy only that node_modules into the final stage',
    check: (input) =>
      eachFile(input, (file): Hit[] => {
        const final = file.stages[file.stages.length - 1];
        if (!final) return [];
        const hits: Hit[] = [];
        for (const stage of lineage(final)) {
          for (const install of installsIn(stage)) {
            if (!install.withoutDev) hits.push({ object: ref(file, final), source: at(file, install.step.line), message: `the final image inherits '${install.words.join(' ')}', which installs dev dependencies` });
          }
        }
        for (const step of final.steps) {
          if (step.keyword !== 'COPY') continue;
          const fromFlag = (step.instruction as unknown as { getFromFlag?: () => { getValue(): string | null } | null }).getFromFlag?.()?.getValue();
          if (!fromFlag) continue;
          const sources = step.args.slice(0, -1);
          if (!sources.some((source) => /node_modules|^\.?\/?$|^\/app\/?$/.test(source))) continue;
          const origin = stageByName(file, fromFlag);
          if (!origin) continue;
          const devInstall = lineage(origin)
            .flatMap(installsIn)
            .find((install) => !install.withoutDev);
          if (devInstall) hits.push({ object: ref(file, final), source: at(file, step.line), message: `copies node_modules from stage '${fromFlag}', which ran '${devInstall.words.join(' ')}' (dev dependencies included)` });
        }
        return hits;
      }),
  },
  {
    id: 'docker-no-secrets',
    severity: 'error',
    principle: 'Configuration & secrets',
    mirrors: 'Docker build check SecretsUsedInArgOrEnv, hadolint (spirit)',
    fix: 'pass build secrets with RUN --mount=type=secret and runtime secrets from the orchestrator, never ENV or ARG',
    check: (input) =>
      eachFile(input, (file) =>
        [...file.preamble.map((step) => ({ step, stage: undefined as Stage | undefined })), ...file.stages.flatMap((stage) => stage.steps.map((step) => ({ step, stage })))]
          .filter(({ step }) => step.keyword === 'ENV' || step.keyword === 'ARG')
          .flatMap(({ step, stage }): Hit[] => {
            const instruction = step.instruction as unknown as { getProperties?: () => Property[]; getProperty?: () => Property | null };
            const single = instruction.getProperty?.();
            const properties = instruction.getProperties?.() ?? (single ? [single] : []);
            return properties.flatMap((property) => {
              const name = property.getName();
              const value = property.getValue() ?? '';
              const kind = secretValueKind(value);
              if (!kind && !SECRET_NAME.test(name)) return [];
              return [{ object: ref(file, stage), source: at(file, step.line), message: `${step.keyword} ${name} ${kind ? `holds ${kind}` : 'looks like a secret'}: it stays in the image history` }];
            });
          }),
      ),
  },
];
