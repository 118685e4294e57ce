// The file schemas' own messages: a missing value is "required", a wrong one says what rule it broke.
import assert from 'node:assert/strict';
import { accountsFileSchema, permanentFileSchema, statementInputSchema, temporaryFileSchema } from '../../../src/config/schema';

const messages = (schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown) =>
  (schema.safeParse(value).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('schema cases', function () {
  const entry = { description: 'd', user: 'u@example.com', environment: 'prod', grant: 'read', expiration_date: '2030-01-01' };
  const cases: { name: string; schema: Parameters<typeof messages>[0]; value: unknown; want: string[] }[] = [
    {
      name: 'a missing text field is required',
      schema: temporaryFileSchema,
      value: { 'temporary-access': [{ ...entry, grant: undefined }] },
      want: ['temporary-access.0.grant: grant is required'],
    },
    {
      name: 'a text field of the wrong type is not called missing',
      schema: temporaryFileSchema,
      value: { 'temporary-access': [{ ...entry, grant: 5 }] },
      want: ['temporary-access.0.grant: Invalid input: expected string, received number'],
    },
    {
      name: 'a blank text field must not be empty',
      schema: temporaryFileSchema,
      value: { 'temporary-access': [{ ...entry, user: '  ' }] },
      want: ['temporary-access.0.user: user must not be empty'],
    },
    {
      name: 'a missing account id',
      schema: accountsFileSchema,
      value: { 'aws-accounts': { prod: undefined } },
      want: ['aws-accounts.prod: an account id is required'],
    },
    {
      name: 'an account id of 11 digits',
      schema: accountsFileSchema,
      value: { 'aws-accounts': { prod: '12345678901' } },
      want: ['aws-accounts.prod: an AWS account id is exactly 12 digits, written in quotes, e.g. "123456789012"'],
    },
    {
      name: 'an account id that is a number',
      schema: accountsFileSchema,
      value: { 'aws-accounts': { prod: 123456789012 } },
      want: ['aws-accounts.prod: Invalid input: expected string, received number'],
    },
    {
      name: 'a missing effect',
      schema: statementInputSchema,
      value: { actions: ['s3:GetObject'], resources: ['*'] },
      want: ['effect: effect is required: "Allow" or "Deny"'],
    },
    {
      name: 'a lower-case effect',
      schema: statementInputSchema,
      value: { effect: 'allow', actions: ['s3:GetObject'], resources: ['*'] },
      want: ['effect: effect must be "Allow" or "Deny" (case-sensitive), got "allow"'],
    },
    {
      name: 'actions and not_actions together',
      schema: statementInputSchema,
      value: { effect: 'Allow', actions: ['s3:GetObject'], not_actions: ['s3:PutObject'], resources: ['*'] },
      want: ['not_actions: a statement takes actions or not_actions, not both'],
    },
    {
      name: 'no resources at all',
      schema: statementInputSchema,
      value: { effect: 'Allow', actions: ['s3:GetObject'] },
      want: [': a statement needs resources: add resources (or not_resources)'],
    },
    {
      name: 'an empty permanent-access is an empty list',
      schema: permanentFileSchema,
      value: { 'permanent-access': null },
      want: [],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(messages(c.schema, c.value), c.want));

  it('a null list of entries becomes an empty list', function () {
    assert.deepEqual(permanentFileSchema.parse({ 'permanent-access': null }), { 'permanent-access': [] });
    assert.deepEqual(temporaryFileSchema.parse({ 'temporary-access': null }), { 'temporary-access': [] });
  });
});
