// @ts-check
/**
 * The folders of src/, top to bottom: a module imports only from its own folder and from the
 * layers below its own, never from a higher layer nor from a neighbour in the same layer, so the
 * folder graph cannot grow a cycle. Only commands/ and cli/ know oclif and the Twilio CLI.
 * docs/architecture.md says what each folder holds.
 */
const LAYERS = [
  ['commands'],
  ['cli'],
  ['callbacks', 'purge', 'usage'],
  ['holds'],
  ['retention'],
  ['media'],
  ['destinations'],
  ['journal'],
  ['selection'],
  ['recordings'],
  ['encryption'],
  ['twilio'],
  ['tasks', 'time'],
  ['text'],
  ['errors'],
];

/** A folder of src/, or src/errors.ts, as a path pattern. */
const place = (names) => `^src/(${names.join('|')})(/|\\.ts$)`;

const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(0, index).flat();
  const below = LAYERS.slice(index + 1).flat();
  return layer.map((folder) => {
    const others = [...above, ...layer.filter((name) => name !== folder)];
    return {
      name: `layers: ${folder}`,
      comment:
        `${folder}/ may import only from itself and the layers below it ` +
        `(${below.join(', ') || 'none'}); move the code it needs down, or the importing code up.`,
      severity: 'error',
      from: { path: place([folder]) },
      to: { path: place(others) },
    };
  });
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'Modules import each other in a circle: break it by moving what both need below them.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'oclif-only-in-commands-and-cli',
      comment: 'Only src/commands and src/cli may import oclif or the Twilio CLI: domain code takes what it needs as parameters.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(commands|cli)/' },
      to: { path: '(^|/)node_modules/(@oclif/|@twilio/cli-core/)' },
    },
    {
      name: 'every-folder-in-a-layer',
      comment: 'A folder of src/ that is in no layer: add it to LAYERS in .dependency-cruiser.js.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${place(LAYERS.flat())}|^src/types/` },
      to: {},
    },
    {
      name: 'src-stands-alone',
      comment: 'The plugin ships src/ only: it may not import tests, the sandbox, benchmarks or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|sandbox|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports place a folder too: a type from a higher layer is an upward import.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
