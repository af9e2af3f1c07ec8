// The store's file operations, each crash-safe on its own: an atomic replace (temp file,
// fsync, rename, fsync of the directory), an append-only journal whose batches are fsynced
// before they count, and the checks of store.path at start. store.ts decides when to use them.
import { constants } from "node:fs";
import { access, lstat, open, readdir, readlink, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { assertStoreText } from "./store-marker.js";

/** Where a write can be interrupted; the crash-safety tests kill the process at each. */
export type CrashPoint = "tmp-partial" | "tmp-synced" | "renamed" | "journal-partial" | "journal-synced" | "journal-reset";
export type CrashHook = (point: CrashPoint) => void | Promise<void>;

export const noCrash: CrashHook = () => undefined;

/** store.path cannot hold the store (a directory, or a directory that is missing or read-only). */
export class StorePathError extends Error {
  override readonly name: string = "StorePathError";
}

/**
 * The file that store.path finally names: a symlink (e.g. into a Docker volume) is followed,
 * so the temp file and the rename happen beside the target and the link stays a link.
 */
export async function resolveStorePath(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    });
    if (info === null || !info.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw new StorePathError(`${path} is a loop of symbolic links`);
}

/** At start, before anything is announced: can we keep a file at `target`? */
export async function checkStorePath(path: string, target: string): Promise<void> {
  const info = await stat(target).catch(() => null);
  if (info?.isDirectory()) throw new StorePathError(`${path} is a directory; name a file in it, e.g. ${join(path, "keys.json")}`);
  const dir = dirname(target);
  const dirInfo = await stat(dir).catch(() => null);
  if (dirInfo === null) throw new StorePathError(`the directory ${dir} of ${path} does not exist`);
  if (!dirInfo.isDirectory()) throw new StorePathError(`${dir} (in ${path}) is not a directory`);
  // Writes are a temp file renamed into place: the directory must be writable, not just the file.
  await access(dir, constants.W_OK | constants.X_OK).catch(() => {
    throw new StorePathError(`the directory ${dir} of ${path} is not writable by this user`);
  });
}

/**
 * Before anything is created beside it (the lock, a copy): a file at `target` that is not a
 * key store of ours is refused (StoreForeignError) and never touched. Usually its first bytes
 * decide; only a file that does not start like ours is read whole.
 */
export async function checkStoreFile(path: string, target: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(target, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let text = head.subarray(0, bytesRead).toString("utf8");
    try {
      assertStoreText(text, path);
    } catch (error) {
      if (bytesRead < head.length) throw error;
      text = await handle.readFile("utf8");
      assertStoreText(text, path);
    }
  } finally {
    await handle.close();
  }
}

export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/**
 * Replaces `path` with `data` so that a reader sees the old file or the new one, never a mix:
 * write <path>.tmp-<pid>, fsync, rename over `path`, fsync the directory.
 */
export async function replaceAtomically(path: string, data: Buffer, hook: CrashHook, points: [partial: CrashPoint, synced: CrashPoint, renamed: CrashPoint] | null): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const handle = await open(tmp, "w");
    try {
      // Two halves, so a test can stop us with the temp file incomplete.
      await writeAll(handle, data.subarray(0, data.length >> 1));
      if (points) await hook(points[0]);
      await writeAll(handle, data.subarray(data.length >> 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (points) await hook(points[1]);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  if (points) await hook(points[2]);
  await syncDirectory(dirname(path));
}

/** Makes a rename durable. Windows cannot open a directory for fsync; there, it is skipped. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The journal, open for appending. A batch counts once append() has resolved (fdatasync). */
export class JournalFile {
  private constructor(
    private readonly handle: FileHandle,
    public size: number,
  ) {}

  static async open(path: string): Promise<JournalFile> {
    const handle = await open(path, "a");
    try {
      return new JournalFile(handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async append(data: Buffer, hook: CrashHook): Promise<void> {
    await writeAll(this.handle, data.subarray(0, data.length >> 1));
    await hook("journal-partial");
    await writeAll(this.handle, data.subarray(data.length >> 1));
    // datasync: the size is metadata it covers; the timestamps are not worth a second write.
    await this.handle.datasync();
    this.size += data.length;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Temp files left by a killed writer. A file of a live process (another instance?) is left alone. */
export async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  // Also the lock's candidate files (store-lock.ts) of a start that was killed.
  const prefixes = [`${basename(path)}.tmp-`, `${basename(path)}.journal.tmp-`, `${basename(path)}.lock.tmp-`];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (prefix === undefined) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10); // <pid> or <pid>.<n>
    if (Number.isSafeInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
