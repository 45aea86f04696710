/** Configuration & secrets: secrets come from Secrets (or a secret store), never from literals in Git. */
import type { Hit, Rule } from '../model.js';
import { asArray, asObj, refOf } from '../objects.js';
import { eachContainer, objectsOfKind } from './helpers.js';

/** Names that announce a secret: DB_PASSWORD, API_KEY, githubToken, client-secret... */
export const SECRET_NAME = /(^|[_.-]|[a-z](?=[A-Z]))(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key)s?($|[_.-]|[A-Z])/i;

/** Values that are secrets whatever their name. */
const SECRET_VALUE: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i, 'a URL with an embedded password'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./, 'a JSON Web Token'],
];

export function secretValueKind(value: string): string | undefined {
  return SECRET_VALUE.find(([pattern]) => pattern.test(value))?.[1];
}

/** Settings inside a config file value (`KEY: value`, `key=value`), comments skipped. */
function secretSettingsIn(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*(#|\/\/)/.test(line))
    .flatMap((line) => {
      const match = /^\s*"?([A-Za-z_][\w.-]*)"?\s*[:=]\s*(.+?)\s*,?$/.exec(line);
      return match?.[1] && match[2] && SECRET_NAME.test(match[1]) && !/^(""|''|null|~|\{\}|\[\])$/.test(match[2]) ? [match[1]] : [];
    });
}

export const secretRules: Rule[] = [
  {
    id: 'no-literal-secret-env',
    severity: 'error',
    principle: 'Configuration & secrets',
    mirrors: 'kube-linter env-var-secret, Polaris sensitiveContainerEnvVar',
    fix: 'read the value from a Secret (valueFrom.secretKeyRef) instead of a literal',
    check: (input) =>
      eachContainer(input, ({ container }) => {
        const problems = asArray(container.env).flatMap((variable) => {
          const name = String(variable.name ?? '');
          if (typeof variable.value !== 'string' || variable.value === '') return [];
          const kind = secretValueKind(variable.value);
          if (kind) return [`env ${name} holds ${kind}`];
          return SECRET_NAME.test(name) ? [`env ${name} looks like a secret and has a literal value`] : [];
        });
        return problems.length ? problems.join('; ') : undefined;
      }),
  },
  {
    id: 'no-secret-in-configmap',
    severity: 'error',
    principle: 'Configuration & secrets',
    mirrors: 'Polaris sensitiveConfigmapContent',
    fix: 'move the value into a Secret (or a secret store) and reference it; ConfigMaps are readable by anyone who can read the namespace',
    check: (input) =>
      input.units.flatMap((unit) =>
        objectsOfKind(unit, 'ConfigMap').flatMap((configMap): Hit[] =>
          Object.entries(asObj(configMap.raw.data)).flatMap(([key, value]): Hit[] => {
            const text = String(value);
            const problems: string[] = [];
            if (SECRET_NAME.test(key) && text.trim() !== '') problems.push(`key '${key}' looks like a secret`);
            const kind = secretValueKind(text);
            if (kind) problems.push(`key '${key}' holds ${kind}`);
            const settings = secretSettingsIn(text);
            if (settings.length) problems.push(`key '${key}' sets ${settings.join(', ')}`);
            return problems.map((message) => ({ object: refOf(configMap.raw), source: configMap.source, message }));
          }),
        ),
      ),
  },
];
