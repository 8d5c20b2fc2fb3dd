import type { EntityMetadata } from './metadata/types.js';
import type { MetadataRegistry } from './metadata/registry.js';
import type { Dictionary, EntityName } from './typings.js';

/** Entity lifecycle events, as MikroORM's `EventType`. */
export const EventType = {
  onInit: 'onInit',
  onLoad: 'onLoad',
  beforeCreate: 'beforeCreate',
  afterCreate: 'afterCreate',
  beforeUpdate: 'beforeUpdate',
  afterUpdate: 'afterUpdate',
  beforeDelete: 'beforeDelete',
  afterDelete: 'afterDelete',
  beforeUpsert: 'beforeUpsert',
  afterUpsert: 'afterUpsert',
  beforeFlush: 'beforeFlush',
  onFlush: 'onFlush',
  afterFlush: 'afterFlush',
  beforeTransactionStart: 'beforeTransactionStart',
  afterTransactionStart: 'afterTransactionStart',
  beforeTransactionCommit: 'beforeTransactionCommit',
  afterTransactionCommit: 'afterTransactionCommit',
  beforeTransactionRollback: 'beforeTransactionRollback',
  afterTransactionRollback: 'afterTransactionRollback',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Entity events that entity hooks (`hooks`, `@BeforeCreate()`, …) can handle. */
export const ENTITY_EVENTS = ['onInit', 'onLoad', 'beforeCreate', 'afterCreate', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete', 'beforeUpsert', 'afterUpsert'] as const;
export type EntityEvent = (typeof ENTITY_EVENTS)[number];

/** Transaction events of subscribers, around `begin`, `commit` and `rollback` (savepoints too). */
export type TransactionEvent =
  | 'beforeTransactionStart'
  | 'afterTransactionStart'
  | 'beforeTransactionCommit'
  | 'afterTransactionCommit'
  | 'beforeTransactionRollback'
  | 'afterTransactionRollback';

/** A change about to be written (or just written), as far as hooks see it. */
export interface ChangeSet<T = any> {
  type: 'create' | 'update' | 'delete';
  entity: T;
  name: string;
  /** The changed properties and their new values. */
  payload: Dictionary;
}

export interface EventArgs<T = any> {
  entity: T;
  em: unknown;
  meta: EntityMetadata<T>;
  changeSet?: ChangeSet<T>;
}

export interface FlushEventArgs {
  em: unknown;
}

export interface TransactionEventArgs {
  em: unknown;
  /** The open transaction (for `beforeTransactionStart`, the one a savepoint goes into, if any). */
  transaction?: unknown;
}

/** MikroORM's `EventSubscriber`: entity events (optionally only for some entities) and flush events. */
export interface EventSubscriber<T = any> {
  getSubscribedEntities?(): EntityName<T>[];
  onInit?(args: EventArgs<T>): void;
  onLoad?(args: EventArgs<T>): void | Promise<void>;
  beforeCreate?(args: EventArgs<T>): void | Promise<void>;
  afterCreate?(args: EventArgs<T>): void | Promise<void>;
  beforeUpdate?(args: EventArgs<T>): void | Promise<void>;
  afterUpdate?(args: EventArgs<T>): void | Promise<void>;
  beforeDelete?(args: EventArgs<T>): void | Promise<void>;
  afterDelete?(args: EventArgs<T>): void | Promise<void>;
  beforeUpsert?(args: EventArgs<T>): void | Promise<void>;
  afterUpsert?(args: EventArgs<T>): void | Promise<void>;
  beforeFlush?(args: FlushEventArgs): void | Promise<void>;
  onFlush?(args: FlushEventArgs): void | Promise<void>;
  afterFlush?(args: FlushEventArgs): void | Promise<void>;
  beforeTransactionStart?(args: TransactionEventArgs): void | Promise<void>;
  afterTransactionStart?(args: TransactionEventArgs): void | Promise<void>;
  beforeTransactionCommit?(args: TransactionEventArgs): void | Promise<void>;
  afterTransactionCommit?(args: TransactionEventArgs): void | Promise<void>;
  beforeTransactionRollback?(args: TransactionEventArgs): void | Promise<void>;
  afterTransactionRollback?(args: TransactionEventArgs): void | Promise<void>;
}

type Handler = (args: unknown) => unknown;

/** Calls entity hooks and subscribers. */
export class EventManager {
  private readonly subscribers: EventSubscriber[] = [];
  private readonly filters = new Map<EventSubscriber, Set<EntityMetadata> | undefined>();

  constructor(private readonly metadata: MetadataRegistry) {}

  registerSubscriber(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
    this.activeCache = undefined;
    this.transactionalCache = undefined;
    const names = subscriber.getSubscribedEntities?.();
    this.filters.set(subscriber, names ? new Set(names.map(n => this.metadata.get(n))) : undefined);
  }

  /** Whether flushes need the events path (hooks or subscribers for writes, flushes or transactions). */
  get active(): boolean {
    return (this.activeCache ??= (['beforeCreate', 'afterCreate', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete', 'beforeFlush', 'onFlush', 'afterFlush'] as const).some(e => this.hasListeners(e)) || this.transactional);
  }

  /** Whether a subscriber listens to transaction events. */
  get transactional(): boolean {
    return (this.transactionalCache ??= this.subscribers.some(s =>
      (['beforeTransactionStart', 'afterTransactionStart', 'beforeTransactionCommit', 'afterTransactionCommit', 'beforeTransactionRollback', 'afterTransactionRollback'] as const).some(e => typeof s[e] === 'function'),
    ));
  }

  private transactionalCache?: boolean;

  async dispatchTransaction(event: TransactionEvent, args: TransactionEventArgs): Promise<void> {
    for (const s of this.subscribers) {
      const handler = s[event] as Handler | undefined;
      if (handler) {
        await handler.call(s, args);
      }
    }
  }

  private activeCache?: boolean;

  getSubscribers(): EventSubscriber[] {
    return [...this.subscribers];
  }

  /** Whether anything listens: entity hooks of `meta` (any entity when omitted) or subscribers. */
  hasListeners(event: EventType, meta?: EntityMetadata): boolean {
    const hooked = meta ? !!meta.hooks[event]?.length : this.metadata.all().some(m => m.hooks[event]?.length);
    return hooked || this.subscribers.some(s => typeof s[event] === 'function' && (!meta || this.listensTo(s, meta)));
  }

  private listensTo(s: EventSubscriber, meta: EntityMetadata): boolean {
    const only = this.filters.get(s);
    return !only || only.has(meta);
  }

  /** Runs the entity's hooks (with `this` = the entity), then the subscribers, in order. */
  async dispatch(event: EntityEvent, args: EventArgs): Promise<void> {
    for (const hook of args.meta.hooks[event] ?? []) {
      await hook.call(args.entity, args);
    }
    for (const s of this.subscribers) {
      const handler = s[event] as Handler | undefined;
      if (handler && this.listensTo(s, args.meta)) {
        await handler.call(s, args);
      }
    }
  }

  /** `onInit` runs synchronously (entities are built synchronously). */
  dispatchSync(event: 'onInit', args: EventArgs): void {
    for (const hook of args.meta.hooks[event] ?? []) {
      hook.call(args.entity, args);
    }
    for (const s of this.subscribers) {
      const handler = s[event] as Handler | undefined;
      if (handler && this.listensTo(s, args.meta)) {
        handler.call(s, args);
      }
    }
  }

  async dispatchFlush(event: 'beforeFlush' | 'onFlush' | 'afterFlush', args: FlushEventArgs): Promise<void> {
    for (const s of this.subscribers) {
      const handler = s[event] as Handler | undefined;
      if (handler) {
        await handler.call(s, args);
      }
    }
  }
}
