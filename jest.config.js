// The projects: the LWC bundles through sfdx-lwc-jest, the TypeScript through ts-jest, the
// emulators' own suites, and the suites that run on their own (org, sf CLI, browser).
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

/** A TypeScript project through ts-jest. */
const tsProject = (displayName, roots, testMatch, extra = {}, tsconfig = '<rootDir>/tsconfig.json') => ({
    displayName,
    rootDir: __dirname,
    roots,
    testEnvironment: 'node',
    testMatch,
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig }] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    ...extra
});

module.exports = {
    projects: [
        {
            ...jestConfig,
            displayName: 'lwc',
            rootDir: __dirname,
            roots: ['<rootDir>/force-app'],
            testPathIgnorePatterns: ['/node_modules/']
        },
        tsProject('ts', ['<rootDir>/src', '<rootDir>/test', '<rootDir>/scripts'], ['**/*.test.ts'], {
            testPathIgnorePatterns: [
                '/node_modules/',
                '\\.browser\\.test\\.ts$',
                '\\.org\\.test\\.ts$',
                '/test/postgres/'
            ]
        }),
        // The local org's own suite (packages/local-org): conformance over HTTP.
        '<rootDir>/packages/local-org/jest.config.js',
        // The local Aircall's own suite (packages/local-aircall).
        '<rootDir>/packages/local-aircall/jest.config.js',
        // The end-to-end scenarios of npm run test:org: a real org when given, else the local org.
        tsProject('org', ['<rootDir>/test'], ['**/*.org.test.ts']),
        // The official sf CLI against the local org (npm run test:sf); needs SF_CLI or sf on the PATH.
        tsProject(
            'sf-cli',
            ['<rootDir>/packages/local-org/test'],
            ['**/*.sf.test.ts'],
            {},
            '<rootDir>/packages/local-org/tsconfig.json'
        ),
        // The storage suite and the service's reliability suites on PostgreSQL (npm run test:postgres):
        // a real server from Debian's postgresql package (or PG_BIN), started for the run.
        tsProject(
            'postgres',
            ['<rootDir>/test'],
            [
                '**/test/postgres/**/*.test.ts',
                '**/test/service/reliability.test.ts',
                '**/test/service/logging.test.ts',
                '**/test/service/webhook.test.ts'
            ],
            {
                globalSetup: '<rootDir>/test/postgres/global-setup.ts',
                globalTeardown: '<rootDir>/test/postgres/global-teardown.ts',
                setupFiles: ['<rootDir>/test/postgres/engine.ts']
            }
        ),
        // The local console in Chromium (npm run test:browser); needs /usr/bin/chromium.
        tsProject('browser', ['<rootDir>/test'], ['**/*.browser.test.ts'])
    ]
};
