import { defineEntity, p, type InferEntity } from '@mikro-native/sqlite';

/** The clock `onCreate` / `onUpdate` read, so log lines are stable. */
export const clock = { now: 1000 };

/** An Author with every scalar type (the entity of FINDINGS (a)/(b), without relations). */
export const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().index(),
    email: p.string().unique(),
    age: p.integer().nullable(),
    born: p.date().nullable(),
    createdAt: p.datetime().onCreate(() => new Date(clock.now)),
    updatedAt: p.datetime().onCreate(() => new Date(clock.now)).onUpdate(() => new Date(clock.now)),
    termsAccepted: p.boolean().default(false),
    bio: p.text().nullable(),
    big: p.bigint().nullable(),
    score: p.float().nullable(),
    price: p.decimal().nullable(),
    wakeUp: p.time().nullable(),
    meta: p.json().nullable(),
    role: p.enum(['admin', 'user']).nullable(),
    uuid: p.uuid().nullable(),
  },
});
export type IAuthor = InferEntity<typeof Author>;

/** An entity with hidden properties. */
export const Account = defineEntity({
  name: 'Account',
  properties: {
    id: p.integer().primary(),
    username: p.string(),
    password: p.string().hidden(),
    token: p.string().hidden().nullable(),
    createdAt: p.datetime(),
  },
});
