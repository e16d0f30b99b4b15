import type { Store } from '../../src/db/store.js'

/** A call a fake saw: `repository.method`, then its arguments. */
export type Call = [name: string, ...args: unknown[]]

/**
 * A stand-in for an interface with only `methods` written: each call is pushed to `calls` as
 * `[name.method, ...args]` (in order, across every fake sharing the array), and a call of any
 * other method fails the test, so a unit test says exactly what the code under test uses.
 */
export function fake<T extends object>(name: string, methods: Partial<T>, calls: Call[]): T {
  const impl = methods as Record<string, unknown>
  return new Proxy({} as T, {
    get(_target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined
      const method = impl[prop]
      if (typeof method !== 'function') throw new Error(`unexpected use of ${name}.${prop}`)
      return (...args: unknown[]): unknown => {
        calls.push([`${name}.${prop}`, ...args])
        return (method as (...a: unknown[]) => unknown)(...args)
      }
    },
  })
}

/** The repositories of a {@link Store}, each with only the methods a test writes. */
export type FakeRepositories = {
  [K in keyof Store as Store[K] extends (...args: never[]) => unknown ? never : K]?: Partial<Store[K]>
}

/**
 * A {@link Store} made of {@link fake} repositories: the ones given, with the methods given;
 * any other repository or method fails the test. Every call is recorded, in order, in `calls`.
 */
export function fakeStore(repositories: FakeRepositories): { store: Store; calls: Call[] } {
  const calls: Call[] = []
  const repos = repositories as Record<string, object | undefined>
  const store = new Proxy({} as Store, {
    get(_target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined
      const methods = repos[prop]
      if (methods === undefined) throw new Error(`unexpected use of store.${prop}`)
      return fake<object>(prop, methods, calls)
    },
  })
  return { store, calls }
}

/** The names of the calls, in order. */
export const namesOf = (calls: readonly Call[]): string[] => calls.map(([name]) => name)
