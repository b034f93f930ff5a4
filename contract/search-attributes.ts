// Typed keys for the two search attributes the workflow keeps current. Registered on the server at
// start-up (dev server flags, the test environment, the PostgreSQL setup script).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from './types';

export const ActivationStateKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.state, SearchAttributeType.KEYWORD);
export const VlensRequestIdKey = defineSearchAttributeKey(
  SEARCH_ATTRIBUTES.vlensRequestId,
  SearchAttributeType.KEYWORD,
);

export const ALL_SEARCH_ATTRIBUTE_KEYS = [ActivationStateKey, VlensRequestIdKey];

/** Set by the client at start (client/tenancy.ts); the workflow reads it and never writes it. */
export const TENANT_SEARCH_ATTRIBUTE = 'ActivationTenant';
export const ActivationTenantKey = defineSearchAttributeKey(TENANT_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);
