import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_URL } from '../../../src/cli/doc-links';
import { commandClasses } from '../../support/command-classes';

const REPO_ROOT = resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  oclif: { topics: Record<string, unknown> };
};

/** The anchors GitHub makes of a Markdown file's headings (code blocks left out). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const heading = !inCode && /^#{1,6} (.*)$/.exec(line);
    if (heading)
      anchors.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}_\- ]/gu, '')
          .replace(/ /g, '-'),
      );
  }
  return anchors;
}

/** The file in this repository and the anchor a documentation link names. */
function target(link: string): { file: string; anchor: string } {
  const [page, anchor] = link.slice(PROJECT_URL.length).split('#');
  return { file: page === '' ? 'README.md' : page.replace(/^\/blob\/main\//, ''), anchor };
}

describe('command help', () => {
  const commands = commandClasses();

  it('finds every command', () => {
    expect(commands.map((command) => command.id)).to.include.members([
      'recordings:list',
      'recordings:callbacks:send',
      'recordings:holds:add',
    ]);
  });

  for (const command of commands) {
    describe(command.id, () => {
      it("links MORE INFO to a section of this project's documentation that exists", () => {
        expect(command.docLink, 'docLink').to.be.a('string');
        expect(command.docLink!.startsWith(`${PROJECT_URL}`)).to.equal(true, command.docLink);
        const { file, anchor } = target(command.docLink!);
        expect(existsSync(join(REPO_ROOT, file)), file).to.equal(true);
        expect([...headingAnchors(readFileSync(join(REPO_ROOT, file), 'utf8'))]).to.include(anchor);
      });

      it("has examples that use long flags only (besides the host CLI's -o)", () => {
        expect(command.examples ?? []).to.have.length.greaterThan(0);
        for (const example of command.examples ?? []) {
          expect(example.startsWith(`$ twilio ${command.id}`), example).to.equal(true);
          expect(example.match(/(?<=\s)-(?!o\s)[A-Za-z]\b/g) ?? [], example).to.deep.equal([]);
        }
      });

      it('sits in a topic of its own', () => {
        const topic = command.id.split(':').slice(0, -1).join(':');
        expect(pkg.oclif.topics, topic).to.have.property(topic);
      });
    });
  }
});

describe('the README', () => {
  it('shows the GitHub Actions workflow the installed-package suite runs, as it is', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const workflow = readFileSync(join(REPO_ROOT, 'docs', 'examples', 'retention-workflow.yml'), 'utf8');
    expect(readme).to.include(`\`\`\`yaml\n${workflow}\`\`\`\n`);
  });
});
