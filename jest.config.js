// The projects: the LWC bundles through sfdx-lwc-jest, the TypeScript through ts-jest, the
// local org's own suite, and the console in a browser (run on its own).
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    projects: [
        {
            ...jestConfig,
            displayName: 'lwc',
            rootDir: __dirname,
            roots: ['<rootDir>/force-app'],
            testPathIgnorePatterns: ['/node_modules/']
        },
        {
            displayName: 'ts',
            rootDir: __dirname,
            roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/scripts'],
            testEnvironment: 'node',
            testMatch: ['**/*.test.ts'],
            testPathIgnorePatterns: ['/node_modules/', '\\.browser\\.test\\.ts$', '\\.org\\.test\\.ts$'],
            transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
            moduleFileExtensions: ['ts', 'js', 'json']
        },
        // The local org's own suite (packages/local-org): conformance over HTTP.
        '<rootDir>/packages/local-org/jest.config.js',
        // The local Aircall's own suite (packages/local-aircall).
        '<rootDir>/packages/local-aircall/jest.config.js',
        {
            // The end-to-end scenarios of npm run test:org: a real org when given, else the local org.
            displayName: 'org',
            rootDir: __dirname,
            roots: ['<rootDir>/test'],
            testEnvironment: 'node',
            testMatch: ['**/*.org.test.ts'],
            transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
            moduleFileExtensions: ['ts', 'js', 'json']
        },
        {
            // The official sf CLI against the local org (npm run test:sf); needs SF_CLI or sf on the PATH.
            displayName: 'sf-cli',
            rootDir: __dirname,
            roots: ['<rootDir>/packages/local-org/test'],
            testEnvironment: 'node',
            testMatch: ['**/*.sf.test.ts'],
            transform: {
                '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/packages/local-org/tsconfig.json' }]
            },
            moduleFileExtensions: ['ts', 'js', 'json']
        },
        {
            // The local console in Chromium (npm run test:browser); needs /usr/bin/chromium.
            displayName: 'browser',
            rootDir: __dirname,
            roots: ['<rootDir>/test'],
            testEnvironment: 'node',
            testMatch: ['**/*.browser.test.ts'],
            transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
            moduleFileExtensions: ['ts', 'js', 'json']
        }
    ]
};
