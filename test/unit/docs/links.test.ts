// The README and docs/ link to each other's sections by file and heading: this fails when a link
// names a file that does not exist or a heading its file does not have (a section moved or renamed
// without its links).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** The Markdown files of the repository's documentation, relative to ROOT. */
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** A file's text without its fenced code blocks (their lines kept empty, so line numbers stay). */
function prose(text: string): string {
  let fenced = false;
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

/** GitHub's anchor for a heading: its text lower-cased, punctuation dropped, spaces made hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors a Markdown file's headings make, a repeated one numbered as GitHub does. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(text).split('\n')) {
    const match = /^#{1,6} (.+)$/.exec(line);
    if (!match) continue;
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

describe('links between the README and docs/', function () {
  it('finds the anchors GitHub makes', () => {
    assert.equal(slug('Settings: `grantflow.yaml` beside the team folders'), 'settings-grantflowyaml-beside-the-team-folders');
    assert.equal(slug('Trust: only a signed, merged YAML grants'), 'trust-only-a-signed-merged-yaml-grants');
    assert.equal(slug("At AWS's pace: `npm run bench -- --rate 10`"), 'at-awss-pace-npm-run-bench------rate-10');
    assert.deepEqual([...anchors('# A\n```\n# not a heading\n```\n## A\n')], ['a', 'a-1']);
  });

  for (const file of DOCS) {
    it(`${file}: every link to a file of the repository and its section resolves`, () => {
      const text = prose(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      const broken: string[] = [];
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [where, anchor] = target.split('#') as [string, string | undefined];
        const resolved = where === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), where);
        if (!fs.existsSync(resolved)) {
          broken.push(`${target}: no such file`);
          continue;
        }
        if (anchor === undefined) continue;
        if (!resolved.endsWith('.md')) {
          broken.push(`${target}: an anchor into a file that is not Markdown`);
          continue;
        }
        if (!anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`);
      }
      assert.deepEqual(broken, []);
    });
  }
});
