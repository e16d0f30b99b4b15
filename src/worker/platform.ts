import { NodePlatform } from '@mtcute/node'

/**
 * mtcute's Node platform without its signal hook. Out of the box, once a client's storage is
 * loaded, mtcute catches SIGTERM and SIGINT itself: it closes the session storage, removes its
 * handlers and sends the signal again, which kills the process there and then. The worker's own
 * shutdown (`catchShutdownSignals`: stop taking jobs, let the one in flight finish, `tg.destroy()`,
 * close the database, exit 0) would never get to run. Here only mtcute's last-chance save at
 * `exit` is kept; everything else is the process's own shutdown, which destroys the client
 * (and so saves and closes the session) before it exits.
 */
export class WorkerPlatform extends NodePlatform {
  override beforeExit = (fn: () => void): (() => void) => {
    process.once('exit', fn)
    return () => {
      process.off('exit', fn)
    }
  }
}
