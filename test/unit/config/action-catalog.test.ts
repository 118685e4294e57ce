// The offline action catalogue loads only the services a config names (any case), plus the nearest
// real service for a misspelt prefix.
import assert from 'node:assert/strict';
import { loadActionCatalog, ACTION_CATALOG_PACKAGE } from '../../../src/config/action-catalog';
import { DEFAULT_SETTINGS, type TeamConfig } from '../../../src/core/team-config';

const config = (actions: string[]): TeamConfig => ({
  team: 't',
  accounts: {},
  policies: {
    p: { description: 'p', managedPolicyArns: [], statements: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }], source: { file: 'p.yaml', line: 1 } },
  },
  permanent: [],
  temporary: [],
  settings: DEFAULT_SETTINGS,
});

describe('action catalog cases', function () {
  it('loads the named services whatever their case, and nothing else', async function () {
    const catalog = await loadActionCatalog([config(['S3:GetObject', '*'])]);
    assert.ok(catalog.actionsOf('s3')!.length > 10);
    assert.ok(catalog.actionsOf('S3'), 'looked up case-insensitively');
    assert.equal(catalog.actionsOf('ec2'), undefined);
    assert.equal(catalog.about.source, ACTION_CATALOG_PACKAGE);
    assert.match(catalog.about.date, /^\d{4}-\d{2}-\d{2}$/);
  });

  it('a misspelt prefix loads its nearest real service', async function () {
    const catalog = await loadActionCatalog([config(['dynamodbb:GetItem'])]);
    assert.ok(catalog.actionsOf('dynamodb'));
    assert.equal(catalog.actionsOf('dynamodbb'), undefined);
  });

  it('a * prefix loads every service', async function () {
    const catalog = await loadActionCatalog([config(['*:GetObject'])]);
    assert.ok(catalog.actionsOf('ec2') && catalog.actionsOf('s3') && catalog.actionsOf('iam'));
  });
});
