// The reading rules the doc-coverage test relies on, on small inputs.
import { describe, expect, it } from "vitest";
import { anchors, codeSpans, links, slug, yamlKeyPaths } from "./markdown.js";

describe("markdown helpers", () => {
  it("give GitHub's anchors, duplicates numbered", () => {
    expect(slug("`<base>/bridge/health`")).toBe("basebridgehealth");
    expect(slug("DMs are still encrypted / the bot cannot decrypt")).toBe("dms-are-still-encrypted--the-bot-cannot-decrypt");
    expect(slug("Sync strategies: `inband` and `connection`")).toBe("sync-strategies-inband-and-connection");
    const page = "# Title\n## Notes\n```sh\n# not a heading\n```\n## Notes\n<a id=\"the-rule\"></a>**The rule**\n";
    expect([...anchors(page)].sort()).toEqual(["notes", "notes-1", "the-rule", "title"]);
  });

  it("read YAML blocks as key paths and skip other languages and broken excerpts", () => {
    const page = "```yaml\nsync:\n  source:\n    proxy: true\n```\n```sh\nradio: {host: x}\n```\n```yaml\n  a: [\n```\n";
    expect([...yamlKeyPaths(page)]).toEqual(["sync", "sync.source", "sync.source.proxy"]);
  });

  it("find code spans and links in prose only, with the file's line numbers", () => {
    const page = "see `store.path`\n```md\n[x](inside.md) `fenced.option`\n```\n`[y](in-code.md)` and [z](docs/store.md#backup)\n";
    expect(codeSpans(page)).toEqual(["store.path", "[y](in-code.md)"]);
    expect(links(page)).toEqual([{ target: "docs/store.md#backup", line: 5 }]);
  });
});
