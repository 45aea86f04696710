import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

const DATABASE_URL = 'postgres://app:s3cret@db.internal:5432/orders';
const NATS_URL = 'nats://nats.internal:4222';
const required = { DATABASE_URL, NATS_URL };
const dir = mkdtempSync(join(tmpdir(), 'orders-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, 'a configuration error is one line');
    return error.message;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({ ...required });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.nodeEnv, 'production');
    assert.ok(config.shutdownDrainMs < config.shutdownTimeoutMs);
    assert.equal(config.database.url, DATABASE_URL);
    assert.equal(config.database.poolMax, 10);
    assert.equal(config.database.migrateOnStart, true);
  });

  it('reads typed values from the environment', () => {
    const config = loadConfig({ ...required, PORT: '9090', LOG_LEVEL: 'debug', EVENT_LOOP_STALL_MS: '250', UNRELATED: 'x' });
    assert.equal(config.port, 9090);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.eventLoopStallMs, 250);
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ ...required, PORT: '' }).port, 8080);
  });

  for (const [name, value, expected] of [
    ['PORT', 'abc', /^PORT must be an integer port/],
    ['PORT', '80.5', /^PORT must be an integer port/],
    ['PORT', '70000', /^PORT must be an integer port/],
    ['LOG_LEVEL', 'verbose', /^LOG_LEVEL must be one of fatal, error/],
    ['NODE_ENV', 'prod', /^NODE_ENV must be one of/],
    ['SHUTDOWN_TIMEOUT_MS', '-1', /^SHUTDOWN_TIMEOUT_MS must be an integer number of milliseconds/],
    ['SHUTDOWN_DRAIN_MS', '60000', /^SHUTDOWN_DRAIN_MS must be smaller than SHUTDOWN_TIMEOUT_MS/],
    ['DATABASE_URL', 'mysql://u:s3cret@h/db', /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/],
    ['DATABASE_POOL_MAX', '0', /^DATABASE_POOL_MAX must be an integer between 1 and 200$/],
    ['DATABASE_MIGRATE_ON_START', 'maybe', /^DATABASE_MIGRATE_ON_START must be true or false$/],
    ['NATS_URL', 'http://u:s3cret@nats.internal', /^NATS_URL must be a nats:\/\/, tls:\/\/, ws:\/\/ or wss:\/\/ URL$/],
    ['MESSAGING_MAX_IN_FLIGHT', '0', /^MESSAGING_MAX_IN_FLIGHT must be an integer between 1 and 1000$/],
    ['MESSAGING_MAX_DELIVERIES', '101', /^MESSAGING_MAX_DELIVERIES must be an integer between 1 and 100$/],
    ['MESSAGING_RETRY_BASE_MS', '20000', /^MESSAGING_RETRY_BASE_MS must not exceed MESSAGING_RETRY_MAX_MS/],
    ['MESSAGING_COMMANDS', 'orders commands', /^MESSAGING_COMMANDS must be dot-separated words/],
  ] as const) {
    it(`rejects ${name}=${value} with one line naming the variable`, () => {
      const message = configError({ ...required, [name]: value });
      assert.match(message, expected);
      assert.doesNotMatch(message, /s3cret/, 'secrets never appear in errors');
    });
  }

  it('requires DATABASE_URL in production only', () => {
    const withoutDatabase = { ...required, DATABASE_URL: undefined };
    assert.equal(configError(withoutDatabase), 'DATABASE_URL is required when NODE_ENV=production (development and test run without it)');
    assert.equal(configError({ ...withoutDatabase, NODE_ENV: 'production', DATABASE_URL: ' ' }), configError(withoutDatabase));
    for (const NODE_ENV of ['development', 'test']) {
      assert.equal(loadConfig({ ...required, DATABASE_URL: '', NODE_ENV }).database.url, undefined, `${NODE_ENV} runs on the embedded database`);
    }
  });

  it('parses booleans strictly', () => {
    assert.equal(loadConfig({ ...required, DATABASE_MIGRATE_ON_START: 'false' }).database.migrateOnStart, false);
    assert.equal(loadConfig({ ...required, DATABASE_MIGRATE_ON_START: '1' }).database.migrateOnStart, true);
  });

  it('runs without ADMIN_TOKEN (the admin API is off) and refuses a short one without showing it', () => {
    const config = loadConfig({ ...required });
    assert.equal(config.adminToken, undefined);
    assert.equal(config.dynamicSettingsRefreshMs, 5000);
    assert.deepEqual(config.tombstones, { retentionHours: 168, purgeIntervalMs: 600_000 });
    const token = 'a'.repeat(32);
    assert.equal(loadConfig({ ...required, ADMIN_TOKEN: token }).adminToken, token);
    const message = configError({ ...required, ADMIN_TOKEN: 's3cret-but-short' });
    assert.equal(message, 'ADMIN_TOKEN must be 32 to 512 characters');
  });

  it('requires NATS_URL and derives the messaging names from the service', () => {
    const { NATS_URL: _url, ...withoutBroker } = required;
    assert.match(configError(withoutBroker), /^NATS_URL is required/);
    const { messaging } = loadConfig({ ...required });
    assert.equal(messaging.url, NATS_URL);
    assert.equal(messaging.commands, 'orders.order.commands');
    assert.equal(messaging.events, 'orders.events');
    assert.equal(messaging.deadLetter, 'orders.order.commands.dead-letter');
    assert.equal(messaging.maxInFlight, 16);
    assert.equal(messaging.maxDeliveries, 5);
  });

  describe('CONFIG_FILE', () => {
    it('takes each setting from the environment, else from the file, else its default', () => {
      const path = file('layers.yaml', 'READINESS_CHECK_TIMEOUT_MS: 2000\nEVENT_LOOP_STALL_MS: 300\n');
      const config = loadConfig({ ...required, CONFIG_FILE: path, READINESS_CHECK_TIMEOUT_MS: '3000' });
      assert.equal(config.readinessCheckTimeoutMs, 3000, 'the environment wins over the file');
      assert.equal(config.eventLoopStallMs, 300, 'the file wins over the default');
      assert.equal(config.shutdownDrainMs, 1000, 'the default applies when neither sets it');
    });

    it('reads YAML, and the environment overrides it', () => {
      const path = file('settings.yaml', 'PORT: 7000\nLOG_LEVEL: warn\nSHUTDOWN_TIMEOUT_MS: 9000\n');
      const config = loadConfig({ ...required, CONFIG_FILE: path, LOG_LEVEL: 'error' });
      assert.equal(config.port, 7000);
      assert.equal(config.logLevel, 'error');
      assert.equal(config.shutdownTimeoutMs, 9000);
    });

    it('reads JSON', () => {
      const path = file('settings.json', JSON.stringify({ HOST: '127.0.0.1' }));
      assert.equal(loadConfig({ ...required, CONFIG_FILE: path }).host, '127.0.0.1');
    });

    it('names the file when one of its values is invalid', () => {
      const path = file('bad-value.yaml', 'PORT: high\n');
      assert.equal(configError({ ...required, CONFIG_FILE: path }), `PORT (from CONFIG_FILE ${path}) must be an integer port between 0 and 65535`);
    });

    it('rejects unknown settings', () => {
      const path = file('unknown.yaml', 'PROT: 1\n');
      assert.match(configError({ ...required, CONFIG_FILE: path }), /unknown setting "PROT"/);
    });

    it('rejects a missing file', () => {
      assert.match(configError({ ...required, CONFIG_FILE: join(dir, 'absent.yaml') }), /cannot be read: ENOENT$/);
    });

    it('rejects a file that does not parse', () => {
      assert.match(configError({ ...required, CONFIG_FILE: file('broken.json', '{"PORT": ') }), /is not valid JSON/);
      assert.match(configError({ ...required, CONFIG_FILE: file('list.yaml', '- 1\n- 2\n') }), /must contain a mapping/);
    });

    it('never echoes the content of a file that does not parse (it may hold secrets)', () => {
      for (const [name, text] of [
        ['secret.json', '{"ADMIN_TOKEN": s3cret-admin-token-value}'],
        ['secret2.json', '{"ADMIN_TOKEN": "s3cret-admin-token-value" "PORT": 1}'],
        ['secret.yaml', 'ADMIN_TOKEN: s3cret-admin-token-value\n  PORT: : 1\n'],
      ] as const) {
        const message = configError({ ...required, CONFIG_FILE: file(name, text) });
        assert.match(message, /is not valid (JSON|YAML)/);
        assert.doesNotMatch(message, /s3cret/);
      }
    });
  });
});
