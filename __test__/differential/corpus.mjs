// Reference corpus of MikroORM 7.2.x QueryBuilder / EntityManager calls.
// Each case: { name (unique, stable), kind: 'qb' | 'em', code (JS source of the call), fn }.
//  - kind 'qb': fn(em) returns a QueryBuilder (or a promise of one, for the lock cases that need em.transactional); run.mjs records getQuery() / getParams() / getFormattedQuery().
//  - kind 'em': fn(em) returns a promise (em.find & co.); run.mjs records every SQL statement logged while it runs.
// Free identifiers used in the code (bound by run.mjs through bind()):
//   Author, Book, Publisher, Tag   entities from entities.mjs (defineEntity + p of the dialect's driver package)
//   sql, raw, ref                  from the driver package (`raw` is the @mikro-orm/sql variant that accepts a QueryBuilder)
//   QueryOrder, QueryFlag, LockMode, JoinType  enums from the driver package
// Aliases used throughout: Author 'a', Book 'b', Publisher 'p', Tag 't'.

let Author, Book, Publisher, Tag, sql, raw, ref, QueryOrder, QueryFlag, LockMode, JoinType, dialect;
export function bind(s) {
  ({ Author, Book, Publisher, Tag, sql, raw, ref, QueryOrder, QueryFlag, LockMode, JoinType, dialect } = s);
}

export const cases = [];
const q = (name, fn) => cases.push({ name, kind: 'qb', code: fn.toString(), fn });
const e = (name, fn) => cases.push({ name, kind: 'em', code: fn.toString(), fn });

// ---------------------------------------------------------------------------
// 1. select
// ---------------------------------------------------------------------------
q('select.star', em => em.createQueryBuilder(Author, 'a').select('*'));
q('select.implicit', em => em.createQueryBuilder(Author, 'a'));
q('select.default_alias', em => em.createQueryBuilder(Author).select('*'));
q('select.default_alias_where', em => em.createQueryBuilder(Book).where({ title: 'x' }));
q('select.entity_name_string', em => em.createQueryBuilder('Author', 'a').select('*'));
q('select.fields', em => em.createQueryBuilder(Author, 'a').select(['id', 'name']));
q('select.fields_aliased', em => em.createQueryBuilder(Author, 'a').select(['a.id', 'a.name']));
q('select.single_string', em => em.createQueryBuilder(Author, 'a').select('name'));
q('select.alias_star', em => em.createQueryBuilder(Author, 'a').select('a.*'));
q('select.field_as', em => em.createQueryBuilder(Author, 'a').select(['id', 'name as n']));
q('select.fk_column', em => em.createQueryBuilder(Book, 'b').select(['id', 'author', 'publisher']));
q('select.camel_case_prop', em => em.createQueryBuilder(Book, 'b').select(['id', 'createdAt']));
q('select.distinct_arg', em => em.createQueryBuilder(Author, 'a').select(['name', 'age'], true));
q('select.distinct_method', em => em.createQueryBuilder(Author, 'a').select('name').distinct());
q('select.distinct_star', em => em.createQueryBuilder(Author, 'a').select('*').distinct());
q('select.distinct_on', em => em.createQueryBuilder(Author, 'a').select(['id', 'name']).distinctOn(['name']));
q('select.addSelect', em => em.createQueryBuilder(Author, 'a').select('id').addSelect('name'));
q('select.addSelect_array', em => em.createQueryBuilder(Author, 'a').select('id').addSelect(['name', 'email']));
q('select.addSelect_no_select', em => em.createQueryBuilder(Author, 'a').addSelect(sql`1`.as('one')));
q('select.raw_count', em => em.createQueryBuilder(Author, 'a').select(raw('count(*) as cnt')));
q('select.raw_params', em => em.createQueryBuilder(Author, 'a').select(['id', raw('a.age + ? as age_plus', [1])]));
q('select.raw_alias_callback', em => em.createQueryBuilder(Author, 'a').select(['id', raw(alias => `lower(${alias}.name) as lname`)]));
q('select.sql_tag', em => em.createQueryBuilder(Author, 'a').select([sql`count(*)`.as('cnt')]));
q('select.sql_tag_param', em => em.createQueryBuilder(Author, 'a').select(['id', sql`coalesce(a.age, ${0}) as age2`]));
q('select.sql_ref', em => em.createQueryBuilder(Author, 'a').select([sql.ref('a.name')]));
q('select.sql_ref_in_tag', em => em.createQueryBuilder(Author, 'a').select(['id', sql`upper(${sql.ref('a.name')}) as un`]));
q('select.sql_lower', em => em.createQueryBuilder(Author, 'a').select(['id', sql.lower('name').as('lname')]));
q('select.sql_upper', em => em.createQueryBuilder(Author, 'a').select(['id', sql.upper('email').as('uemail')]));
q('select.sql_now', em => em.createQueryBuilder(Author, 'a').select(['id', sql.now().as('ts')]));
q('select.sql_now_precision', em => em.createQueryBuilder(Author, 'a').select(['id', sql.now(3).as('ts')]));
q('select.subquery_as', em => em.createQueryBuilder(Author, 'a').select(['id', em.createQueryBuilder(Book, 'b').count().where({ author: sql.ref('a.id') }).as('book_count')]));
q('select.subquery_as_orderby', em => em.createQueryBuilder(Author, 'a').select(['*', em.createQueryBuilder(Book, 'b').count().where({ author: sql.ref('a.id') }).as('book_count')]).orderBy({ book_count: 'desc' }));
q('select.subquery_as_orderby_raw', em => em.createQueryBuilder(Author, 'a').select(['*', em.createQueryBuilder(Book, 'b').count().where({ author: sql.ref('a.id') }).as('book_count')]).orderBy({ [raw('book_count')]: 'desc' }));
q('select.group_concat_raw', em => em.createQueryBuilder(Book, 'b').select([raw('count(distinct b.author_id) as authors')]).where({ price: { $gt: 1 } }));

// ---------------------------------------------------------------------------
// 2. where / andWhere / orWhere
// ---------------------------------------------------------------------------
q('where.eq_shorthand', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }));
q('where.eq', em => em.createQueryBuilder(Author, 'a').where({ name: { $eq: 'Jon' } }));
q('where.ne', em => em.createQueryBuilder(Author, 'a').where({ name: { $ne: 'Jon' } }));
q('where.gt', em => em.createQueryBuilder(Author, 'a').where({ age: { $gt: 18 } }));
q('where.gte', em => em.createQueryBuilder(Author, 'a').where({ age: { $gte: 18 } }));
q('where.lt', em => em.createQueryBuilder(Author, 'a').where({ age: { $lt: 18 } }));
q('where.lte', em => em.createQueryBuilder(Author, 'a').where({ age: { $lte: 18 } }));
q('where.range', em => em.createQueryBuilder(Author, 'a').where({ age: { $gt: 18, $lte: 65 } }));
q('where.implicit_and', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon', age: { $gt: 18 }, email: { $like: '%@x.com' } }));
q('where.in', em => em.createQueryBuilder(Author, 'a').where({ id: { $in: [1, 2, 3] } }));
q('where.in_shorthand_array', em => em.createQueryBuilder(Author, 'a').where({ id: [1, 2, 3] }));
q('where.in_empty', em => em.createQueryBuilder(Author, 'a').where({ id: { $in: [] } }));
q('where.nin', em => em.createQueryBuilder(Author, 'a').where({ name: { $nin: ['a', 'b'] } }));
q('where.nin_empty', em => em.createQueryBuilder(Author, 'a').where({ id: { $nin: [] } }));
q('where.null', em => em.createQueryBuilder(Author, 'a').where({ age: null }));
q('where.eq_null', em => em.createQueryBuilder(Author, 'a').where({ age: { $eq: null } }));
q('where.ne_null', em => em.createQueryBuilder(Author, 'a').where({ age: { $ne: null } }));
q('where.like', em => em.createQueryBuilder(Author, 'a').where({ name: { $like: 'Jo%' } }));
q('where.ilike', em => em.createQueryBuilder(Author, 'a').where({ name: { $ilike: 'jo%' } }));
q('where.re', em => em.createQueryBuilder(Author, 'a').where({ name: { $re: '^Jo' } }));
q('where.regexp_literal', em => em.createQueryBuilder(Author, 'a').where({ name: /^Jo.*n$/ }));
q('where.exists_true', em => em.createQueryBuilder(Author, 'a').where({ age: { $exists: true } }));
q('where.exists_false', em => em.createQueryBuilder(Author, 'a').where({ age: { $exists: false } }));
q('where.not_object', em => em.createQueryBuilder(Author, 'a').where({ $not: { name: 'Jon' } }));
q('where.not_multi', em => em.createQueryBuilder(Author, 'a').where({ $not: { name: 'Jon', age: { $gt: 5 } } }));
q('where.field_not', em => em.createQueryBuilder(Author, 'a').where({ name: { $not: { $like: 'J%' } } }));
q('where.and', em => em.createQueryBuilder(Author, 'a').where({ $and: [{ name: 'Jon' }, { age: { $gte: 18 } }] }));
q('where.or', em => em.createQueryBuilder(Author, 'a').where({ $or: [{ name: 'Jon' }, { age: { $gte: 18 } }] }));
q('where.or_with_field', em => em.createQueryBuilder(Author, 'a').where({ email: { $ne: null }, $or: [{ name: 'Jon' }, { name: 'Arya' }] }));
q('where.or_nested_and', em => em.createQueryBuilder(Author, 'a').where({ $or: [{ $and: [{ name: 'Jon' }, { age: 30 }] }, { $and: [{ name: 'Arya' }, { age: { $lt: 20 } }] }] }));
q('where.and_nested_or_not', em => em.createQueryBuilder(Author, 'a').where({ $and: [{ $or: [{ age: null }, { age: { $gt: 10 } }] }, { $not: { $or: [{ name: 'x' }, { name: 'y' }] } }] }));
q('where.fulltext', em => em.createQueryBuilder(Author, 'a').where({ name: { $fulltext: 'snow' } }));
q('where.overlap_contains', em => em.createQueryBuilder(Author, 'a').where({ name: { $contains: ['x'] } }));
q('where.andWhere', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).andWhere({ age: { $gt: 18 } }));
q('where.orWhere', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).orWhere({ name: 'Arya' }));
q('where.and_then_or', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).andWhere({ age: 1 }).orWhere({ age: 2 }));
q('where.or_then_and', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).orWhere({ age: 2 }).andWhere({ email: 'e' }));
q('where.where_operator_arg', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).where({ age: 1 }, '$or'));
q('where.where_twice_replaces', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).where({ age: 1 }));
q('where.raw_string', em => em.createQueryBuilder(Author, 'a').where('a.age > ?', [18]));
q('where.raw_string_multi', em => em.createQueryBuilder(Author, 'a').where('a.age between ? and ?', [18, 30]).andWhere({ name: 'Jon' }));
q('where.raw_string_orWhere', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).orWhere('lower(a.name) = ?', ['arya']));
q('where.raw_string_andWhere', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon' }).andWhere('a.age is not null'));
q('where.raw_fragment', em => em.createQueryBuilder(Author, 'a').where(raw('a.age > ?', [18])));
q('where.raw_named_params', em => em.createQueryBuilder(Author, 'a').where(raw('a.age > :min and a.age < :max', { min: 18, max: 40 })));
q('where.raw_value', em => em.createQueryBuilder(Author, 'a').where({ age: raw('a.id + 1') }));
q('where.raw_value_op', em => em.createQueryBuilder(Author, 'a').where({ age: { $gt: raw('a.id * ?', [2]) } }));
q('where.sql_now_value', em => em.createQueryBuilder(Book, 'b').where({ createdAt: { $lt: sql.now() } }));
q('where.raw_key', em => em.createQueryBuilder(Author, 'a').where({ [raw('lower(a.name)')]: 'jon' }));
q('where.sql_lower_key', em => em.createQueryBuilder(Author, 'a').where({ [sql.lower('name')]: 'jon' }));
q('where.sql_key_op', em => em.createQueryBuilder(Author, 'a').where({ [sql`length(a.name)`]: { $gt: 3 } }));
q('where.sql_ref_value', em => em.createQueryBuilder(Author, 'a').where({ name: sql.ref('a.email') }));
q('where.date', em => em.createQueryBuilder(Author, 'a').where({ born: new Date('2000-01-01T00:00:00.000Z') }));
q('where.date_string', em => em.createQueryBuilder(Author, 'a').where({ born: { $gte: '2000-01-01' } }));
q('where.datetime', em => em.createQueryBuilder(Book, 'b').where({ createdAt: { $gte: new Date('2024-01-01T10:20:30.000Z') } }));
q('where.decimal', em => em.createQueryBuilder(Book, 'b').where({ price: { $gt: '9.99' } }));
q('where.enum', em => em.createQueryBuilder(Publisher, 'p').where({ type: 'global' }));
q('where.enum_in', em => em.createQueryBuilder(Publisher, 'p').where({ type: { $in: ['local', 'global'] } }));
q('where.bool_literal_raw', em => em.createQueryBuilder(Author, 'a').where({ [raw('1')]: 1 }));
q('where.fk_id', em => em.createQueryBuilder(Book, 'b').where({ author: 1 }));
q('where.fk_in', em => em.createQueryBuilder(Book, 'b').where({ author: { $in: [1, 2] } }));
q('where.fk_reference', em => em.createQueryBuilder(Book, 'b').where({ author: em.getReference(Author, 3) }));
q('where.fk_pk_object', em => em.createQueryBuilder(Book, 'b').where({ author: { id: 1 } }));
q('where.fk_null', em => em.createQueryBuilder(Book, 'b').where({ publisher: null }));
q('where.alias_key', em => em.createQueryBuilder(Author, 'a').where({ 'a.name': 'Jon' }));
q('where.autojoin_m1', em => em.createQueryBuilder(Book, 'b').where({ author: { name: 'Jon' } }));
q('where.autojoin_m1_two', em => em.createQueryBuilder(Book, 'b').where({ author: { name: 'Jon', age: { $gt: 1 } }, publisher: { type: 'local' } }));
q('where.autojoin_nested', em => em.createQueryBuilder(Book, 'b').where({ author: { favouriteBook: { title: 'Wall' } } }));
q('where.autojoin_or', em => em.createQueryBuilder(Book, 'b').where({ $or: [{ author: { name: 'Jon' } }, { publisher: { name: 'Global' } }] }));
q('where.autojoin_select_star', em => em.createQueryBuilder(Book, 'b').select('*').where({ author: { name: 'Jon' } }));
q('where.autojoin_1m', em => em.createQueryBuilder(Author, 'a').where({ books: { title: 'Wall' } }));
q('where.autojoin_1m_in', em => em.createQueryBuilder(Author, 'a').where({ books: { $in: [1, 2] } }));
q('where.mn_name', em => em.createQueryBuilder(Book, 'b').where({ tags: { name: 'war' } }));
q('where.mn_ids', em => em.createQueryBuilder(Book, 'b').where({ tags: { $in: [1, 2] } }));
q('where.mn_single_id', em => em.createQueryBuilder(Book, 'b').where({ tags: 1 }));
q('where.mn_inverse', em => em.createQueryBuilder(Tag, 't').where({ books: { title: 'Wall' } }));
q('where.mn_through_1m', em => em.createQueryBuilder(Author, 'a').where({ books: { tags: { name: 'war' } } }));
q('where.some_1m', em => em.createQueryBuilder(Author, 'a').where({ books: { $some: { title: 'Wall' } } }));
q('where.none_1m', em => em.createQueryBuilder(Author, 'a').where({ books: { $none: { title: 'Wall' } } }));
q('where.every_1m', em => em.createQueryBuilder(Author, 'a').where({ books: { $every: { price: { $gt: 5 } } } }));
q('where.some_empty', em => em.createQueryBuilder(Author, 'a').where({ books: { $some: {} } }));
q('where.none_empty', em => em.createQueryBuilder(Author, 'a').where({ books: { $none: {} } }));
q('where.some_mn', em => em.createQueryBuilder(Book, 'b').where({ tags: { $some: { name: 'war' } } }));
q('where.none_mn', em => em.createQueryBuilder(Book, 'b').where({ tags: { $none: { name: 'war' } } }));
q('where.every_mn', em => em.createQueryBuilder(Book, 'b').where({ tags: { $every: { name: { $in: ['war', 'drama'] } } } }));
q('where.some_nested', em => em.createQueryBuilder(Author, 'a').where({ books: { $some: { tags: { name: 'war' } } } }));
q('where.some_and_field', em => em.createQueryBuilder(Author, 'a').where({ name: 'Jon', books: { $some: { title: { $like: 'W%' } } } }));
q('where.some_in_or', em => em.createQueryBuilder(Author, 'a').where({ $or: [{ books: { $some: { title: 'x' } } }, { books: { $none: {} } }] }));
q('where.subquery_in', em => em.createQueryBuilder(Author, 'a').where({ id: { $in: em.createQueryBuilder(Book, 'b').select('author').where({ price: { $gt: 10 } }) } }));
q('where.subquery_in_native', em => em.createQueryBuilder(Author, 'a').where({ id: { $in: em.createQueryBuilder(Book, 'b').select('author').where({ price: { $gt: 10 } }).getNativeQuery() } }));
q('where.subquery_in_raw', em => em.createQueryBuilder(Author, 'a').where({ id: { $in: raw(em.createQueryBuilder(Book, 'b').select('author').where({ price: { $gt: 10 } })) } }));
q('where.subquery_eq', em => em.createQueryBuilder(Book, 'b').where({ price: em.createQueryBuilder(Book, 'b2').select(sql`max(b2.price)`) }));
q('where.subquery_scalar_gt', em => em.createQueryBuilder(Author, 'a').where({ age: { $gt: em.createQueryBuilder(Author, 'a2').select(sql`avg(a2.age)`) } }));
q('where.subquery_key', em => em.createQueryBuilder(Author, 'a').where({ [em.createQueryBuilder(Book, 'b').count().where({ author: sql.ref('a.id') }).as('cnt')]: { $gt: 1 } }));
q('where.subquery_exists_raw', em => em.createQueryBuilder(Author, 'a').where(sql`exists (${em.createQueryBuilder(Book, 'b').select('id').where({ author: sql.ref('a.id') })})`));

// ---------------------------------------------------------------------------
// 3. joins
// ---------------------------------------------------------------------------
q('join.join', em => em.createQueryBuilder(Book, 'b').join('b.author', 'a'));
q('join.join_select', em => em.createQueryBuilder(Book, 'b').select(['b.id', 'a.name']).join('b.author', 'a'));
q('join.leftJoin', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a'));
q('join.innerJoin', em => em.createQueryBuilder(Book, 'b').select('*').innerJoin('b.publisher', 'p'));
q('join.leftJoin_nullable_m1', em => em.createQueryBuilder(Book, 'b').leftJoin('b.publisher', 'p').where({ 'p.type': 'local' }));
q('join.leftJoinAndSelect', em => em.createQueryBuilder(Book, 'b').select('*').leftJoinAndSelect('b.author', 'a'));
q('join.leftJoinAndSelect_no_select', em => em.createQueryBuilder(Book, 'b').leftJoinAndSelect('b.author', 'a'));
q('join.innerJoinAndSelect', em => em.createQueryBuilder(Book, 'b').select('*').innerJoinAndSelect('b.author', 'a'));
q('join.joinAndSelect', em => em.createQueryBuilder(Book, 'b').select('*').joinAndSelect('b.author', 'a'));
q('join.joinAndSelect_type_arg', em => em.createQueryBuilder(Book, 'b').joinAndSelect('b.publisher', 'p', undefined, JoinType.leftJoin));
q('join.andSelect_fields', em => em.createQueryBuilder(Book, 'b').select(['id', 'title']).leftJoinAndSelect('b.author', 'a', {}, ['id', 'name']));
q('join.cond_leftJoin', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a', { 'a.age': { $gt: 18 } }));
q('join.cond_unaliased', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a', { name: 'Jon' }));
q('join.cond_innerJoin_or', em => em.createQueryBuilder(Book, 'b').select('*').innerJoin('b.author', 'a', { $or: [{ 'a.name': 'Jon' }, { 'a.age': null }] }));
q('join.cond_join_type', em => em.createQueryBuilder(Book, 'b').select('*').join('b.author', 'a', { 'a.name': { $like: 'J%' } }, JoinType.leftJoin));
q('join.cond_leftJoinAndSelect', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b', { 'b.price': { $gt: 10 } }));
q('join.cond_raw', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a', { [raw('a.age > ?', [5])]: [] }));
q('join.cond_sql_ref', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin('a.books', 'b', { 'b.id': sql.ref('a.favourite_book_id') }));
q('join.1m', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin('a.books', 'b'));
q('join.1m_andSelect', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b'));
q('join.mn', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.tags', 't'));
q('join.mn_inner', em => em.createQueryBuilder(Book, 'b').select('*').innerJoin('b.tags', 't'));
q('join.mn_andSelect', em => em.createQueryBuilder(Book, 'b').select('*').leftJoinAndSelect('b.tags', 't'));
q('join.mn_inverse', em => em.createQueryBuilder(Tag, 't').select('*').leftJoin('t.books', 'b'));
q('join.mn_inverse_andSelect', em => em.createQueryBuilder(Tag, 't').select('*').leftJoinAndSelect('t.books', 'b'));
q('join.mn_where', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.tags', 't').where({ 't.name': 'war' }));
q('join.nested', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin('a.books', 'b').leftJoin('b.tags', 't'));
q('join.nested_andSelect', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b').leftJoinAndSelect('b.tags', 't'));
q('join.nested_m1_chain', em => em.createQueryBuilder(Book, 'b').select('*').leftJoinAndSelect('b.author', 'a').leftJoinAndSelect('a.favouriteBook', 'fb'));
q('join.nested_inner_then_left', em => em.createQueryBuilder(Author, 'a').select('*').innerJoin('a.books', 'b').leftJoin('b.publisher', 'p').where({ 'p.name': { $ne: null } }));
q('join.self_m1', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.favouriteBook', 'fb'));
q('join.where_alias', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a').where({ 'a.name': 'Jon' }));
q('join.where_alias_object', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a').where({ 'a.name': { $in: ['Jon', 'Arya'] }, 'b.price': { $gt: 5 } }));
q('join.where_relation_after_join', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a').where({ author: { name: 'Jon' } }));
q('join.orderBy_alias', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a').orderBy({ 'a.name': 'desc' }));
q('join.orderBy_alias_multi', em => em.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a').orderBy({ 'a.name': 'desc', 'b.title': 'asc' }));
q('join.where_orderby_nested', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin('a.books', 'b').leftJoin('b.tags', 't').where({ 't.name': { $like: 'w%' } }).orderBy({ 't.name': 'asc', 'b.id': 'desc' }));
q('join.subquery_tuple', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect(['a.books', em.createQueryBuilder(Book, 'b').where({ price: { $gt: 10 } })], 'b'));
q('join.subquery_raw_alias', em => em.createQueryBuilder(Author, 'a').select(['a.*', 'sb.cnt']).leftJoin(em.createQueryBuilder(Book, 'b').select(['author', sql`count(*)`.as('cnt')]).groupBy('author'), 'sb', { 'sb.author_id': sql.ref('a.id') }));
q('join.raw_table', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin(raw('(select 1 as x)'), 'r', { 'r.x': sql.ref('a.id') }));
q('join.lateral', em => em.createQueryBuilder(Author, 'a').select(['a.*', 'lb.title']).leftJoinLateral(em.createQueryBuilder(Book, 'b').select('title').where({ author: sql.ref('a.id') }).orderBy({ id: 'desc' }).limit(1), 'lb', {}));
q('join.inner_lateral', em => em.createQueryBuilder(Author, 'a').select(['a.*', 'lb.title']).innerJoinLateral(em.createQueryBuilder(Book, 'b').select('title').where({ author: sql.ref('a.id') }).limit(2), 'lb', {}));
q('join.andSelect_where_pk', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b').where({ id: 1 }));

// ---------------------------------------------------------------------------
// 4. groupBy / having / count / orderBy / limit / lock
// ---------------------------------------------------------------------------
q('group.by_field', em => em.createQueryBuilder(Book, 'b').select(['author', raw('count(*) as cnt')]).groupBy('author'));
q('group.by_array', em => em.createQueryBuilder(Author, 'a').select(['name', 'age', raw('count(*) as cnt')]).groupBy(['name', 'age']));
q('group.by_alias', em => em.createQueryBuilder(Book, 'b').select(['a.name', raw('count(b.id) as cnt')]).join('b.author', 'a').groupBy('a.name'));
q('group.having_raw', em => em.createQueryBuilder(Book, 'b').select(['author', raw('count(*) as cnt')]).groupBy('author').having('count(*) > ?', [1]));
q('group.having_object', em => em.createQueryBuilder(Author, 'a').select(['age', raw('count(*) as cnt')]).groupBy('age').having({ age: { $gt: 18 } }));
q('group.having_sql_key', em => em.createQueryBuilder(Book, 'b').select(['author', raw('sum(b.price) as total')]).groupBy('author').having({ [sql`sum(b.price)`]: { $gt: 10 } }));
q('group.having_raw_alias', em => em.createQueryBuilder(Book, 'b').select(['author', raw('count(*) as cnt')]).groupBy('author').having({ cnt: { $gt: 1 } }));
q('group.andHaving_orHaving', em => em.createQueryBuilder(Book, 'b').select(['author', raw('count(*) as cnt')]).groupBy('author').having('count(*) > ?', [1]).andHaving('max(b.price) < ?', [100]).orHaving('min(b.price) = ?', [0]));
q('group.raw_groupBy', em => em.createQueryBuilder(Author, 'a').select([raw('lower(a.name) as lname'), raw('count(*) as cnt')]).groupBy([raw('lower(a.name)')]));
q('group.orderBy_having_limit', em => em.createQueryBuilder(Book, 'b').select(['author', raw('count(*) as cnt')]).where({ price: { $ne: null } }).groupBy('author').having('count(*) >= ?', [1]).orderBy({ author: 'desc' }).limit(5));
q('count.plain', em => em.createQueryBuilder(Author, 'a').count());
q('count.field_distinct', em => em.createQueryBuilder(Author, 'a').count('id', true));
q('count.field', em => em.createQueryBuilder(Author, 'a').count('age'));
q('count.fields_array', em => em.createQueryBuilder(Author, 'a').count(['name', 'age'], true));
q('count.where', em => em.createQueryBuilder(Author, 'a').count().where({ age: { $gt: 18 } }));
q('count.join', em => em.createQueryBuilder(Author, 'a').count('id', true).leftJoin('a.books', 'b').where({ 'b.price': { $gt: 5 } }));
q('count.autojoin_1m', em => em.createQueryBuilder(Author, 'a').count().where({ books: { title: 'x' } }));
q('count.with_groupby', em => em.createQueryBuilder(Book, 'b').count().groupBy('author'));
q('count.with_orderby_limit', em => em.createQueryBuilder(Author, 'a').count().orderBy({ name: 'asc' }).limit(3, 1));
q('count.mn_distinct', em => em.createQueryBuilder(Book, 'b').count('id', true).where({ tags: { name: { $in: ['war', 'drama'] } } }));
q('order.object', em => em.createQueryBuilder(Author, 'a').orderBy({ name: 'asc' }));
q('order.object_multi', em => em.createQueryBuilder(Author, 'a').orderBy({ name: 'asc', age: 'desc' }));
q('order.array', em => em.createQueryBuilder(Author, 'a').orderBy([{ name: 'asc' }, { age: 'desc' }]));
q('order.upper_case_strings', em => em.createQueryBuilder(Author, 'a').orderBy({ name: 'ASC', id: 'DESC' }));
q('order.numeric', em => em.createQueryBuilder(Author, 'a').orderBy({ name: 1, id: -1 }));
q('order.QueryOrder', em => em.createQueryBuilder(Author, 'a').orderBy({ name: QueryOrder.DESC, id: QueryOrder.asc }));
q('order.nulls_first', em => em.createQueryBuilder(Author, 'a').orderBy({ age: QueryOrder.ASC_NULLS_FIRST }));
q('order.nulls_last', em => em.createQueryBuilder(Author, 'a').orderBy({ age: QueryOrder.DESC_NULLS_LAST }));
q('order.nulls_strings', em => em.createQueryBuilder(Author, 'a').orderBy({ age: 'asc nulls last', name: 'desc nulls first' }));
q('order.relation_nested', em => em.createQueryBuilder(Book, 'b').orderBy({ author: { name: 'asc' }, title: 'desc' }));
q('order.relation_deep', em => em.createQueryBuilder(Book, 'b').orderBy({ author: { favouriteBook: { title: 'asc' } } }));
q('order.relation_fk', em => em.createQueryBuilder(Book, 'b').orderBy({ author: 'desc' }));
q('order.andOrderBy', em => em.createQueryBuilder(Author, 'a').orderBy({ name: 'asc' }).andOrderBy({ id: 'desc' }));
q('order.orderBy_twice_replaces', em => em.createQueryBuilder(Author, 'a').orderBy({ name: 'asc' }).orderBy({ id: 'desc' }));
q('order.raw_key', em => em.createQueryBuilder(Author, 'a').orderBy({ [raw('lower(a.name)')]: 'asc' }));
q('order.sql_key', em => em.createQueryBuilder(Author, 'a').orderBy({ [sql`length(${sql.ref('a.name')})`]: QueryOrder.DESC }));
q('order.sql_as_alias', em => em.createQueryBuilder(Author, 'a').select(['id', sql`length(a.name)`.as('len')]).orderBy({ len: 'desc' }));
q('order.raw_key_alias', em => em.createQueryBuilder(Author, 'a').select(['id', raw('length(a.name) as len')]).orderBy({ [raw('len')]: 'desc' }));
q('order.raw_alias', em => em.createQueryBuilder(Author, 'a').select(['id', raw('length(a.name) as len')]).orderBy({ len: 'desc' }));
q('order.alias_string_key', em => em.createQueryBuilder(Author, 'a').orderBy({ 'a.email': 'asc' }));
q('order.mn_relation', em => em.createQueryBuilder(Book, 'b').orderBy({ tags: { name: 'asc' } }));
q('limit.limit', em => em.createQueryBuilder(Author, 'a').limit(10));
q('limit.limit_offset', em => em.createQueryBuilder(Author, 'a').limit(10, 20));
q('limit.offset_method', em => em.createQueryBuilder(Author, 'a').limit(10).offset(5));
q('limit.offset_only', em => em.createQueryBuilder(Author, 'a').offset(5));
q('limit.zero', em => em.createQueryBuilder(Author, 'a').limit(0));
q('limit.with_m1_join', em => em.createQueryBuilder(Book, 'b').select('*').leftJoinAndSelect('b.author', 'a').limit(10, 10));
q('limit.with_1m_join_andSelect', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b').where({ 'b.price': { $gt: 1 } }).orderBy({ name: 'asc' }).limit(2, 1));
q('limit.with_mn_join_andSelect', em => em.createQueryBuilder(Book, 'b').select('*').leftJoinAndSelect('b.tags', 't').orderBy({ title: 'asc' }).limit(3));
q('limit.with_1m_join_noselect', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin('a.books', 'b').where({ 'b.title': 'x' }).limit(5));
q('limit.paginate_flag', em => em.createQueryBuilder(Author, 'a').select('*').leftJoin('a.books', 'b').where({ 'b.title': 'x' }).setFlag(QueryFlag.PAGINATE).limit(5));
q('limit.disable_paginate', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b').setFlag(QueryFlag.DISABLE_PAGINATE).limit(5));
q('limit.autojoin_where_limit', em => em.createQueryBuilder(Author, 'a').select('*').where({ books: { title: 'x' } }).limit(5));
q('lock.pessimistic_read', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').where({ id: 1 }).setLockMode(LockMode.PESSIMISTIC_READ)));
q('lock.pessimistic_write', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').where({ id: 1 }).setLockMode(LockMode.PESSIMISTIC_WRITE)));
q('lock.partial_write', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.PESSIMISTIC_PARTIAL_WRITE)));
q('lock.write_or_fail', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.PESSIMISTIC_WRITE_OR_FAIL)));
q('lock.partial_read', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.PESSIMISTIC_PARTIAL_READ)));
q('lock.read_or_fail', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.PESSIMISTIC_READ_OR_FAIL)));
q('lock.write_tables', em => em.transactional(tem => tem.createQueryBuilder(Book, 'b').select('*').leftJoin('b.author', 'a').setLockMode(LockMode.PESSIMISTIC_WRITE, ['b'])));
q('lock.no_transaction_error', em => em.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.PESSIMISTIC_WRITE));
q('lock.none', em => em.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.NONE));
q('lock.optimistic', em => em.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.OPTIMISTIC));
q('lock.with_limit', em => em.transactional(tem => tem.createQueryBuilder(Author, 'a').select('*').limit(1).setLockMode(LockMode.PESSIMISTIC_WRITE)));

// ---------------------------------------------------------------------------
// misc select modifiers
// ---------------------------------------------------------------------------
q('misc.comment', em => em.createQueryBuilder(Author, 'a').select('*').comment('hello'));
q('misc.hintComment', em => em.createQueryBuilder(Author, 'a').select('*').hintComment('MAX_EXECUTION_TIME(1000)'));
q('misc.indexHint', em => em.createQueryBuilder(Author, 'a').select('*').indexHint('force index(author_email_unique)'));
q('misc.collation', em => em.createQueryBuilder(Author, 'a').select('*').orderBy({ name: 'asc' }).collation('C'));
q('misc.withSchema', em => em.createQueryBuilder(Author, 'a').select('*').withSchema('other'));
q('misc.clone', em => { const base = em.createQueryBuilder(Author, 'a').where({ age: { $gt: 1 } }); const c = base.clone(); c.andWhere({ name: 'x' }).limit(1); return c; });
q('misc.from_entity', em => em.createQueryBuilder(Author, 'a').select('*').from(Book));

// ---------------------------------------------------------------------------
// 5. insert / update / delete / truncate / upsert / returning
// ---------------------------------------------------------------------------
q('insert.single', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com', age: 30 }));
q('insert.single_alias', em => em.createQueryBuilder(Author, 'a').insert({ name: 'Jon', email: 'jon@x.com' }));
q('insert.with_date', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com', born: new Date('1990-05-06T00:00:00.000Z') }));
q('insert.with_fk', em => em.createQueryBuilder(Book).insert({ title: 'T', author: 1, publisher: 2, price: '9.99', createdAt: new Date('2024-01-01T00:00:00.000Z') }));
q('insert.with_fk_reference', em => em.createQueryBuilder(Book).insert({ title: 'T', author: em.getReference(Author, 1), createdAt: new Date('2024-01-01T00:00:00.000Z') }));
q('insert.without_oncreate_field', em => em.createQueryBuilder(Book).insert({ title: 'T', author: 1 }));
q('insert.many', em => em.createQueryBuilder(Author).insert([{ name: 'A', email: 'a@x' }, { name: 'B', email: 'b@x', age: 3 }]));
q('insert.many_same_shape', em => em.createQueryBuilder(Tag).insert([{ name: 'x' }, { name: 'y' }, { name: 'z' }]));
q('insert.raw_value', em => em.createQueryBuilder(Book).insert({ title: 'T', author: 1, createdAt: sql.now() }));
q('insert.enum', em => em.createQueryBuilder(Publisher).insert({ name: 'P', type: 'global' }));
q('insert.null_value', em => em.createQueryBuilder(Author).insert({ name: 'N', email: 'n@x', age: null }));
q('insert.returning', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).returning(['id', 'name']));
q('insert.returning_star', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).returning('*'));
q('insert.onConflict_merge', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com', age: 1 }).onConflict('email').merge());
q('insert.onConflict_merge_fields', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com', age: 1 }).onConflict('email').merge(['name']));
q('insert.onConflict_merge_data', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).onConflict('email').merge({ name: 'Merged', age: 99 }));
q('insert.onConflict_ignore', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).onConflict('email').ignore());
q('insert.onConflict_array', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).onConflict(['email']).merge(['name', 'age']));
q('insert.onConflict_no_fields_ignore', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).onConflict().ignore());
q('insert.onConflict_merge_returning', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).onConflict('email').merge(['name']).returning(['id']));
q('insert.onConflict_many', em => em.createQueryBuilder(Author).insert([{ name: 'A', email: 'a@x' }, { name: 'B', email: 'b@x' }]).onConflict('email').merge(['name']));
q('insert.onConflict_raw_target', em => em.createQueryBuilder(Author).insert({ name: 'Jon', email: 'jon@x.com' }).onConflict(raw('(email) where age is null')).ignore());
q('insert.insertFrom', em => em.createQueryBuilder(Tag).insertFrom(em.createQueryBuilder(Author, 'a').select(['name']).where({ age: { $gt: 1 } })));
q('insert.insertFrom_columns', em => em.createQueryBuilder(Tag).insertFrom(em.createQueryBuilder(Author, 'a').select([sql`upper(a.name)`]), { columns: ['name'] }));
q('update.simple', em => em.createQueryBuilder(Author).update({ name: 'New' }).where({ id: 1 }));
q('update.alias', em => em.createQueryBuilder(Author, 'a').update({ name: 'New', age: 3 }).where({ 'a.id': 1 }));
q('update.raw_value', em => em.createQueryBuilder(Author).update({ age: raw('age + 1') }).where({ age: { $ne: null } }));
q('update.sql_tag_value', em => em.createQueryBuilder(Author).update({ age: sql`age + ${2}` }).where({ id: { $in: [1, 2] } }));
q('update.null', em => em.createQueryBuilder(Author).update({ age: null, born: null }).where({ name: 'x' }));
q('update.fk', em => em.createQueryBuilder(Book).update({ author: 2, publisher: null }).where({ id: 1 }));
q('update.date', em => em.createQueryBuilder(Author).update({ born: new Date('1999-12-31T00:00:00.000Z') }).where({ id: 1 }));
q('update.no_where', em => em.createQueryBuilder(Tag).update({ name: 'all' }));
q('update.where_relation', em => em.createQueryBuilder(Book).update({ price: '1' }).where({ author: { name: 'Jon' } }));
q('update.where_mn', em => em.createQueryBuilder(Book).update({ price: '2' }).where({ tags: { name: 'war' } }));
q('update.returning', em => em.createQueryBuilder(Author).update({ name: 'New' }).where({ id: 1 }).returning(['id', 'name']));
q('update.orderBy_limit', em => em.createQueryBuilder(Author).update({ name: 'New' }).where({ age: { $gt: 1 } }).orderBy({ id: 'asc' }).limit(2));
q('update.where_raw', em => em.createQueryBuilder(Author).update({ age: 1 }).where('age is null'));
q('delete.simple', em => em.createQueryBuilder(Author).delete({ id: 1 }));
q('delete.where_chain', em => em.createQueryBuilder(Author).delete().where({ age: { $lt: 18 } }));
q('delete.alias', em => em.createQueryBuilder(Author, 'a').delete().where({ 'a.age': { $lt: 18 } }));
q('delete.all', em => em.createQueryBuilder(Tag).delete());
q('delete.where_relation', em => em.createQueryBuilder(Book).delete({ author: { name: 'Jon' } }));
q('delete.where_mn', em => em.createQueryBuilder(Book).delete({ tags: { name: 'war' } }));
q('delete.where_in_subquery', em => em.createQueryBuilder(Author).delete({ id: { $in: em.createQueryBuilder(Book, 'b').select('author').where({ price: null }) } }));
q('delete.returning', em => em.createQueryBuilder(Author).delete({ id: 1 }).returning(['id']));
q('truncate.author', em => em.createQueryBuilder(Author).truncate());
q('truncate.pivot', em => em.createQueryBuilder(Book).truncate());

// ---------------------------------------------------------------------------
// 6. subqueries, from(qb), CTEs, unions
// ---------------------------------------------------------------------------
q('sub.from_qb', em => em.createQueryBuilder(Author, 'x').select('*').from(em.createQueryBuilder(Author, 'a').where({ age: { $gt: 18 } }), 'sub'));
q('sub.from_qb_no_alias', em => em.createQueryBuilder(Author).select('*').from(em.createQueryBuilder(Author, 'a').where({ age: { $gt: 18 } })));
q('sub.from_qb_where', em => em.createQueryBuilder(Author).from(em.createQueryBuilder(Author, 'a').select(['id', 'name']).orderBy({ id: 'desc' }).limit(10), 'sub').where({ name: { $like: 'J%' } }).orderBy({ name: 'asc' }));
q('sub.native_as_field', em => em.createQueryBuilder(Author, 'a').select(['id', em.createQueryBuilder(Book, 'b').select(sql`max(b.price)`).where({ author: sql.ref('a.id') }).getNativeQuery().as('max_price')]));
q('sub.as_entity_prop', em => em.createQueryBuilder(Author, 'a').select(['id', em.createQueryBuilder(Book, 'b').count().where({ author: sql.ref('a.id') }).as(Author, 'age')]));
q('sub.correlated_count_where', em => em.createQueryBuilder(Author, 'a').select('*').where({ [raw(`(${em.createQueryBuilder(Book, 'b').count().where({ author: sql.ref('a.id') }).getFormattedQuery()})`)]: { $gte: 2 } }));
q('sub.withSubQuery', em => { const sub = em.createQueryBuilder(Book, 'b').count('b.id').where({ author: sql.ref('a.id') }).getNativeQuery().as('Author.booksTotal'); return em.createQueryBuilder(Author, 'a').withSubQuery(sub, 'a.booksTotal').where({ name: 'x' }); });
q('cte.with', em => em.createQueryBuilder(Author, 'a').with('young', em.createQueryBuilder(Author, 'y').select(['id']).where({ age: { $lt: 20 } })).select('*').where({ id: { $in: raw('(select id from young)') } }));
q('cte.with_from', em => em.createQueryBuilder(Author).with('adults', em.createQueryBuilder(Author, 'x').select(['id', 'name']).where({ age: { $gte: 18 } })).select('*').from('adults', 'ad'));
q('cte.with_columns', em => em.createQueryBuilder(Author).with('c', em.createQueryBuilder(Author, 'x').select(['id', 'name']), { columns: ['cid', 'cname'] }).select('*').from('c'));
q('cte.with_materialized', em => em.createQueryBuilder(Author).with('c', em.createQueryBuilder(Author, 'x').select(['id']), { materialized: true }).select('*').from('c'));
q('cte.with_raw', em => em.createQueryBuilder(Author, 'a').with('nums', raw('select ? as n', [1])).select('*').where({ id: { $in: raw('(select n from nums)') } }));
q('cte.with_two', em => em.createQueryBuilder(Author).with('c1', em.createQueryBuilder(Author, 'x').select(['id'])).with('c2', em.createQueryBuilder(Book, 'y').select(['id', 'author'])).select('*').from('c2'));
q('cte.withRecursive_raw', em => em.createQueryBuilder(Author).withRecursive('seq', raw('select 1 as n union all select n + 1 from seq where n < ?', [5])).select('*').from('seq'));
q('cte.withRecursive_union', em => em.createQueryBuilder(Author).withRecursive('chain', em.createQueryBuilder(Author, 'x').select(['id', 'favouriteBook']).where({ id: 1 }).unionAll(em.createQueryBuilder(Author, 'y').select(['id', 'favouriteBook']).where({ id: 2 }))).select('*').from('chain'));
q('union.union', em => em.createQueryBuilder(Author, 'a').select(['id', 'name']).where({ age: { $lt: 18 } }).union(em.createQueryBuilder(Author, 'a2').select(['id', 'name']).where({ age: { $gt: 60 } })));
q('union.unionAll', em => em.createQueryBuilder(Author, 'a').select(['id']).where({ name: 'x' }).unionAll(em.createQueryBuilder(Author, 'a2').select(['id']).where({ name: 'y' })));
q('union.three', em => em.createQueryBuilder(Tag, 't').select('name').union(em.createQueryBuilder(Author, 'a').select('name'), em.createQueryBuilder(Publisher, 'p').select('name')));
q('union.in_where', em => em.createQueryBuilder(Author, 'x').select('*').where({ id: { $in: em.createQueryBuilder(Author, 'a').select('id').where({ age: 1 }).unionAll(em.createQueryBuilder(Author, 'a2').select('id').where({ age: 2 })) } }));
q('union.orderBy_limit', em => em.createQueryBuilder(Author, 'a').select(['id', 'name']).union(em.createQueryBuilder(Author, 'a2').select(['id', 'name'])).orderBy({ name: 'asc' }).limit(5));
q('native.raw_toRaw_in_where', em => em.createQueryBuilder(Author, 'a').where({ id: { $nin: em.createQueryBuilder(Book, 'b').select('author').toRaw() } }));

// ---------------------------------------------------------------------------
// 7. EntityManager calls (SQL captured through the logger while the call runs)
// ---------------------------------------------------------------------------
e('em.find_all', em => em.find(Author, {}));
e('em.find_where', em => em.find(Author, { name: 'Jon Snow', age: { $gte: 18 } }));
e('em.findOne', em => em.findOne(Author, { email: 'jon@example.com' }));
e('em.findOne_pk', em => em.findOne(Author, 1));
e('em.findOneOrFail', em => em.findOneOrFail(Book, { title: 'Wall' }));
e('em.findAll_options', em => em.findAll(Book, { where: { price: { $gt: 1 } }, orderBy: { id: 'desc' }, limit: 2 }));
e('em.find_autojoin', em => em.find(Book, { author: { name: 'Jon Snow' } }));
e('em.find_some', em => em.find(Author, { books: { $some: { tags: { name: 'war' } } } }));
e('em.populate_selectin_m1', em => em.find(Book, {}, { populate: ['author'] }));
e('em.populate_selectin_1m', em => em.find(Author, {}, { populate: ['books'] }));
e('em.populate_selectin_mn', em => em.find(Book, { id: { $in: [1, 2, 3] } }, { populate: ['tags'] }));
e('em.populate_selectin_nested', em => em.find(Author, {}, { populate: ['books.tags', 'books.publisher'], strategy: 'select-in' }));
e('em.populate_joined_m1', em => em.find(Book, {}, { populate: ['author'], strategy: 'joined' }));
e('em.populate_joined_1m', em => em.find(Author, {}, { populate: ['books'], strategy: 'joined' }));
e('em.populate_joined_mn', em => em.find(Book, {}, { populate: ['tags'], strategy: 'joined' }));
e('em.populate_joined_nested', em => em.find(Author, {}, { populate: ['books.tags', 'books.publisher'], strategy: 'joined', orderBy: { id: 'asc' } }));
e('em.populate_joined_where', em => em.find(Author, { books: { title: { $like: 'W%' } } }, { populate: ['books'], strategy: 'joined' }));
e('em.populate_joined_populateWhere_infer', em => em.find(Author, { books: { title: { $like: 'W%' } } }, { populate: ['books'], strategy: 'joined', populateWhere: 'infer' }));
e('em.populate_all', em => em.find(Tag, { id: 1 }, { populate: ['*'] }));
e('em.orderBy_relation', em => em.find(Book, {}, { orderBy: { author: { name: 'desc' }, id: 'asc' } }));
e('em.orderBy_relation_populated', em => em.find(Book, {}, { populate: ['author'], strategy: 'joined', orderBy: { author: { name: 'asc' } } }));
e('em.orderBy_nulls', em => em.find(Author, {}, { orderBy: { age: QueryOrder.ASC_NULLS_FIRST } }));
e('em.limit_offset', em => em.find(Author, {}, { limit: 2, offset: 1, orderBy: { id: 'asc' } }));
e('em.paginate_joined_1m', em => em.find(Author, {}, { populate: ['books'], strategy: 'joined', limit: 2, offset: 1, orderBy: { name: 'asc' } }));
e('em.paginate_joined_mn', em => em.find(Book, { price: { $ne: null } }, { populate: ['tags'], strategy: 'joined', limit: 2, orderBy: { title: 'asc' } }));
e('em.paginate_joined_where_tomany', em => em.find(Author, { books: { tags: { name: 'war' } } }, { populate: ['books'], strategy: 'joined', limit: 1 }));
e('em.paginate_selectin_1m', em => em.find(Author, {}, { populate: ['books'], strategy: 'select-in', limit: 2, offset: 1 }));
e('em.fields', em => em.find(Author, {}, { fields: ['name', 'email'] }));
e('em.fields_relation', em => em.find(Book, {}, { fields: ['title', 'author.name'] }));
e('em.fields_relation_joined', em => em.find(Book, {}, { fields: ['title', 'author.name'], strategy: 'joined' }));
e('em.exclude', em => em.find(Author, {}, { exclude: ['email', 'born'] }));
e('em.filters_false', em => em.find(Author, {}, { filters: false }));
e('em.filter_defined_enabled', em => { em.addFilter({ name: 'adult', cond: { age: { $gte: 18 } }, entity: ['Author'], default: false }); return em.find(Author, {}, { filters: { adult: true } }); });
e('em.filter_param', em => { em.addFilter({ name: 'minAge', cond: args => ({ age: { $gte: args.min } }), entity: ['Author'] }); return em.find(Author, {}, { filters: { minAge: { min: 20 } } }); });
e('em.filter_on_populated', em => { em.addFilter({ name: 'cheap', cond: { price: { $lt: 30 } }, entity: ['Book'], default: true }); return em.find(Author, {}, { populate: ['books'], strategy: 'joined' }); });
e('em.lockMode', em => em.transactional(em2 => em2.find(Author, { id: 1 }, { lockMode: LockMode.PESSIMISTIC_WRITE })));
e('em.count', em => em.count(Author, { age: { $gt: 18 } }));
e('em.count_relation', em => em.count(Author, { books: { title: 'Wall' } }));
e('em.countBy', em => em.countBy(Book, 'author'));
e('em.findAndCount', em => em.findAndCount(Author, {}, { limit: 2, orderBy: { id: 'asc' } }));
e('em.findAndCount_populate', em => em.findAndCount(Author, { age: { $ne: null } }, { populate: ['books'], strategy: 'joined', limit: 1 }));
e('em.findByCursor_first', em => em.findByCursor(Author, { first: 2, orderBy: { id: 'asc' } }));
e('em.findByCursor_after', em => em.findByCursor(Author, { first: 2, after: { id: 1 }, orderBy: { id: 'asc' } }));
e('em.findByCursor_multi_order', em => em.findByCursor(Book, { first: 2, after: { title: 'Needle', id: 3 }, orderBy: { title: 'desc', id: 'asc' }, includeCount: false }));
e('em.findByCursor_last_before', em => em.findByCursor(Author, { last: 1, before: { id: 3 }, orderBy: { id: 'asc' } }));
e('em.qb_getResult', em => em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b').where({ 'b.id': { $gt: 0 } }).limit(2).getResultList());
e('em.qb_getCount', em => em.createQueryBuilder(Author, 'a').where({ age: { $gt: 1 } }).getCount());
e('em.qb_execute_all', em => em.createQueryBuilder(Book, 'b').select(['author', raw('count(*) as cnt')]).groupBy('author').execute('all'));
e('em.refresh_populate_lazy', em => em.findOne(Author, 1).then(a => em.populate(a, ['books.tags'])));
e('em.collection_load', em => em.findOne(Author, 1).then(a => a.books.load()));
e('em.collection_matching', em => em.findOne(Author, 1).then(a => a.books.matching({ where: { price: { $gt: 5 } }, orderBy: { title: 'asc' } })));
// mutating em calls last (they change the seeded sqlite data)
e('em.nativeUpdate', em => em.nativeUpdate(Author, { id: 3 }, { age: 40 }));
e('em.nativeDelete', em => em.nativeDelete(Tag, { name: 'nonexistent' }));
e('em.insert', em => em.insert(Tag, { name: 'new-tag' }));
e('em.insertMany', em => em.insertMany(Tag, [{ name: 'n1' }, { name: 'n2' }]));
e('em.upsert', em => em.upsert(Author, { email: 'jon@example.com', name: 'Jon S.', age: 31 }));
e('em.upsertMany', em => em.upsertMany(Tag, [{ id: 1, name: 'fantasy' }, { id: 2, name: 'drama' }]));
e('em.flush_create', em => { em.create(Book, { title: 'New', author: 1, tags: [1, 2], createdAt: new Date('2024-02-02T00:00:00.000Z') }); return em.flush(); });
e('em.flush_update_remove', em => em.findOne(Book, 5, { populate: ['tags'] }).then(b => { b.title = 'Dragons 2'; b.tags.remove(em.getReference(Tag, 1)); return em.flush(); }));
