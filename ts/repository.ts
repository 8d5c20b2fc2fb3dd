import type { CreateOptions, EntityManager, FindOneOptions, FindOptions } from './entity-manager.js';
import type { QueryBuilder } from './query-builder.js';
import type { EntityData, EntityName, FilterQuery, Loaded, Primary, RequiredEntityData } from './typings.js';

/** A repository bound to one entity type, as MikroORM's `EntityRepository`. */
export class EntityRepository<T extends object> {
  constructor(
    protected readonly em: EntityManager,
    protected readonly entityName: EntityName<T>,
  ) {}

  getEntityManager(): EntityManager {
    return this.em;
  }

  find<P extends string = never>(where: FilterQuery<T>, options?: FindOptions<T, P>): Promise<Loaded<T, P>[]> {
    return this.em.find(this.entityName, where, options);
  }
  findAll<P extends string = never>(options?: FindOptions<T, P> & { where?: FilterQuery<T> }): Promise<Loaded<T, P>[]> {
    return this.em.findAll(this.entityName, options);
  }
  findOne<P extends string = never>(where: FilterQuery<T>, options?: FindOneOptions<T, P>): Promise<Loaded<T, P> | null> {
    return this.em.findOne(this.entityName, where, options);
  }
  findOneOrFail<P extends string = never>(where: FilterQuery<T>, options?: FindOneOptions<T, P>): Promise<Loaded<T, P>> {
    return this.em.findOneOrFail(this.entityName, where, options);
  }
  findAndCount<P extends string = never>(where: FilterQuery<T>, options?: FindOptions<T, P>): Promise<[Loaded<T, P>[], number]> {
    return this.em.findAndCount(this.entityName, where, options);
  }
  count(where?: FilterQuery<T>): Promise<number> {
    return this.em.count(this.entityName, where);
  }
  create(data: RequiredEntityData<T>, options?: CreateOptions): T {
    return this.em.create(this.entityName, data, options);
  }
  assign(entity: T, data: EntityData<T>): T {
    return this.em.assign(entity, data);
  }
  getReference(id: Primary<T>): T {
    return this.em.getReference(this.entityName, id);
  }
  insert(data: EntityData<T> | T): Promise<Primary<T>> {
    return this.em.insert(this.entityName, data);
  }
  nativeUpdate(where: FilterQuery<T>, data: EntityData<T>): Promise<number> {
    return this.em.nativeUpdate(this.entityName, where, data);
  }
  nativeDelete(where: FilterQuery<T>): Promise<number> {
    return this.em.nativeDelete(this.entityName, where);
  }
  createQueryBuilder(alias?: string): QueryBuilder<T> {
    return this.em.createQueryBuilder(this.entityName, alias);
  }
  qb(alias?: string): QueryBuilder<T> {
    return this.createQueryBuilder(alias);
  }
}
