// Writes the generated parts of addon/config.yaml: `version` (package.json's), `options` and
// `schema` (from the config schema, dist/config/addon.js). Run after a change to the config
// schema: `npm run build && node scripts/gen-addon-config.mjs`. test/addon/ fails until then.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { addonOptions } from "../dist/config/addon.js";

const root = path.resolve(import.meta.dirname, "..");
const file = path.join(root, "addon/config.yaml");
const doc = parseDocument(readFileSync(file, "utf8"));
const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const { options, schema } = addonOptions();
doc.set("version", version);
doc.set("options", options);
doc.set("schema", schema);
writeFileSync(file, doc.toString({ lineWidth: 0 }));
console.log(`addon/config.yaml: version ${version}, ${Object.keys(schema).length} options`);
