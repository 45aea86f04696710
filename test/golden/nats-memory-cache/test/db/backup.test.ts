/**
 * The nightly backup's own script (k8s/backup/cronjob.yaml) makes a dump that restores: a
 * database of this test's own is dumped, dropped, recreated and restored with the runbook's
 * pg_restore (docs/operations/backup-and-restore.md), and every row is back. Needs pg_dump and
 * pg_restore on PATH (at least the server's major version), a real server, and the right to
 * create databases; it skips, saying which is missing, otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { databaseUrl, needsRealPostgres } from '../helpers.ts';

interface BackupContainer {
  command: string[];
  args: string[];
  env: Array<{ name: string; value?: string }>;
}

const cronJobFile = fileURLToPath(new URL('../../k8s/backup/cronjob.yaml', import.meta.url));
const scratch = `orders_backup_test_${randomBytes(4).toString('hex')}`;

/** pg_dump's major version, or undefined when it is not installed. */
function pgDumpMajor(): number | undefined {
  const result = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  const major = /\b(\d+)(?:\.\d+)?/.exec(result.stdout ?? '')?.[1];
  return result.status === 0 && major !== undefined ? Number(major) : undefined;
}

function urlOf(database: string): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** The backup container's script, run here as the CronJob runs it, into `backupDir`. */
function runBackupScript(databaseUrlToDump: string, backupDir: string): void {
  const cronJob = parseYaml(readFileSync(cronJobFile, 'utf8')) as {
    spec: { jobTemplate: { spec: { template: { spec: { containers: BackupContainer[] } } } } };
  };
  const [container] = cronJob.spec.jobTemplate.spec.template.spec.containers;
  assert.ok(container, 'the backup CronJob has a container');
  const settings = Object.fromEntries(container.env.flatMap((entry) => (entry.value === undefined ? [] : [[entry.name, entry.value]])));
  const [shell = '/bin/sh', ...shellArgs] = container.command;
  execFileSync(shell, [...shellArgs, ...container.args], {
    env: { PATH: process.env['PATH'] ?? '', ...settings, BACKUP_DIR: backupDir, HOME: backupDir, DATABASE_URL: databaseUrlToDump },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('backup and restore', () => {
  const installed = pgDumpMajor();
  let admin: pg.Pool;
  let skip: string | false = needsRealPostgres('a pg_dump and pg_restore round trip');
  if (skip === false && installed === undefined) skip = 'pg_dump is not installed (e.g. apt-get install postgresql-client)';

  before(async () => {
    admin = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  });

  after(async () => {
    await admin.query(`drop database if exists ${scratch} with (force)`).catch(() => undefined);
    await admin.end();
  });

  it("restores a dropped database, every row, from the dump the backup CronJob's script makes", { skip }, async (t) => {
    const serverMajor = Math.floor(Number((await admin.query<{ v: string }>('show server_version_num')).rows[0]?.v) / 10_000);
    if (installed !== undefined && installed < serverMajor) return t.skip(`pg_dump ${installed} cannot dump a PostgreSQL ${serverMajor} server`);
    try {
      await admin.query(`create database ${scratch}`);
    } catch (error) {
      return t.skip(`cannot create a scratch database: ${error instanceof Error ? error.message : String(error)}`);
    }
    const rows = async (sql: string) => {
      const client = new pg.Client({ connectionString: urlOf(scratch) });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await rows(`create table kept (id integer primary key, note text not null);
      insert into kept select n, 'row ' || n from generate_series(1, 100) as n`);
    const before = await rows(`select md5(string_agg(id || ':' || note, ',' order by id)) as digest from kept`);

    const backupDir = mkdtempSync(join(tmpdir(), 'orders-backups-'));
    t.after(() => rmSync(backupDir, { recursive: true, force: true }));
    runBackupScript(urlOf(scratch), backupDir);
    const dumps = readdirSync(backupDir).filter((file) => file.endsWith('.dump'));
    assert.equal(dumps.length, 1, `one complete dump in ${backupDir}`);

    await admin.query(`drop database ${scratch} with (force)`);
    await admin.query(`create database ${scratch}`);
    execFileSync(
      'pg_restore',
      ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', `--dbname=${urlOf(scratch)}`, join(backupDir, dumps[0] ?? '')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.deepEqual(await rows(`select md5(string_agg(id || ':' || note, ',' order by id)) as digest from kept`), before);
    assert.deepEqual(await rows('select count(*)::int as n from kept'), [{ n: 100 }]);
  });
});
