// A checksum inside the JSON files myelin writes for runs (config.json above all: a saved model's
// input normalisation and architecture). The object gets a last field "crc32c": the CRC-32C of
// its JSON without that field, as JSON.stringify writes it; a reader that knows the field checks
// it, so a changed digit is an error instead of a model that quietly answers differently.
// Other readers see one more field; a file written by hand (without it) still loads.

import { crc32c, crcHex } from './crc32c.js';

export const JSON_CHECKSUM_FIELD = 'crc32c';

const checksumOf = (value: Record<string, unknown>): string => {
  const { [JSON_CHECKSUM_FIELD]: _drop, ...rest } = value;
  return crcHex(crc32c(new TextEncoder().encode(JSON.stringify(rest))));
};

/** The object with its checksum field (objects only; other values are returned as they are). */
export function withJsonChecksum(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const { [JSON_CHECKSUM_FIELD]: _drop, ...rest } = value as Record<string, unknown>;
  return { ...rest, [JSON_CHECKSUM_FIELD]: checksumOf(rest) };
}

/**
 * Why a parsed object's checksum does not hold (null when it holds or there is none): it was
 * changed after myelin wrote it.
 */
export function jsonChecksumProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!Object.hasOwn(v, JSON_CHECKSUM_FIELD)) return null;
  if (v[JSON_CHECKSUM_FIELD] !== checksumOf(v)) return `does not match its "${JSON_CHECKSUM_FIELD}" field: changed since myelin wrote it`;
  return null;
}
