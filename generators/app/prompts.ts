import { CHOICES, defaultFor, type Choice, type ServiceSpec } from '../lib/spec.js';

/** An inquirer question, typed loosely: the adapter's own types are generic over answers. */
export interface ChoiceQuestion {
  type: 'input' | 'select';
  name: keyof ServiceSpec;
  message: string;
  /** A function of the answers given so far in this run, so Enter at every prompt equals --yes. */
  default: (answers: Partial<ServiceSpec>) => unknown;
  choices?: Array<{ name: string; value: string; description: string; disabled?: string | false }>;
  validate?: (value: string) => true | string;
  when: (answers: Partial<ServiceSpec>) => boolean;
}

function questionFor(choice: Choice, given: Partial<ServiceSpec>, directoryName: string): ChoiceQuestion {
  const known = (answers: Partial<ServiceSpec>): Partial<ServiceSpec> => ({ ...given, ...answers });
  const when = (answers: Partial<ServiceSpec>): boolean => choice.relevantWhen?.(known(answers)) ?? true;
  const message = `[${choice.group}] ${choice.message}`;
  if (choice.kind === 'text') {
    return {
      type: 'input',
      name: choice.key,
      message,
      default: (answers) => defaultFor(choice.key, known(answers), directoryName),
      validate: (value) => choice.problemWith(value) ?? true,
      when,
    };
  }
  return {
    type: 'select',
    name: choice.key,
    message,
    default: (answers) => defaultFor(choice.key, known(answers), directoryName) ?? undefined,
    choices: choice.options.map((option) => ({
      name: option.label,
      value: option.value,
      description: option.implies,
      disabled: option.unavailable ? '(not available in this release)' : false,
    })),
    when,
  };
}

/** Questions for every choice the flags and answers file left open, in the model's grouped order. */
export function questionsForMissing(given: Partial<ServiceSpec>, directoryName: string): ChoiceQuestion[] {
  return CHOICES.filter((choice) => given[choice.key] === undefined).map((choice) => questionFor(choice, given, directoryName));
}
