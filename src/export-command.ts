// `meshtastic-keysync export [--config FILE]`: prints the key directory as JSON on stdout, for
// backups (docs/store.md, "Backup"). Read-only: it never writes, moves or locks the store,
// so it is safe while the bridge runs. The output is a snapshot file (public keys only, as
// the store holds them) that can be put back as store.path.
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { optionHelpLines, parseArgsOptions, type CliOptions } from "./cli-options.js";
import { ConfigError, formatProblem, loadConfig } from "./config/load.js";
import { resolveStorePath } from "./directory/store-files.js";
import { serializeRecords, StoreForeignError, StoreVersionError } from "./directory/store-format.js";
import { readStore, type StoredDirectory } from "./directory/store-read.js";

export interface ExportIo {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const OPTIONS = {
  config: { type: "string", short: "c", value: "FILE", help: "the config file to read (default ./config.yaml)" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies CliOptions;

export const EXPORT_HELP = [
  "Usage: meshtastic-keysync export [--config FILE]",
  "",
  "Prints the key directory kept at store.path as JSON (public keys only, and the",
  "settings set over MQTT), e.g. for a backup:",
  "  meshtastic-keysync export --config config.yaml > keys-backup.json",
  "Safe while the bridge runs. To restore, stop the bridge and copy the file to store.path.",
  "",
  "Options:",
  ...optionHelpLines(OPTIONS, 20),
  "",
  "Exit codes: 0 printed, 2 usage or config error, 1 the store could not be read.",
].join("\n");

/** Returns the exit code. */
export async function runExport(args: string[], io: ExportIo): Promise<number> {
  let values: { config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: parseArgsOptions(OPTIONS), strict: true, allowPositionals: false }));
  } catch (error) {
    io.stderr(`meshtastic-keysync export: ${(error as Error).message}`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${EXPORT_HELP}\n`);
    return 0;
  }
  let path: string | null;
  try {
    path = loadConfig({ path: values.config, env: io.env, cwd: io.cwd }).config.store.path;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) io.stderr(`meshtastic-keysync export: config error: ${formatProblem(problem)}`);
    return 2;
  }
  if (path === null) {
    io.stderr("meshtastic-keysync export: config error: store.path: no config file, so this is the demo, whose keys live in memory only; nothing to export");
    return 2;
  }
  try {
    const stored = await readConsistently(path);
    // What the bridge would leave out at its next start is left out here too, and said.
    const bad = [...stored.badNodes, ...stored.badLines];
    if (bad.length > 0) io.stderr(`meshtastic-keysync export: ${bad.length} unreadable part${bad.length === 1 ? "" : "s"} of ${path} left out: ${bad.join("; ")}`);
    // journal: null, so that a restored copy is never combined with a journal left beside it.
    // The settings set over MQTT come along: a restored copy brings them back too.
    io.stdout(serializeRecords(stored.records, Math.floor(Date.now() / 1000), null, stored.settings));
    return 0;
  } catch (error) {
    if (error instanceof StoreVersionError || error instanceof StoreForeignError) {
      io.stderr(`meshtastic-keysync export: config error: store.path: ${error.message}`);
      return 2;
    }
    io.stderr(`meshtastic-keysync export: cannot read ${path}: ${(error as Error).message}`);
    return 1;
  }
}

/** A running bridge may compact meanwhile: read again until the snapshot did not change under us. */
async function readConsistently(path: string): Promise<StoredDirectory> {
  const target = await resolveStorePath(path);
  const identity = async (): Promise<string> => {
    const info = await stat(target).catch(() => null);
    return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : "none";
  };
  for (let attempt = 0; ; attempt++) {
    const before = await identity();
    const stored = await readStore(target, path);
    if ((await identity()) === before || attempt >= 4) return stored;
  }
}
