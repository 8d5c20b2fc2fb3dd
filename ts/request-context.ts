import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from './entity-manager.js';

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs code with a forked EntityManager that the global `orm.em` delegates to. */
export class RequestContext {
  constructor(readonly em: EntityManager) {}

  static create<T>(em: EntityManager | EntityManager[], next: () => T): T {
    const base = Array.isArray(em) ? em[0] : em;
    return storage.run(new RequestContext(base.fork({ useContext: true })), next);
  }

  static async enter(em: EntityManager): Promise<void> {
    storage.enterWith(new RequestContext(em.fork({ useContext: true })));
  }

  static currentRequestContext(): RequestContext | undefined {
    return storage.getStore();
  }

  static getEntityManager(): EntityManager | undefined {
    return storage.getStore()?.em;
  }
}
