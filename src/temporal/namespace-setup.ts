// The namespace facts grantflow depends on: its custom search attributes, and a retention longer
// than max_temporary_days + 1 day (an early revocation is remembered through the closed run).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { protoMs } from './proto-time';

const INDEXED = temporal.api.enums.v1.IndexedValueType;
const TYPE_TO_INDEXED: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: INDEXED.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: INDEXED.INDEXED_VALUE_TYPE_DATETIME,
};

/** Names of grantflow's search attributes the namespace lacks (or has with another type). */
export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const response = await client.connection.operatorService.listSearchAttributes({ namespace });
  const custom = response.customAttributes ?? {};
  return SEARCH_ATTRIBUTES.filter((key) => custom[key.name] !== TYPE_TO_INDEXED[key.type]).map((key) => key.name);
}

/** Registers the missing ones; on Temporal Cloud this needs the Cloud UI or tcld instead. */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(client, namespace);
  if (missing.length === 0) return [];
  const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of SEARCH_ATTRIBUTES) if (missing.includes(key.name)) searchAttributes[key.name] = TYPE_TO_INDEXED[key.type]!;
  await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing;
}

export async function namespaceRetentionMs(client: Client, namespace: string): Promise<number | undefined> {
  const description = await client.workflowService.describeNamespace({ namespace });
  return protoMs(description.config?.workflowExecutionRetentionTtl);
}
