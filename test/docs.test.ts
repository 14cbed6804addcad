// What a newcomer reads is true: the README and docs/ carry no placeholder or internal issue
// reference, every relative link reaches a file (and heading) of the repository, and every
// measured time in the pages that report measurements says when it was measured.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** The pages a reader sees: the README and every page of docs/. */
const PAGES = [
  "README.md",
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/** The pages that report measurements: each time in them must carry its date. */
const MEASURED_PAGES = ["docs/performance.md", "docs/day-two.md", "docs/composing.md"];

/** What a placeholder or an internal reference looks like, outside code. */
const PLACEHOLDERS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a placeholder name", pattern: /\b[A-Z]{4,}_[A-Z]{3,}\b/g },
  { what: "TODO", pattern: /\bTODO\b/g },
  { what: "FIXME", pattern: /\bFIXME\b/g },
  { what: "TBD", pattern: /\bTBD\b/g },
  { what: "an internal issue reference", pattern: /\bissues? #?\d+\b/gi },
];

/** A time with its unit: `3 s`, `1.5 min`, `250ms`. */
const TIME = /\b\d+(\.\d+)? ?(s|ms|min)\b/;
/** A date a measurement carries. */
const DATE = /\b2026-\d\d(-\d\d)?\b/;
/**
 * Words that say a paragraph reports a measurement. Paragraphs also give settings and bounds in
 * seconds (a default timeout, an asserted limit), which need no date: only those that say they
 * measured are held to it, and every table.
 */
const MEASURED = /\b(measured|median|took)\b/i;

/** One line of a page, with its number. */
interface Line {
  readonly number: number;
  readonly text: string;
}

/** The page's lines outside fenced code blocks (those are commands and code, not prose). */
function proseLines(page: string): Line[] {
  const lines = fs.readFileSync(path.join(ROOT, page), "utf8").split("\n");
  const prose: Line[] = [];
  let fenced = false;
  lines.forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) prose.push({ number: i + 1, text });
  });
  return prose;
}

/** Text without its code spans (which may run over a line break). */
function withoutCode(text: string): string {
  return text.replace(/`[^`]*`/g, "``");
}

/**
 * The page's blocks: paragraphs and list items run until a blank line, a table is its run of
 * `|` lines, a heading is a block of its own; fenced code is left out.
 */
function blocksOf(page: string): Line[][] {
  const blocks: Line[][] = [];
  let current: Line[] = [];
  let table = false;
  const end = () => {
    if (current.length > 0) blocks.push(current);
    current = [];
  };
  for (const line of proseLines(page)) {
    const isTable = line.text.trimStart().startsWith("|");
    if (line.text.trim() === "" || isTable !== table || line.text.startsWith("#")) end();
    table = isTable;
    if (line.text.trim() !== "") current.push(line);
    if (line.text.startsWith("#")) end();
  }
  end();
  return blocks;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The anchors a page's headings give, numbered as GitHub numbers repeated ones. */
function anchorsOf(page: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of proseLines(page)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const slug = slugOf(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Every problem with the relative links of a page: a missing file or heading. */
function deadLinks(page: string): string[] {
  const dead: string[] = [];
  for (const { number, text } of proseLines(page)) {
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split("#", 2);
      const resolved =
        file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
      const where = `${page}:${number}: ${target}`;
      if (!fs.existsSync(path.join(ROOT, resolved))) {
        dead.push(`${where} (no file ${resolved})`);
      } else if (
        anchor !== undefined &&
        resolved.endsWith(".md") &&
        !anchorsOf(resolved).has(anchor)
      ) {
        dead.push(`${where} (no heading #${anchor} in ${resolved})`);
      }
    }
  }
  return dead;
}

describe("the docs a reader sees (README.md, docs/*.md)", () => {
  it("have no placeholder, TODO, FIXME, TBD or internal issue reference outside code", () => {
    // By block, since a code span may run over a line break.
    const found = PAGES.flatMap((page) =>
      blocksOf(page).flatMap((block) => {
        const text = withoutCode(block.map((l) => l.text).join("\n"));
        return PLACEHOLDERS.flatMap(({ what, pattern }) =>
          [...text.matchAll(pattern)].map((m) => `${page}:${block[0].number}: ${what}: ${m[0]}`),
        );
      }),
    );
    assert.deepStrictEqual(found, []);
  });

  it("link only to files and headings that exist", () => {
    assert.deepStrictEqual(PAGES.flatMap(deadLinks), []);
  });

  it("date what they measured: every table with a time, and every paragraph that says it measured one", () => {
    const undated = MEASURED_PAGES.flatMap((page) => {
      const blocks = blocksOf(page);
      return blocks.flatMap((block, i) => {
        const text = (b: Line[] | undefined) =>
          withoutCode((b ?? []).map((l) => l.text).join("\n"));
        const isTable = block[0].text.trimStart().startsWith("|");
        // A table's date may be in the paragraph that introduces it.
        const said = isTable ? `${text(blocks[i - 1])}\n${text(block)}` : text(block);
        const held = isTable || MEASURED.test(text(block));
        return held && TIME.test(text(block)) && !DATE.test(said)
          ? [`${page}:${block[0].number}: ${block[0].text.trim().slice(0, 60)}`]
          : [];
      });
    });
    assert.deepStrictEqual(undated, []);
  });
});

describe("the docs checks themselves", () => {
  it("make GitHub's anchors of headings", () => {
    assert.strictEqual(slugOf("Failover timing"), "failover-timing");
    assert.strictEqual(slugOf("Compose a host: `ConsulHost`"), "compose-a-host-consulhost");
    assert.strictEqual(slugOf("Adding a setting end to end"), "adding-a-setting-end-to-end");
    assert.strictEqual(slugOf("Tested with (Node.js, Pulumi)"), "tested-with-nodejs-pulumi");
  });

  it("read a page's anchors from its headings, and only from them", () => {
    const anchors = anchorsOf("docs/day-two.md");
    assert.ok(anchors.has("failover-timing"));
    assert.ok(anchors.has("snapshots-and-restore"));
    assert.ok(!anchors.has("failover-timings"));
  });

  it("see a placeholder outside code and not inside it", () => {
    const names = (text: string) =>
      [...withoutCode(text).matchAll(PLACEHOLDERS[0].pattern)].map((m) => m[0]);
    assert.deepStrictEqual(names("took FAILOVER_KILL, with `DOCKER_HOST` set"), ["FAILOVER_KILL"]);
    assert.deepStrictEqual(names("a span over a line `PULUMI_BACKEND_URL\nDOCKER_HOST` break"), []);
  });
});
