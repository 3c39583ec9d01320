import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.name='process'][property.name='exit']",
        message: 'Only src/cli may call process.exit; library code throws.',
      }],
    },
  },
  { files: ['src/cli/**', 'test/**', 'bin/**'], rules: { 'no-restricted-syntax': 'off' } },
  // the task store is async: a call not awaited would race the next one, or lose its error
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe and it return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  // a function that needs more than a screen or two is doing several things: cut it by what they are
  { files: ['src/**'], rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] } },
  ...layering(),
);

/**
 * The folders of src/ in layers, lowest first: a folder may import the root modules (errors,
 * logger, worker-pool) and the folders below it, never one above it (ARCHITECTURE.md). So no two
 * folders import each other, and the library (config … run) never reaches cli, api or task.
 */
function layering() {
  const layers = [
    ['config'], ['pg'], ['catalog'], ['ddl'], ['plan'], ['precheck'], ['copy'], ['cdc'], ['verify'], ['run'], ['task'], ['fleet'], ['api'], ['cli'],
  ];
  // side branches: the demo's local servers, used by the demo and the CLI only
  const extra = { server: [], demo: ['server'] };
  const all = [...layers.flat(), ...Object.keys(extra)];
  const below = new Map();
  layers.forEach((layer, i) => layer.forEach((dir) => below.set(dir, layers.slice(0, i).flat())));
  for (const [dir, deps] of Object.entries(extra)) below.set(dir, deps);
  below.set('cli', all.filter((d) => d !== 'cli'));
  const forbidden = (dir) => all.filter((d) => d !== dir && !below.get(dir).includes(d));
  const rule = (dirs, message) => ({
    'no-restricted-imports': ['error', { patterns: [{ group: dirs.map((d) => `**/${d}/*`), message }] }],
  });
  return [
    // the root modules are shared by every layer and import none of them
    { files: ['src/*.ts'], rules: rule(all, 'src/*.ts modules are the shared root: they import no folder of src/.') },
    ...[...below.keys()].filter((dir) => forbidden(dir).length).map((dir) => ({
      files: [`src/${dir}/**`],
      rules: rule(forbidden(dir), `src/${dir} may import only ${below.get(dir).join(', ') || 'the root modules'} (the layering in ARCHITECTURE.md).`),
    })),
  ];
}
