/**
 * The package-version script's own logic (a Dev Hub cannot be reached here): its options, the
 * sf command lines it runs, the install URL it reads from sf's answer, and the test classes a
 * deploy from source names, which the README's command must list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installUrl, packageTests, parseVersionArgs, readProject, versionCommands } from './package-version';

describe('package-version', () => {
  it('needs a Dev Hub, refuses unknown options and bad values', () => {
    expect(() => parseVersionArgs([])).toThrow(/--dev-hub is required/);
    expect(() => parseVersionArgs(['--dev-hub'])).toThrow(/--dev-hub needs a value/);
    expect(() => parseVersionArgs(['--dev-hub', 'hub', '--wait', 'soon'])).toThrow(/whole minutes/);
    expect(() => parseVersionArgs(['--dev-hub', 'hub', '--force'])).toThrow(/Unknown option --force/);
    expect(parseVersionArgs(['--dev-hub', 'hub', '--dry-run'])).toEqual({
      devHub: 'hub',
      waitMinutes: 60,
      installationKey: null,
      dryRun: true
    });
  });

  it('creates the package once (unlocked without a namespace, managed with one), then a version with coverage', () => {
    const args = parseVersionArgs(['--dev-hub', 'hub', '--wait', '30']);
    const project = readProject();
    expect(project.packageDirectories[0]).toMatchObject({ path: 'force-app', package: 'Aircall Call Logging' });
    const [create, version] = versionCommands(args, { ...project, packageAliases: {} });
    expect(create).toEqual(expect.arrayContaining(['create', '--package-type', 'Unlocked', '--target-dev-hub', 'hub']));
    expect(version).toEqual(
      expect.arrayContaining(['version', '--code-coverage', '--installation-key-bypass', '--wait', '30'])
    );
    expect(versionCommands(args, { ...project, namespace: 'acme', packageAliases: {} })[0]).toContain('Managed');
    const known = versionCommands(args, { ...project, packageAliases: { 'Aircall Call Logging': '0Ho000000000001' } });
    expect(known).toHaveLength(1);
    expect(
      versionCommands(parseVersionArgs(['--dev-hub', 'hub', '--installation-key', 's3cret']), project).at(-1)
    ).toEqual(expect.arrayContaining(['--installation-key', 's3cret']));
  });

  it('reads the install URL from sf’s answer, or says what sf said', () => {
    expect(
      installUrl(JSON.stringify({ status: 0, result: { SubscriberPackageVersionId: '04t5e000000AbCdAAK' } }))
    ).toBe('https://login.salesforce.com/packaging/installPackage.apexp?p0=04t5e000000AbCdAAK');
    expect(() => installUrl(JSON.stringify({ status: 1, message: 'Code coverage is 70%' }))).toThrow(
      /Code coverage is 70%/
    );
  });

  it('a deploy from source runs exactly the package’s own test classes, as the README says', () => {
    const tests = packageTests();
    expect(tests).toContain('AircallSnapshotResourceTest');
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const command =
      /sf project deploy start --source-dir force-app --target-org my-org --test-level RunSpecifiedTests[^\n]*(?:\n {3,}[^\n]*)*/.exec(
        readme
      )?.[0];
    expect(command).toBeDefined();
    expect([...command!.matchAll(/--tests (\w+)/g)].map((m) => m[1]).sort()).toEqual(tests);
  });
});
