/**
 * A server the generated service talks to (a database, a cache, a broker), declared as data by
 * the component that brings it. Shared files loop over the merged list instead of asking which
 * component is present: the NetworkPolicy's egress, `.env.development`, the compose services the
 * quick start starts and the CLI's next steps.
 */
export interface BackingService {
  /** compose.yaml's service name, and what `docker compose up -d` starts. */
  composeService: string;
  /** How people name it in a sentence. */
  title: string;
  /** What to run instead of compose's, in the README's "Without Docker" list (e.g. "a Redis 7"). */
  runYourOwn: string;
  /** Client port the pods open connections to: one NetworkPolicy egress rule. */
  port: number;
  /** The port of its TLS URL scheme when that differs (rediss 6380, amqps 5671): allowed beside `port`. */
  tlsPort?: number;
  /** The egress rule's comment, one line per entry. */
  egressComment: readonly string[];
  /** `.env.development` lines beyond its settings' own local values (e.g. a commented-out alternative). */
  localEnvironment?: readonly string[];
  /** Whether `npm run dev` and `npm test` need it running (PostgreSQL runs embedded instead). */
  neededOnHost: boolean;
  compose: {
    /** Lines of the service's own `environment:` in compose.yaml that point it at this one. */
    environment: readonly string[];
    /** This service's entry under `services:`, YAML indented by two. */
    definition: string;
    /** The named volume its data lives in, or '' for none. */
    volume: string;
  };
  ci: {
    /** The setting that points the service at it, and the throwaway URL CI gives it. */
    urlSetting: string;
    url: string;
    /** Its entry under a job's `services:` (YAML indented by six), or '' when it cannot run as one. */
    serviceContainer: string;
    /** A step that starts it instead (YAML indented by six), or ''. */
    startStep: string;
  };
}

/** One `env` entry of the Deployment's container: a literal value or a key of a Secret. */
export interface DeploymentEnvVar {
  name: string;
  /** Said above the entry ('' for none). */
  comment: string;
  /** The literal value ('' when it comes from a Secret). */
  value: string;
  secret: { name: string; key: string; optional: boolean } | null;
}

/** A Secret-backed variable; the Secret itself is not part of the manifests (the README says how to create it). */
export function secretEnv(name: string, comment: string, secret: { name: string; key: string; optional?: boolean }): DeploymentEnvVar {
  return { name, comment, value: '', secret: { optional: false, ...secret } };
}

export function literalEnv(name: string, value: string, comment = ''): DeploymentEnvVar {
  return { name, comment, value, secret: null };
}
