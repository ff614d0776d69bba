// ESLint 9 flat config: LWC rules for the org bundles, type-checked typescript-eslint for the service.
const lwcConfig = require('@salesforce/eslint-config-lwc');
const jestPlugin = require('eslint-plugin-jest');
const globals = require('globals');
const importPlugin = require('eslint-plugin-import');
const tseslint = require('typescript-eslint');

/**
 * The layers (docs/architecture.md): what each module of src/ may import. `cli` wires
 * everything; nothing else reaches up. An import outside this table fails `npm test`.
 */
const LAYERS = {
    'errors.ts': [],
    'paths.ts': [],
    'logger.ts': [],
    'metrics.ts': [],
    'sqlite.ts': [],
    'config.ts': ['errors.ts'],
    aircall: ['errors.ts'],
    settings: ['aircall', 'errors.ts'],
    // L1: the one description of the call record object (names, fields, limits).
    'call-record': [],
    rules: ['aircall', 'settings', 'call-record', 'errors.ts'],
    'org-api': ['settings', 'aircall', 'call-record', 'errors.ts'],
    'aircall-api': ['aircall', 'errors.ts'],
    inbox: ['aircall', 'rules', 'sqlite.ts', 'errors.ts'],
    salesforce: ['org-api', 'rules', 'aircall', 'settings', 'call-record', 'config.ts', 'errors.ts'],
    worker: ['inbox', 'salesforce', 'rules', 'aircall', 'settings', 'metrics.ts', 'errors.ts'],
    // Insight cards: the worker's snapshot and the engine's matching, posted through the Aircall API.
    cards: [
        'worker',
        'inbox',
        'salesforce',
        'rules',
        'aircall',
        'aircall-api',
        'org-api',
        'settings',
        'metrics.ts',
        'errors.ts'
    ],
    // A1, the API share: the storage's count of requests, the settings seen, the batching it asks for.
    budget: ['inbox', 'worker', 'settings', 'metrics.ts', 'errors.ts'],
    // Settings previews: the inbox's last days replayed through the engine on one org read.
    preview: ['worker', 'inbox', 'salesforce', 'rules', 'aircall', 'settings', 'errors.ts'],
    // Phone-data health: the org's phone values read as the matching reads them.
    health: ['inbox', 'salesforce', 'rules', 'aircall', 'errors.ts'],
    server: ['inbox', 'aircall', 'metrics.ts', 'errors.ts'],
    console: ['org-api', 'inbox', 'settings', 'aircall', 'paths.ts', 'errors.ts']
};
const MODULES = [...Object.keys(LAYERS), 'cli'];
const layerZones = Object.entries(LAYERS).map(([module, allowed]) => ({
    target: `./src/${module}`,
    // The emulators too (a `require` as well as an import): only cli/ reaches them, lazily.
    from: [
        ...MODULES.filter((m) => m !== module && !allowed.includes(m)).map((m) => `./src/${m}`),
        './packages',
        './node_modules/@aircall-sf'
    ],
    message: `src/${module} may import only ${allowed.join(', ') || 'nothing of src/'} (docs/architecture.md).`
}));
// The LWC configs carry no `files`, so scope them to the bundles.
const scope = (configs, files) => configs.map((c) => ({ ...c, files }));

module.exports = [
    {
        ignores: ['node_modules/**', '.sf/**', '.sfdx/**', 'dist/**', 'coverage/**', '.aircall-sf/**', '*.config.js']
    },
    ...scope(lwcConfig.configs.recommended, ['force-app/**/lwc/**/*.js', 'src/console/modules/**/*.js']),
    {
        // The console's browser entry: an ES module that runs in the page.
        files: ['src/console/client/**/*.js'],
        languageOptions: { sourceType: 'module', globals: { ...globals.browser } }
    },
    {
        files: ['force-app/**/lwc/**/__tests__/**/*.js', 'force-app/test/**/*.js'],
        plugins: { jest: jestPlugin },
        languageOptions: { globals: { ...globals.node, ...globals.jest } },
        rules: {
            ...jestPlugin.configs['flat/recommended'].rules,
            '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off',
            '@lwc/lwc/no-inner-html': 'off',
            // Tests wait for a macrotask so that every pending Apex promise has settled.
            '@lwc/lwc/no-async-operation': 'off'
        }
    },
    ...tseslint.config({
        files: [
            'src/**/*.ts',
            'scripts/**/*.ts',
            'test/**/*.ts',
            'bench/**/*.ts',
            'packages/*/src/**/*.ts',
            'packages/*/test/**/*.ts',
            'packages/*/bench/**/*.ts'
        ],
        extends: [...tseslint.configs.recommendedTypeChecked],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
        rules: {
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            '@typescript-eslint/consistent-type-imports': 'error'
        }
    }),
    {
        files: ['src/**/*.ts'],
        ignores: ['src/**/*.test.ts'],
        plugins: { import: importPlugin },
        settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
        rules: {
            'import/no-restricted-paths': ['error', { zones: [...layerZones] }],
            'import/no-cycle': 'error'
        }
    },
    {
        // Type imports of an emulator are free (they vanish at run time); a value import is not.
        files: ['src/**/*.ts'],
        ignores: ['src/**/*.test.ts', 'src/cli/embedded.ts'],
        rules: {
            '@typescript-eslint/no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            group: ['@aircall-sf/*', '**/packages/*'],
                            allowTypeImports: true,
                            message: 'Production code reaches an emulator only through src/cli/embedded.ts.'
                        }
                    ]
                }
            ]
        }
    },
    {
        // The engine is pure (design principle 1): no I/O, no clock, no org client.
        files: ['src/rules/**/*.ts'],
        ignores: ['src/rules/**/*.test.ts'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            group: ['node:*', 'fs', 'http', 'https', 'jsforce', 'pino', 'better-sqlite3*', 'fastify'],
                            message: 'The rules engine is pure: no I/O.'
                        }
                    ]
                }
            ],
            'no-restricted-properties': [
                'error',
                { object: 'Date', property: 'now', message: 'The rules engine is pure: no clock.' }
            ]
        }
    },
    {
        files: ['bin/*', 'packages/*/bin/*', 'scripts/**/*.js', 'packages/*/jest.config.js'],
        languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } }
    }
];
