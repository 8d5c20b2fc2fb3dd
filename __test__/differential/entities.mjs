// Shared entity model; built with defineEntity + p from the given driver package.
export function makeEntities(mod) {
  const { defineEntity, p } = mod;
  const Author = defineEntity({
    name: 'Author',
    properties: {
      id: p.integer().primary(),
      name: p.string(),
      email: p.string().unique(),
      age: p.integer().nullable(),
      born: p.date().nullable(),
      favouriteBook: () => p.manyToOne(Book).nullable(),
      books: () => p.oneToMany(Book).mappedBy('author'),
    },
  });
  const Publisher = defineEntity({
    name: 'Publisher',
    properties: {
      id: p.integer().primary(),
      name: p.string(),
      type: p.enum(['local', 'global']),
    },
  });
  const Book = defineEntity({
    name: 'Book',
    properties: {
      id: p.integer().primary(),
      title: p.string(),
      price: p.decimal().nullable(),
      createdAt: p.datetime().onCreate(() => new Date()),
      author: () => p.manyToOne(Author),
      publisher: () => p.manyToOne(Publisher).nullable(),
      tags: () => p.manyToMany(Tag).owner().inversedBy('books'),
    },
  });
  const Tag = defineEntity({
    name: 'Tag',
    properties: {
      id: p.integer().primary(),
      name: p.string(),
      books: () => p.manyToMany(Book).mappedBy('tags'),
    },
  });
  return { Author, Publisher, Book, Tag };
}
