// The client library's public surface (.dependency-cruiser.mjs): the gateway and the installable package
// (packages/client) import client/ only from here. The CLI (cli/) is a program, not part of it.
export * from './activation-client';
export * from './connect';
export * from './errors';
export * from './parse-input';
export * from './tenancy';
export * from './update-table';
export * from './updates';
