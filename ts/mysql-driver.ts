import { PooledDriver } from './pooled-driver.js';

/** What the mysql and mariadb packages share (each sets its `dialect` and loads its own build). */
export abstract class MySqlFamilyDriver extends PooledDriver {
  override get savepointCommitEvents(): boolean {
    return false;
  }

  /** No `returning`: generated keys come from the insert id, upserted rows from a select. */
  override get supportsReturning(): boolean {
    return false;
  }

  /** Zone-less datetime columns hold UTC unless `forceUtcTimezone` is off: then `timezone`, or local time. */
  override get timezone(): string | undefined {
    return this.config.get('forceUtcTimezone') === false ? (this.config.get('timezone') ?? 'local') : undefined;
  }

  protected ensureDatabaseSql(): string {
    return 'select 1 from information_schema.schemata where schema_name = ?';
  }

  /** MySQL connects without a database to create one. */
  protected managementDbName(): undefined {
    return undefined;
  }

  protected createDatabaseSql(name: string): string {
    return `create database \`${name.replace(/`/g, '``')}\`;`;
  }
}
