// ESLint 9 flat config: LWC rules for the org bundles, type-checked typescript-eslint for the service.
const lwcConfig = require('@salesforce/eslint-config-lwc');
const jestPlugin = require('eslint-plugin-jest');
const globals = require('globals');
const tseslint = require('typescript-eslint');

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
        files: ['src/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
        extends: [...tseslint.configs.recommendedTypeChecked],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
        rules: {
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            '@typescript-eslint/consistent-type-imports': 'error'
        }
    }),
    {
        files: ['bin/*', 'scripts/**/*.js'],
        languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } }
    }
];
