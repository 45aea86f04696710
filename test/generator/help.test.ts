/**
 * --help against the choice model: every choice, value and default `new --yes` really takes
 * (completeSpec, the same code a generation runs) is in `new --help`, and the top-level help
 * lists the commands main.ts dispatches and the components `add` accepts.
 */
import { describe, expect, it } from '@jest/globals';
import { COMPONENTS } from '../../generators/lib/components.js';
import { CHOICES, completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { runCli } from '../e2e/support/run.js';

const lineOf = (help: string, flag: string): string => help.split('\n').find((line) => line.trimStart().startsWith(`${flag} `)) ?? '';

describe('help text', () => {
  it('new --help states every choice, value and the defaults new --yes takes', async () => {
    const { exitCode, stdout: help } = await runCli(['new', '--help']);
    expect(exitCode).toBe(0);
    const defaults = completeSpec({}, 'dir');
    for (const choice of CHOICES) {
      const line = lineOf(help, choice.flag);
      expect(line).not.toBe('');
      if (choice.kind === 'text') continue;
      const stated = /\(default: ([^;)]+)/.exec(line)?.[1];
      expect({ flag: choice.flag, stated }).toEqual({ flag: choice.flag, stated: String(defaults[choice.key] ?? 'none') });
      for (const option of choice.options) expect(help).toMatch(new RegExp(`^\\s+${option.value}: `, 'm'));
    }
    // Defaults that follow an earlier choice say so: without storage there is no cache, without messaging no broker.
    const withoutStorage: ServiceSpec = completeSpec({ storage: 'none' }, 'dir');
    expect(lineOf(help, '--cache')).toContain(`; ${withoutStorage.cache} with --storage none`);
    const withoutMessaging = completeSpec({ messaging: 'none' }, 'dir');
    expect(lineOf(help, '--broker')).toContain(`; ${withoutMessaging.broker ?? 'none'} with --messaging none`);
  });

  it('the top-level help lists the real commands and the components add takes', async () => {
    const { exitCode, stdout: help } = await runCli(['--help']);
    expect(exitCode).toBe(0);
    for (const command of ['new', 'add', 'upgrade', 'audit']) expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const addLine = lineOf(help, 'add');
    for (const component of COMPONENTS.filter((candidate) => candidate.addable)) expect(addLine).toContain(component.id);
    expect(help).not.toMatch(/as they land|not available yet/);
  });
});
