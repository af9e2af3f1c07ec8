// The file side of the key store: one atomic, durable write (temp file, fsync, rename,
// fsync of the directory) and the clean-up of temp files a killed writer left behind.
import { open, readdir, rename, unlink, mkdir, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Where a write can be interrupted; the crash-safety test kills the process at each. */
export type CrashPoint = "tmp-partial" | "tmp-synced" | "renamed";

const noop = (): void => undefined;

/** Replaces `path` with `text`: a reader sees the old file or the new one, never a mix. */
export async function writeAtomically(path: string, text: string, hook: (point: CrashPoint) => void | Promise<void> = noop): Promise<void> {
  const data = Buffer.from(text, "utf8");
  const tmp = `${path}.tmp-${process.pid}`;
  await mkdir(dirname(path), { recursive: true });
  try {
    const handle = await open(tmp, "w");
    try {
      // Two halves, so a test can stop us with the temp file incomplete.
      await writeAll(handle, data.subarray(0, data.length >> 1));
      await hook("tmp-partial");
      await writeAll(handle, data.subarray(data.length >> 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await hook("tmp-synced");
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(noop);
    throw error;
  }
  await hook("renamed");
  await syncDirectory(dirname(path));
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes the rename itself durable. Windows cannot open a directory for fsync; there, it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temp files left by a killed writer. A file of a live process (another instance?) is left alone. */
export async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isSafeInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(noop);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
