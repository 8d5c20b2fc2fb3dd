import type { DatabaseDriver } from './driver.js';
import { NotImplementedError } from './errors.js';

/** Drops the trailing `;` of every statement of a group but the last, as MikroORM logs them. */
/** `orm.schema`: create, drop, refresh and clear the schema from metadata. */
export class SchemaGenerator {
  constructor(private readonly driver: DatabaseDriver) {}

  async getCreateSchemaSQL(_options: { wrap?: boolean } = {}): Promise<string> {
    const groups = this.driver.call(() => this.driver.native.createSchemaSql());
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
    await this.run(this.driver.call(() => this.driver.native.schemaSql('clear')), 'run');
  }

  async update(): Promise<void> {
    throw new NotImplementedError('SchemaGenerator.update() (schema diffing) is not implemented in mikro-native yet; use create(), drop() or refresh()');
  }

  async getUpdateSchemaSQL(): Promise<string> {
    throw new NotImplementedError('SchemaGenerator.getUpdateSchemaSQL() (schema diffing) is not implemented in mikro-native yet');
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

  private async run(statements: string[], method: 'all' | 'run'): Promise<void> {
    await this.driver.ensureConnected();
    await this.driver.runStatements(statements, method);
  }
}
