#!/usr/bin/env node
// @meshtastic/protobufs 2.7.18 ships broken typings: package.json points "types" at a file
// that does not exist, and the real declaration file exports namespaces (Mesh, Admin, ...)
// that it never declares, so every message type silently becomes `any`. This rebuilds
// correct typings from the installed package, into types/generated/ (not committed): one
// module re-exporting every declaration, and one module per namespace listing the members
// the package's own JavaScript puts in that namespace. tsconfig "paths" points there.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "node_modules/@meshtastic/protobufs/dist");
const out = join(root, "types/generated/protobufs");

const dtsName = readdirSync(dist).find((f) => /^mod.*\.d\.ts$/.test(f));
if (!dtsName) throw new Error(`no declaration file in ${dist}: is @meshtastic/protobufs installed?`);
const dts = readFileSync(join(dist, dtsName), "utf8");
const js = readFileSync(join(dist, "mod.js"), "utf8");

// Every top-level declaration: in this bundle all names are unique.
const declared = new Set();
for (const m of dts.matchAll(/^(?:declare )?(?:type|const|enum|function|interface|class) (\w+)/gm)) declared.add(m[1]);

// The namespace export list at the end: `mesh_pb_d_exports as Mesh, ...`.
const exportLine = dts.match(/^export \{([^}]*)\};/m);
if (!exportLine) throw new Error("unexpected declaration file layout: no namespace export list");
const namespaces = [...exportLine[1].matchAll(/(\w+)_d_exports as (\w+)/g)].map((m) => ({ file: m[1], name: m[2] }));

// The runtime members of each namespace, from `var mesh_pb_exports = __exportAll({ Name: () => ...`.
function runtimeMembers(file) {
  const start = js.indexOf(`var ${file}_exports = `);
  if (start === -1) throw new Error(`namespace ${file} not found in mod.js`);
  const body = js.slice(start, js.indexOf("});", start));
  return [...body.matchAll(/^\s*(\w+): \(\) => \w+/gm)].map((m) => m[1]);
}

mkdirSync(out, { recursive: true });
const body = dts
  .replace(/^import \{ t as __exportAll \} from "\.\/chunk-[\w-]+\.js";\s*$/m, "")
  .replace(exportLine[0], "");
writeFileSync(join(out, "all.d.ts"), `${body}\nexport { ${[...declared].join(", ")} };\n`);

const index = [];
for (const { file, name } of namespaces) {
  const members = new Set();
  for (const member of runtimeMembers(file)) {
    members.add(member);
    // A message's schema `XSchema` comes with its type `X`.
    const type = member.replace(/Schema$/, "");
    if (type !== member && declared.has(type)) members.add(type);
  }
  const missing = [...members].filter((m) => !declared.has(m));
  if (missing.length) throw new Error(`${name}: members without a declaration: ${missing.join(", ")}`);
  writeFileSync(join(out, `${file}.d.ts`), `export { ${[...members].join(", ")} } from "./all.js";\n`);
  index.push(`export * as ${name} from "./${file}.js";`);
}
writeFileSync(join(out, "index.d.ts"), `${index.join("\n")}\n`);
process.stderr.write(`typings for @meshtastic/protobufs: ${namespaces.length} namespaces, ${declared.size} declarations\n`);
