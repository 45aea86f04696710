/**
 * The package manager a generated repo installs with: npm (the default, recorded as nothing),
 * pnpm or Yarn. Chosen by `--package-manager`, the answers file's `packageManager`, or the
 * manager that ran `pnpm create` / `yarn create` (npm_config_user_agent). Everything that differs
 * per manager is data here: the commands the docs and next steps print, how the image's build
 * stage and CI install from the lockfile, and the lockfile itself. Templates print these values
 * and never ask which manager it is.
 */
import { UsageError } from './usage-error.js';

export const PACKAGE_MANAGER_IDS = ['npm', 'pnpm', 'yarn'] as const;
export type PackageManagerId = (typeof PACKAGE_MANAGER_IDS)[number];

/**
 * The version a repo pins (the image, CI; Yarn also in package.json) when the manager's own
 * is unknown (`--package-manager pnpm` run by npm). Installed from the npm registry, since
 * corepack left Node with 25.
 */
export const PINNED_PACKAGE_MANAGER_VERSIONS = { pnpm: '12.23.0', yarn: '4.18.1' } as const;

/**
 * The oldest major each supports: pnpm 10 skips dependency build scripts (pnpm-workspace.yaml's
 * allowBuilds settles them from 10.26; older 10s only warn); Yarn 4 is the first whose
 * node-modules linker and disabled build scripts the repo relies on. Older ones cannot read the
 * `packageManager` field the repo pins, and stop.
 */
const MINIMUM_MAJOR = { pnpm: 10, yarn: 4 } as const;

/** The npm package each manager is installed from in the image's build stage and in CI. */
const NPM_PACKAGE = { pnpm: 'pnpm', yarn: '@yarnpkg/cli-dist' } as const;

type OtherManager = keyof typeof PINNED_PACKAGE_MANAGER_VERSIONS;

/** What templates and the CLI print for the repo's package manager. */
export interface PackageManagerCommands {
  id: PackageManagerId;
  /**
   * package.json's packageManager field: `yarn@4.18.1`; '' for npm, and for pnpm, which would
   * then also pin its own platform binaries (@pnpm/exe.*) in the lockfile, failing where the
   * registry lacks one. pnpm's version is pinned where it is installed instead (image, CI).
   */
  packageManagerField: string;
  lockfile: string;
  install: string;
  /** Installs exactly the lockfile, failing when it is out of date (CI, the image). */
  frozenInstall: string;
  /** Runs a package.json script: `npm run dev`, `pnpm dev`, `yarn dev`. */
  run: string;
  /** Runs a script whose name is also a built-in command of some manager (audit, upgrade). */
  runScript: string;
  /** What goes between a script and its own arguments: npm needs `--`, pnpm and Yarn pass them on. */
  passArgs: string;
  test: string;
  start: string;
  create: string;
  /** Installs the manager itself where only Node and npm exist (a build stage, a CI runner): '' for npm. */
  installManager: string;
  /** The Dockerfile's dependency stage: copy the manifest and lockfile, install exactly them. */
  dockerDependencies: string;
  /** GitHub Actions steps from setting up Node (the matrix's) to the dependencies installed. */
  ciSetup: string;
  /** Rewrites the lockfile after package.json changed, installing nothing (the upgrade workflow). */
  lockfileOnly: string;
}

const NPM: PackageManagerCommands = {
  id: 'npm',
  packageManagerField: '',
  lockfile: 'package-lock.json',
  install: 'npm install',
  frozenInstall: 'npm ci',
  run: 'npm run',
  runScript: 'npm run',
  passArgs: ' --',
  test: 'npm test',
  start: 'npm start',
  create: 'npm create',
  installManager: '',
  dockerDependencies: `COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund`,
  ciSetup: `      - uses: actions/setup-node@v5
        with:
          node-version: $\{{ matrix.node }}
          cache: npm
      - run: npm ci`,
  lockfileOnly: 'npm install --package-lock-only --no-audit --no-fund',
};

function otherManager(id: OtherManager, version: string): PackageManagerCommands {
  const installManager = `npm install --global --ignore-scripts --no-audit --no-fund ${NPM_PACKAGE[id]}@${version}`;
  const pnpm = id === 'pnpm';
  const lockfile = pnpm ? 'pnpm-lock.yaml' : 'yarn.lock';
  const settingsFile = pnpm ? 'pnpm-workspace.yaml' : '.yarnrc.yml';
  const frozenInstall = pnpm ? 'pnpm install --frozen-lockfile' : 'yarn install --immutable';
  return {
    id,
    packageManagerField: pnpm ? '' : `${id}@${version}`,
    lockfile,
    install: `${id} install`,
    frozenInstall,
    run: id,
    runScript: `${id} run`,
    passArgs: '',
    test: `${id} test`,
    start: `${id} start`,
    create: `${id} create`,
    installManager,
    // The manager only exists in this stage: the runtime stage starts again from the Node image.
    dockerDependencies: `COPY package.json ${lockfile} ${settingsFile} ./
RUN ${installManager} \\
 && ${pnpm ? 'pnpm install --frozen-lockfile --ignore-scripts' : 'yarn install --immutable --mode=skip-build'}`,
    ciSetup: pnpm
      ? `      - uses: pnpm/action-setup@v4
        with:
          version: ${version}
      - uses: actions/setup-node@v5
        with:
          node-version: $\{{ matrix.node }}
          cache: pnpm
      - run: ${frozenInstall}`
      : `      - uses: actions/setup-node@v5
        with:
          node-version: $\{{ matrix.node }}
      # Yarn from the npm registry at the version package.json's packageManager field names.
      - run: ${installManager}
      - uses: actions/cache@v4
        with:
          path: ~/.yarn/berry/cache
          key: yarn-$\{{ hashFiles('yarn.lock') }}
      - run: ${frozenInstall}`,
    lockfileOnly: `${installManager} && ${pnpm ? 'pnpm install --lockfile-only' : 'yarn install --mode=update-lockfile'}`,
  };
}

/** The commands of a recorded choice: `pnpm@12.23.0`, `yarn@4.18.1`, or undefined for npm. */
export function packageManagerCommands(recorded: string | undefined): PackageManagerCommands {
  if (recorded === undefined) return NPM;
  const [id, version] = recorded.split('@') as [OtherManager, string];
  return otherManager(id, version);
}

const VALUE = /^(npm|pnpm|yarn)(?:@(\d+)\.(\d+)\.(\d+))?$/;

/**
 * Checks `--package-manager` / `packageManager`: `npm`, `pnpm`, `yarn`, or pnpm/yarn with an exact
 * version. Returns what the repo records: undefined for npm, else `id@version` (the pinned one
 * when none is given, or `versionOfRunningManager` when that manager ran the command).
 */
export function checkPackageManager(raw: unknown, source: string, runningManager?: { id: PackageManagerId; version: string }): string | undefined {
  const match = typeof raw === 'string' ? VALUE.exec(raw) : null;
  if (!match) {
    throw new UsageError(`${source} must be npm, pnpm or yarn (optionally pnpm@X.Y.Z or yarn@X.Y.Z), got ${JSON.stringify(raw)}`);
  }
  const id = match[1] as PackageManagerId;
  if (id === 'npm') {
    if (match[2] !== undefined) throw new UsageError(`${source}: npm takes no version (the repo uses the npm that comes with Node.js), got ${String(raw)}`);
    return undefined;
  }
  if (match[2] === undefined) {
    const version = runningManager?.id === id && supportedMajor(id, runningManager.version) ? runningManager.version : PINNED_PACKAGE_MANAGER_VERSIONS[id];
    return `${id}@${version}`;
  }
  if (!supportedMajor(id, `${match[2]}.${match[3]}.${match[4]}`)) {
    throw new UsageError(`${source}: ${id} ${match[2]} is too old; generated repos need ${id} ${MINIMUM_MAJOR[id]} or newer`);
  }
  return `${id}@${match[2]}.${match[3]}.${match[4]}`;
}

function supportedMajor(id: OtherManager, version: string): boolean {
  return Number(version.split('.')[0]) >= MINIMUM_MAJOR[id];
}

/** The manager and its exact version from `npm_config_user_agent` (`pnpm/12.23.0 npm/? node/v26.12.1 linux x64`). */
export function managerFromUserAgent(userAgent: string | undefined): { id: PackageManagerId; version: string } | undefined {
  const match = /^(npm|pnpm|yarn)\/(\d+\.\d+\.\d+)/.exec(userAgent ?? '');
  return match ? { id: match[1] as PackageManagerId, version: match[2]! } : undefined;
}

/**
 * What a repo records when no flag or answers file chose: the manager that ran `create`, when it
 * is one generated repos support. `notice` says why an older one is not used.
 */
export function packageManagerOfCreate(userAgent: string | undefined): { recorded: string | undefined; notice?: string } {
  const running = managerFromUserAgent(userAgent);
  if (running === undefined || running.id === 'npm') return { recorded: undefined };
  if (!supportedMajor(running.id, running.version)) {
    return {
      recorded: undefined,
      notice: `${running.id} ${running.version} ran this, but generated repos need ${running.id} ${MINIMUM_MAJOR[running.id]} or newer: installing with npm (--package-manager ${running.id} pins ${running.id} ${PINNED_PACKAGE_MANAGER_VERSIONS[running.id]})`,
    };
  }
  return { recorded: `${running.id}@${running.version}` };
}
