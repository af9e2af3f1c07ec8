// The docs cover what the code offers: every config option, every MQTT topic, command and
// event type, and every relative link lands on a file (and heading) that exists. The lists
// come from the code (the option list --help prints, topics.ts, the command table, the event
// list), so adding an option, a topic, a command or an event without documenting it fails
// here, and so does moving a page or renaming a heading that something still links to.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { COMMANDS } from "../../src/mqtt/commands.js";
import { bridgeTopics } from "../../src/mqtt/topics.js";
import { BRIDGE_EVENT_TYPES } from "../../src/sync/events.js";
import { anchors, codeSpans, links, yamlKeyPaths } from "./markdown.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");
const DOC_PAGES = readdirSync(path.join(ROOT, "docs"))
  .filter((name) => name.endsWith(".md"))
  .sort()
  .map((name) => `docs/${name}`);
const ALL_DOCS = ["README.md", ...DOC_PAGES];

// Pages being written on other branches: links to them are checked only once the file
// exists; README.md and docs/README.md must link them either way. Drop an entry once its
// page is in (none are pending now).
const PENDING_PAGES: string[] = [];

describe("config options", () => {
  // The rule: an option counts as documented when README.md or a docs/ page names its full
  // path in inline code, alone or followed by a space, ":", "=" or "," (`sync.interval`,
  // `radio.host: simulator`), or holds it as a key under its section in a ```yaml block
  // (`interval:` under `sync:`). A mention in prose without backticks does not count: it is
  // too easy to match by accident (e.g. "store.path" inside a longer word or sentence).
  const spans = ALL_DOCS.flatMap((file) => codeSpans(read(file)));
  const yamlPaths = new Set(ALL_DOCS.flatMap((file) => [...yamlKeyPaths(read(file))]));
  const named = (option: string): boolean =>
    yamlPaths.has(option) || spans.some((span) => span === option || (span.startsWith(option) && /^[ :=,]/.test(span.slice(option.length))));

  it("are each documented in README.md or a docs/ page", () => {
    const undocumented = CONFIG_OPTIONS.map((o) => o.path).filter((option) => !named(option));
    expect(undocumented, "options that no page names in backticks or in a YAML block").toEqual([]);
  });

  it("have the defaults --help prints wherever docs/configuration.md's reference table lists them", () => {
    const byPath = new Map(CONFIG_OPTIONS.map((o) => [o.path, o]));
    const rows = [...read("docs/configuration.md").matchAll(/^\| `([a-z_.]+)` \| (.*?) \| `MESHTASTIC_KEYSYNC_\w+` \|/gm)];
    expect(rows.length).toBeGreaterThan(0);
    for (const [, option = "", shown = ""] of rows) {
      const known = byPath.get(option);
      expect(known, `docs/configuration.md lists ${option}, which is no option`).toBeDefined();
      const text = shown.replace(/^`|`$/g, "").replaceAll("\\|", "|").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
      expect([option, text]).toEqual([option, known?.defaultText]);
    }
  });
});

describe("docs/mqtt-api.md", () => {
  const page = read("docs/mqtt-api.md");
  const spans = new Set(codeSpans(page));

  it("names every topic of topics.ts in inline code", () => {
    const topics = bridgeTopics("<base>");
    const names = Object.values(topics).filter((v): v is string => typeof v === "string" && v !== topics.base);
    names.push(topics.node("<node id>"), topics.request("<command>"), topics.response("<command>"));
    expect(names.filter((topic) => !spans.has(topic))).toEqual([]);
  });

  it("has a row for every command in the commands table and every event type in the events table", () => {
    const rows = new Set([...page.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]));
    expect(COMMANDS.length).toBeGreaterThan(5);
    expect(COMMANDS.filter((command) => !rows.has(command))).toEqual([]);
    expect(BRIDGE_EVENT_TYPES.filter((type) => !rows.has(type))).toEqual([]);
  });
});

describe("links", () => {
  it("in README.md and docs/*.md point at files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of ALL_DOCS) {
      for (const { target, line } of links(read(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [rawPath = "", anchor] = target.split("#");
        const resolved = rawPath === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(rawPath)));
        if (PENDING_PAGES.includes(resolved) && !existsSync(path.join(ROOT, resolved))) continue;
        const where = `${file}:${line} → ${target}`;
        if (!existsSync(path.join(ROOT, resolved))) broken.push(`${where} (no such file)`);
        else if (anchor !== undefined && resolved.endsWith(".md") && !anchors(read(resolved)).has(anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("reach every docs/ page, the pending ones included, from README.md and from docs/README.md", () => {
    const pages = [...new Set([...DOC_PAGES.filter((p) => p !== "docs/README.md"), ...PENDING_PAGES])];
    for (const index of ["README.md", "docs/README.md"]) {
      const linked = new Set(
        links(read(index)).map(({ target }) => path.posix.normalize(path.posix.join(path.posix.dirname(index), target.split("#")[0] ?? ""))),
      );
      expect(pages.filter((p) => !linked.has(p)), `pages ${index} does not link`).toEqual([]);
    }
  });

  it("leave the README a front door: under ~250 lines", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(250);
  });
});
