// Public surface of the data-safety library (docs/design.md §5). The codec server's process entry
// (codec-server-main.ts) is deliberately not exported: importing it would start a server.
export { CodecConfigError, CodecDecodeError, UnknownKeyError } from './errors';
export { codecMode, type CodecMode } from './mode';
export { loadCodecKeys, parseCodecKeys, type CodecKey, type CodecKeys, type LoadCodecKeysOptions } from './keys';
export {
  createDataConverter,
  createEncryptionCodec,
  isEncrypted,
  ENCODING_ENCRYPTED,
  METADATA_KEY_ID,
  METADATA_COMPRESSION,
} from './encryption-codec';
export { startCodecServer, buildCodecServer, type CodecServer, type CodecServerOptions } from './codec-server';
export { loadCodecServerConfig, DEV_CODEC_TOKEN, type CodecServerConfig } from './codec-server-config';
export { ImageNotFound, ImageRejected, ImageStoreUnreachable, type ImageStore } from './image-store';
export { LocalEncryptedImageStore, DEFAULT_IMAGE_DIR, DEFAULT_MAX_IMAGE_BYTES } from './local-image-store';
export { S3ImageStore, DEFAULT_S3_CALL_TIMEOUT_MS, type S3ImageStoreOptions } from './s3-image-store';
export {
  createImageStore,
  imageStoreSettings,
  loadImageStore,
  DEFAULT_S3_PREFIX,
  type ImageStoreSettings,
} from './image-store-config';
export { imageStoreResolver } from './image-resolver';
export {
  createOutboundDispatcher,
  isAddressAllowed,
  loadOutboundPolicy,
  OutboundAddressRefused,
  OutboundConfigError,
  type OutboundPolicy,
} from './outbound-guard';
export { redact, redactString, isSecretField, REDACT_PATHS, REDACTED, SECRET_FIELDS } from './redact';
