// The version of the activation contract (docs/design.md, "The workflow contract"): the workflow type, its
// input, status, updates, queries and signals, and the HTTP API. It names the JSON Schema folder
// (contract/json-schema/v<N>/) and is the major version of the client package (packages/client/package.json).
// Raise it for a change that breaks a caller that follows the current contract: a field removed or renamed, a
// new required input field, a type narrowed, a state, outcome or message removed (contract/README.md).
export const CONTRACT_VERSION = 1;
