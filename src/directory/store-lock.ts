// One process owns a key store: two bridges on one store.path would compact and rename the
// files under each other, and the first would go on appending to a journal already replaced
// (announced keys lost, silently). The lock is <target>.lock beside the resolved file (two
// paths through symlinks to one file share it), holding the owner's pid.
//
// Never two winners:
// - A fresh lock is a complete file (the pid written first) made the lock by link(), which
//   fails if the name exists: a reader never sees a lock without its pid.
// - A lock whose pid is dead (a killed bridge) is replaced by rename() of our own complete
//   file over it, so the name never disappears and a fresh link() cannot slip in. Takers of
//   the same stale lock are serialised by a lock of their own, <lock>.takeover-<pid>, taken
//   the same way (its own staleness handled one level deeper), and each checks under it that
//   the lock is still the very file (inode) it judged stale.
// A pid reused by an unrelated live process makes a stale lock look held: the message names
// the file, so a user can remove it.
import { link, open, rename, stat, unlink, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, StorePathError } from "./store-files.js";

/** Another live process holds the store's lock (CLI: exit 2, a config error naming store.path). */
export class StoreLockedError extends StorePathError {
  override readonly name = "StoreLockedError";
  constructor(
    readonly lockFile: string,
    readonly pid: number | null,
    shown: string,
  ) {
    const holder = pid === null ? "another process" : pid === process.pid ? `this process (pid ${pid})` : `another process (pid ${pid})`;
    super(`key store ${shown} is in use by ${holder}, which holds the lock ${lockFile}; stop the other meshtastic-keysync or point store.path elsewhere`);
  }
}

/** Nesting of takeover locks before giving up (each level needs a crash at one exact moment). */
const MAX_DEPTH = 3;
/** How long to wait for a live taker that holds a takeover lock (microseconds of work). */
const TAKEOVER_TRIES = 100;

interface Holder {
  /** null: unreadable content, which no live holder leaves (its file is complete before it is the lock). */
  pid: number | null;
  ino: number;
}

async function readHolder(path: string): Promise<Holder | null> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    // Content and inode from one open file: the pid judged is the file's that is replaced.
    const [text, info] = await Promise.all([handle.readFile("utf8"), handle.stat()]);
    const pid = Number(text.trim());
    return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null, ino: info.ino };
  } finally {
    await handle.close();
  }
}

let made = 0;

/** A complete file holding our pid, ready to become `path` (named per call: stores in one process may race). */
async function candidate(path: string): Promise<string> {
  const file = `${path}.tmp-${process.pid}.${++made}`;
  await writeFile(file, `${process.pid}\n`);
  return file;
}

async function tryLink(file: string, path: string): Promise<boolean> {
  try {
    await link(file, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/** Holds `path` for this process, or throws StoreLockedError naming a live holder. */
async function acquire(path: string, shown: string, depth: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const mine = await candidate(path);
    try {
      if (await tryLink(mine, path)) return;
      const holder = await readHolder(path);
      if (holder === null) continue; // released meanwhile: try again
      if (holder.pid !== null && isAlive(holder.pid)) throw new StoreLockedError(path, holder.pid, shown);
      if (depth >= MAX_DEPTH) throw new StoreLockedError(path, holder.pid, shown);
      const token = `${path}.takeover-${holder.pid ?? 0}`;
      try {
        await acquire(token, shown, depth + 1);
      } catch (error) {
        // Someone alive is taking it over right now: its lock is about to appear.
        if (!(error instanceof StoreLockedError) || tries >= TAKEOVER_TRIES) throw error;
        await sleep(10);
        continue;
      }
      try {
        const now = await stat(path).catch(() => null);
        if (now !== null && now.ino === holder.ino) {
          await rename(mine, path);
          return;
        }
      } finally {
        await release(token);
      }
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }
}

/** Removes `path` if it is still ours. */
async function release(path: string): Promise<void> {
  const holder = await readHolder(path).catch(() => null);
  if (holder?.pid === process.pid) await unlink(path).catch(() => undefined);
}

export class StoreLock {
  private constructor(readonly path: string) {}

  /** The lock of the store at `target` (resolved); `shown` is the name the user gave. */
  static async acquire(target: string, shown: string): Promise<StoreLock> {
    const path = `${target}.lock`;
    await acquire(path, shown, 0);
    return new StoreLock(path);
  }

  release(): Promise<void> {
    return release(this.path);
  }
}

/** What the lock file says, for tests and messages: its pid, or null (no lock, or unreadable). */
export async function lockHolder(target: string): Promise<number | null> {
  return (await readHolder(`${target}.lock`))?.pid ?? null;
}
