import type { DatabaseDriver, StatementMethod } from './driver.js';
import { schemaSkipper, type SchemaGeneratorOptions } from './config.js';
import { NotImplementedError } from './errors.js';

/** `getUpdateSchemaSQL()` / `update()` options: `safe` drops no table or column; `dropTables: false` keeps tables. */
export interface UpdateSchemaOptions {
  wrap?: boolean;
  safe?: boolean;
  dropTables?: boolean;
}

/** `orm.schema`: create, drop, refresh, clear and update the schema from metadata. */
export class SchemaGenerator {
  constructor(private readonly driver: DatabaseDriver) {}

  async getCreateSchemaSQL(options: { wrap?: boolean } = {}): Promise<string> {
    const groups = this.driver.call(() => this.driver.native.createSchemaSql(options.wrap));
    return groups.map(g => g.map(s => `${s}\n`).join('')).join('\n');
  }

  async getDropSchemaSQL(_options: { wrap?: boolean; dropMigrationsTable?: boolean } = {}): Promise<string> {
    return this.driver
      .call(() => this.driver.native.dropSchemaSql())
      .map(g => g.map(s => `${s}\n`).join(''))
      .join('\n');
  }

  async create(_options: { wrap?: boolean } = {}): Promise<void> {
    await this.run(this.driver.call(() => this.driver.native.createSchemaBatches()), 'all');
  }

  async drop(_options: { wrap?: boolean; dropMigrationsTable?: boolean } = {}): Promise<void> {
    await this.run(this.driver.call(() => this.driver.native.dropSchemaBatches()), 'all');
  }

  async refresh(options: { wrap?: boolean } = {}): Promise<void> {
    await this.drop(options);
    await this.create(options);
  }

  /** Deletes all rows, children first. */
  async clear(_options: { truncate?: boolean } = {}): Promise<void> {
    // Session settings (MySQL's `set foreign_key_checks`) run as queries, the rest as writes.
    const statements = this.driver.call(() => this.driver.native.schemaSql('clear', this.driver.config.get('schema') as string | undefined));
    await this.run(statements, statements.map(s => (s.startsWith('set ') ? 'all' : 'run')));
  }

  /** Brings the database's tables to the metadata's (see `getUpdateSchemaSQL`). */
  async update(options: UpdateSchemaOptions = {}): Promise<void> {
    const groups = await this.updateGroups(options);
    await this.run(this.driver.call(() => this.driver.native.schemaBatches(groups)), 'all');
  }

  /**
   * The statements that bring the database's tables to the metadata's: new tables, dropped
   * tables (not with `safe` or `dropTables: false`), then each table's changed columns (dropped
   * ones not with `safe`) and indexes, then new foreign keys. Empty when nothing differs.
   */
  async getUpdateSchemaSQL(options: UpdateSchemaOptions = {}): Promise<string> {
    const groups = await this.updateGroups(options);
    return groups.map(g => g.map(s => `${s}\n`).join('')).join('\n');
  }

  /** Reads the database's schema (the dialect's introspection queries) and diffs it in the engine. */
  private async updateGroups(options: UpdateSchemaOptions): Promise<string[][]> {
    const queries = this.driver.call(() => this.driver.native.introspectionSql());
    if (!queries) {
      throw new NotImplementedError(`SchemaGenerator.update() (schema diffing) on ${(this.driver.constructor as unknown as { dialect: string }).dialect} is not implemented in mikro-native yet; use create(), drop() or refresh()`);
    }
    await this.driver.ensureConnected();
    const generator = (this.driver.config.get('schemaGenerator') ?? {}) as SchemaGeneratorOptions;
    const skipped = schemaSkipper(generator);
    const rows: Record<string, Record<string, unknown>[]> = {};
    const skip = new Set<string>();
    for (const [key, sql] of queries) {
      const read = (await this.driver.executeRaw(sql, [], 'all')).rows as Record<string, unknown>[];
      // Tables of ignored schemas are read like skipped ones (their columns keep enum types in
      // use) and left alone, as the engine leaves the enum types of ignored schemas.
      rows[key] = read;
      for (const r of key === 'columns' ? read : []) {
        if (skipped(String(r.table_name))) {
          skip.add(String(r.table_name));
        }
      }
    }
    return this.driver.call(() => this.driver.native.updateSchemaSql(JSON.stringify(rows), JSON.stringify({ safe: options.safe ?? false, dropTables: options.dropTables, wrap: options.wrap, skipTables: [...skip], ignoreSchemas: generator.ignoreSchema ?? [] })));
  }

  async ensureDatabase(): Promise<boolean> {
    await this.driver.ensureConnected();
    return true;
  }

  /** Runs raw DDL, statement by statement. */
  async execute(sql: string): Promise<void> {
    const statements = sql.split(/;\s*\n/).map(s => s.trim()).filter(Boolean);
    await this.run(statements, 'all');
  }

  private async run(statements: string[], method: StatementMethod): Promise<void> {
    await this.driver.ensureConnected();
    await this.driver.runStatements(statements, method);
  }
}
