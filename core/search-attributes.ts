/** Custom search attributes the workflow sets, so runs can be listed by their CR in Temporal. */
export const SEARCH_ATTRIBUTES = {
  OrchestrationRunNamespace: 'Keyword',
  OrchestrationRunName: 'Keyword',
  OrchestrationRunUid: 'Keyword',
  OrchestrationName: 'Keyword',
} as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
