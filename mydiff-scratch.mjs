const [,, pkg, port, user] = process.argv;
const { MikroORM, defineEntity, p } = await import(pkg.replace('@mikro-orm', '@mikro-native'));
const base = { dbName: 'mn_mydiff', host: '127.0.0.1', port: +port, user, colors: false };
const A = [
  defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), email: p.string(), age: p.integer().nullable(), bio: p.string().nullable(), gone: p.string().nullable() } }),
  defineEntity({ name: 'Old', properties: { id: p.integer().primary(), x: p.string() } }),
];
const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.text(), email: p.string().unique(), age: p.integer().default(3), bio: p.string(), nick: p.string().nullable(), score: p.integer().default(0) } });
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string().index(), author: () => p.manyToOne(Author) } });
let orm = await MikroORM.init({ ...base, entities: A });
await orm.schema.refresh();
await orm.close();
orm = await MikroORM.init({ ...base, entities: [Author, Book] });
console.log(JSON.stringify(await orm.schema.getUpdateSchemaSQL()));
console.log(JSON.stringify(await orm.schema.getUpdateSchemaSQL({ safe: true })));
console.log(JSON.stringify(await orm.schema.getUpdateSchemaSQL({ dropTables: false })));
await orm.close();
