/** The documentation says what the code does: the settings defaults in docs/rules.md. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS_FIELDS } from '../src/settings/schema';

describe('docs/rules.md', () => {
  it('lists every setting with the default the schema applies', () => {
    const text = readFileSync(join(__dirname, '..', 'docs', 'rules.md'), 'utf8');
    for (const field of SETTINGS_FIELDS) {
      const row = new RegExp(`^\\| \`${field.apiName}\` +\\|[^|]+\\| ([^|]+?) +\\|`, 'm').exec(text);
      expect(row).not.toBeNull();
      const shown = row![1]!.replace(/`/g, '');
      const expected = typeof field.default === 'boolean' ? (field.default ? 'checked' : 'unchecked') : field.default;
      expect([field.apiName, shown]).toEqual([field.apiName, expected]);
    }
  });
});
