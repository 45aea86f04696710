/**
 * Prometheus Operator objects (monitoring.coreos.com/v1), which no built-in schema covers: a
 * ServiceMonitor that selects nothing, or names a port its Service lacks, scrapes nothing without
 * a word; a PrometheusRule the operator cannot load leaves every alert in it silent.
 */
import type { Hit, Obj, Rule } from '../model.js';
import { asArray, asObj, isObj, mapSelectorMatches, refOf, sameNamespace, stringMap } from '../objects.js';
import { objectsOfKind } from './helpers.js';

const MONITORING_API = 'monitoring.coreos.com/v1';

/** `apiVersion kind` of the custom resources these rules validate (so they are not reported as unvalidated). */
export const AUDITED_CUSTOM_KINDS: ReadonlySet<string> = new Set([`${MONITORING_API} ServiceMonitor`, `${MONITORING_API} PrometheusRule`]);

/** Prometheus durations: 30s, 5m, 1h30m. */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

function portNames(service: Obj): string[] {
  return asArray(asObj(service.spec).ports).map((port) => String(asObj(port).name ?? ''));
}

function serviceMonitorProblems(monitor: Obj, services: readonly Obj[]): string[] {
  const spec = asObj(monitor.spec);
  const selector = asObj(spec.selector);
  if (!isObj(selector.matchLabels) || Object.keys(selector.matchLabels).length === 0) return ['spec.selector.matchLabels is empty: it would select every Service'];
  const candidates = isObj(spec.namespaceSelector) ? services : services.filter((service) => sameNamespace(service, monitor));
  const selected = candidates.filter((service) => mapSelectorMatches(stringMap(selector.matchLabels), stringMap(asObj(service.metadata).labels)));
  if (selected.length === 0) return ['spec.selector selects no Service among the manifests: nothing is scraped'];
  const endpoints = asArray(spec.endpoints);
  if (endpoints.length === 0) return ['spec.endpoints is empty: nothing is scraped'];
  return endpoints.flatMap((endpoint, index) => {
    const port = asObj(endpoint).port;
    if (typeof port !== 'string') return [`spec.endpoints[${index}].port must name a Service port`];
    return selected.some((service) => portNames(service).includes(port)) ? [] : [`spec.endpoints[${index}].port '${port}' is not a port name of the selected Service`];
  });
}

function ruleProblems(rule: Obj, where: string): string[] {
  const problems: string[] = [];
  const named = [typeof rule.alert === 'string' && rule.alert !== '', typeof rule.record === 'string' && rule.record !== ''].filter(Boolean).length;
  if (named !== 1) problems.push(`${where}: needs exactly one of alert or record`);
  if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problems.push(`${where}.expr: required PromQL expression is missing`);
  if (rule.for !== undefined && !(typeof rule.for === 'string' && DURATION.test(rule.for))) problems.push(`${where}.for: '${String(rule.for)}' is not a duration such as 5m`);
  if (typeof rule.alert === 'string' && typeof asObj(rule.labels).severity !== 'string') problems.push(`${where}.labels.severity: an alert without a severity reaches no route`);
  return problems;
}

function prometheusRuleProblems(object: Obj): string[] {
  const groups = asArray(asObj(object.spec).groups);
  if (groups.length === 0) return ['spec.groups is empty'];
  const names = new Set<string>();
  return groups.flatMap((group, groupIndex) => {
    const { name, rules } = asObj(group);
    const problems: string[] = [];
    if (typeof name !== 'string' || name === '') problems.push(`spec.groups[${groupIndex}].name is missing`);
    else if (names.has(name)) problems.push(`spec.groups[${groupIndex}].name '${name}' is used twice`);
    else names.add(name);
    if (asArray(rules).length === 0) problems.push(`spec.groups[${groupIndex}].rules is empty`);
    asArray(rules).forEach((rule, ruleIndex) => problems.push(...ruleProblems(asObj(rule), `spec.groups[${groupIndex}].rules[${ruleIndex}]`)));
    return problems;
  });
}

export const monitoringRules: Rule[] = [
  {
    id: 'servicemonitor-selects-service',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'prometheus-operator ServiceMonitor selection (an unmatched selector or port scrapes nothing, silently)',
    fix: "make spec.selector.matchLabels match the Service's labels and each endpoint's port name one of its ports",
    check: (input) =>
      input.units.flatMap((unit) => {
        const services = objectsOfKind(unit, 'Service').map((service) => service.raw);
        return objectsOfKind(unit, 'ServiceMonitor')
          .filter((monitor) => monitor.raw.apiVersion === MONITORING_API)
          .flatMap((monitor): Hit[] => serviceMonitorProblems(monitor.raw, services).map((message) => ({ object: refOf(monitor.raw), source: monitor.source, message })));
      }),
  },
  {
    id: 'prometheusrule-valid',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'promtool check rules (structure), prometheus-operator admission webhook',
    fix: 'give every rule exactly one of alert/record, an expr, a duration in for, and alerts a severity label',
    check: (input) =>
      input.units.flatMap((unit) =>
        objectsOfKind(unit, 'PrometheusRule')
          .filter((object) => object.raw.apiVersion === MONITORING_API)
          .flatMap((object): Hit[] => prometheusRuleProblems(object.raw).map((message) => ({ object: refOf(object.raw), source: object.source, message }))),
      ),
  },
];
