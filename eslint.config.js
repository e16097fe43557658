// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'

// The layers of src/, bottom to top: a folder may import only the layers below it (and its own
// files); folders of one layer do not import each other. docs/architecture.md draws this list.
const LAYERS = [
  // errors.ts is imported by everything and internal/ throws its errors: one bottom layer.
  ['src/internal', 'src/errors.ts'],
  ['src/jws'],
  ['src/keys'],
  ['src/verifier'],
  // Verifier-shaped building blocks over the verifier: opaque tokens, provider presets.
  ['src/introspection', 'src/presets'],
  ['src/revocation'],
  ['src/rooms'],
  ['src/guard'],
  ['src/authorize'],
  ['src/express', 'src/redis', 'src/compat', 'src/cli', 'src/oidc'],
  // The framework integrations build on sockguard/express (HTTP) and the guard (sockets).
  ['src/fastify', 'src/nestjs'],
]
// The package entry imports everything and is imported by nothing inside src/.
const ENTRY = 'src/index.ts'
// Served to browsers: it may take types from errors.ts and nothing else of the server side.
const CLIENT = 'src/client'

/** One zone per folder: what it may not import (the layers above it, its siblings, the client). */
function layerZones() {
  const zones = LAYERS.flatMap((layer, index) =>
    layer.map((target) => {
      // The bottom layer's two parts go together (internal/ throws the errors of errors.ts).
      const siblings = index === 0 ? [] : layer.filter((name) => name !== target)
      const from = [...LAYERS.slice(index + 1).flat(), ...siblings, CLIENT, ENTRY]
      return {
        target: `./${target}`,
        from: from.map((name) => `./${name}`),
        message: `the layers of src/ point down (see eslint.config.js, docs/architecture.md).`,
      }
    }),
  )
  zones.push({
    target: `./${CLIENT}`,
    from: [...LAYERS.flat(), ENTRY]
      .filter((name) => name !== 'src/errors.ts')
      .map((name) => `./${name}`),
    message: 'the browser client imports nothing of the server side but types from errors.ts.',
  })
  return zones
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', '.tmp/', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Template literals with numbers are common and harmless in messages.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Import direction: no cycles, and each layer of src/ imports only the layers below it.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle parses the files an import leads to: TypeScript sources.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Sources import `./x.js` for `./x.ts` (NodeNext).
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        { basePath: import.meta.dirname, zones: layerZones() },
      ],
    },
  },
  {
    // Type imports from errors.ts only (the zone above allows no other file): no server code.
    files: ['src/client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*'],
              allowTypeImports: true,
              message: 'the browser client may import only types from the server side.',
            },
          ],
        },
      ],
    },
  },
  {
    // The reference page: plain browser modules, no build step and no type information.
    files: ['web/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        atob: 'readonly',
        TextDecoder: 'readonly',
      },
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
