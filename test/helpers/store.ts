// Reading a key store back the way the bridge does (KeyStore.load()), then letting it go:
// load() takes the store's lock, and a reader that kept it would refuse the next bridge.
import { KeyStore, type KeyStoreOptions, type LoadResult } from "../../src/directory/store.js";
import { resolveStorePath } from "../../src/directory/store-files.js";
import { readStore, type StoredDirectory } from "../../src/directory/store-read.js";

export async function loadOnce(path: string, options: Partial<KeyStoreOptions> = {}): Promise<LoadResult> {
  const store = new KeyStore({ path, ...options });
  try {
    return await store.load();
  } finally {
    await store.stop();
  }
}

/** What the files hold, read as `export` reads them: no lock, nothing changed (a store may be running). */
export async function readBack(path: string): Promise<StoredDirectory> {
  return readStore(await resolveStorePath(path), path);
}
