// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as { homepage: string };

/** The project's page, where the README and docs/ are published (package.json `homepage`, without its anchor). */
export const PROJECT_URL = pkg.homepage.replace(/#.*$/, '');

/**
 * Where a command's documentation lives: a section of the README or of a page in docs/. The host
 * CLI prints it under MORE INFO in the command's help, in place of Twilio's generic API page.
 */
export function docLink(section: string, page = 'README.md'): string {
  const base = page === 'README.md' ? PROJECT_URL : `${PROJECT_URL}/blob/main/${page}`;
  return `${base}#${section}`;
}
