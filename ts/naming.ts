/** Naming strategies, as MikroORM's. */
export interface NamingStrategy {
  classToTableName(entityName: string): string;
  propertyToColumnName(propertyName: string): string;
  indexName(tableName: string, columns: string[], type: 'primary' | 'foreign' | 'unique' | 'index' | 'sequence' | 'check'): string;
  /** The foreign key column of a many-to-one property (`author` → `author_id`). */
  joinKeyColumnName(propertyName: string, referencedColumnName: string): string;
}

function underscore(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

export abstract class AbstractNamingStrategy implements NamingStrategy {
  abstract classToTableName(entityName: string): string;
  abstract propertyToColumnName(propertyName: string): string;

  joinKeyColumnName(propertyName: string, referencedColumnName: string): string {
    return `${this.propertyToColumnName(propertyName)}_${referencedColumnName}`;
  }

  indexName(tableName: string, columns: string[], type: 'primary' | 'foreign' | 'unique' | 'index' | 'sequence' | 'check'): string {
    const table = tableName.includes('.') ? tableName.substring(tableName.lastIndexOf('.') + 1) : tableName;
    if (type === 'primary') {
      return `${table}_pkey`;
    }
    const name = `${table}_${columns.join('_')}_${type}`.toLowerCase();
    return name.length > 64 ? `${name.substring(0, 56 - type.length)}_${hash(name)}_${type}` : name;
  }
}

function hash(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) {
    h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  }
  return h.toString(16).padStart(8, '0').substring(0, 8);
}

export class UnderscoreNamingStrategy extends AbstractNamingStrategy {
  classToTableName(entityName: string): string {
    return underscore(entityName);
  }
  propertyToColumnName(propertyName: string): string {
    return underscore(propertyName);
  }
}

export class EntityCaseNamingStrategy extends AbstractNamingStrategy {
  classToTableName(entityName: string): string {
    return entityName;
  }
  propertyToColumnName(propertyName: string): string {
    return propertyName;
  }
}
