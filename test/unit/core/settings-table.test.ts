// The settings table (src/core/settings-table.ts) is the one declaration of grantflow.yaml's settings:
// the file schema, the Settings type, the defaults and the environment variables all come from it,
// and a setting's variable and its file key read the same values.
import assert from 'node:assert/strict';
import type { Position } from '../../../src/core/diagnostics';
import { SETTINGS, type SettingDeclaration } from '../../../src/core/settings-table';
import { DEFAULT_SETTINGS, settingsSchema } from '../../../src/core/team-config';
import { settingsFileSchema, type SettingsFile } from '../../../src/config/schema';
import { resolveNotifications, resolveSettings, SETTINGS_ENV, WEBHOOK_ENV_PREFIX } from '../../../src/config/settings';

const at = (): Position => ({ file: 'grantflow.yaml', line: 1, col: 1 });
const declared: readonly SettingDeclaration[] = SETTINGS;
const resolved = declared.filter((setting) => setting.field !== undefined);

describe('settings table', function () {
  it('declares each key, field and variable once; every variable is a GRANTFLOW_ one', () => {
    const keys = declared.map((setting) => setting.key);
    const fields = resolved.map((setting) => setting.field);
    const envs = declared.flatMap((setting) => (setting.env === undefined ? [] : [setting.env]));
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(new Set(fields).size, fields.length);
    assert.equal(new Set(envs).size, envs.length);
    for (const name of envs) assert.match(name, /^GRANTFLOW_[A-Z_]+$/);
    for (const setting of declared) assert.ok(setting.description.length > 0, `${setting.key} has a description`);
  });

  it('gives grantflow.yaml its keys, Settings its fields and SETTINGS_ENV its variables', () => {
    assert.deepEqual(
      Object.keys(settingsFileSchema.shape),
      declared.map((setting) => setting.key),
    );
    assert.deepEqual(
      Object.keys(settingsSchema.shape),
      resolved.map((setting) => setting.field),
    );
    assert.deepEqual(SETTINGS_ENV, Object.fromEntries(declared.flatMap((setting) => (setting.env === undefined ? [] : [[setting.key, setting.env]]))));
  });

  it('DEFAULT_SETTINGS holds exactly the declared defaults, is valid Settings, and is what nothing resolves to', () => {
    assert.deepEqual(
      DEFAULT_SETTINGS,
      Object.fromEntries(
        resolved.flatMap((setting) => (setting.field !== undefined && setting.default !== undefined ? [[setting.field, setting.default]] : [])),
      ),
    );
    assert.deepEqual(settingsSchema.parse(DEFAULT_SETTINGS), DEFAULT_SETTINGS);
    assert.deepEqual(resolveSettings(undefined, {}, at), { settings: DEFAULT_SETTINGS, diagnostics: [] });
    for (const setting of resolved) {
      if (setting.field !== undefined && setting.default === undefined)
        assert.ok(settingsSchema.shape[setting.field as keyof typeof settingsSchema.shape].safeParse(undefined).success);
    }
  });

  it("each setting's variable, set to the default as the README writes it, resolves to the default", () => {
    for (const setting of resolved) {
      if (setting.field === undefined || setting.env === undefined || setting.default === undefined) continue;
      const written = setting.show ? setting.show(setting.default) : String(setting.default);
      const { settings, diagnostics } = resolveSettings(undefined, { [setting.env]: written }, at);
      assert.deepEqual(diagnostics, [], setting.key);
      assert.deepEqual((settings as unknown as Record<string, unknown>)[setting.field], setting.default, setting.key);
    }
  });

  it('a value refused from the file is refused from the variable with the same message', () => {
    const refused: Partial<SettingsFile> = { reconcile_interval: '9s', strict_actions: 'maybe' as unknown as boolean, partition: 'aws-iso' as 'aws' };
    for (const [key, value] of Object.entries(refused)) {
      const setting = declared.find((s) => s.key === key)!;
      const fromFile = resolveSettings({ [key]: value } as SettingsFile, {}, at).diagnostics.map((d) => d.message);
      const fromEnv = resolveSettings(undefined, { [setting.env!]: String(value) }, at).diagnostics.map((d) => d.message);
      assert.equal(fromFile.length, 1, key);
      assert.deepEqual(fromEnv, fromFile, key);
    }
  });

  it('the settings with readers of their own read what their rows say', () => {
    assert.deepEqual(
      declared.filter((setting) => setting.field === undefined).map((setting) => setting.key),
      ['notifications', 'web_ui_url'],
    );
    assert.equal(resolveNotifications({}, { [SETTINGS_ENV.web_ui_url]: 'http://ui' }, at).webUiUrl, 'http://ui');
    const notifications = declared.find((setting) => setting.key === 'notifications')!;
    assert.ok(notifications.envText?.includes(`\`${WEBHOOK_ENV_PREFIX}\``));
  });
});
