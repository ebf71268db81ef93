import type { Serializer } from './types.js';

/**
 * What Redis holds for one key: a JSON envelope with the absolute expiry, so that a reader fills its
 * L1 with the remaining TTL and a read never extends a TTL.
 *   e: logical expiry (epoch ms)   s: end of the fail-safe window, when longer than e
 *   t: tags                        a: 1 for a remembered absence (negative cache)
 *   v: the value (default JSON), or the custom serializer's string
 */
export interface Envelope {
  e: number;
  s?: number;
  t?: string[];
  a?: 1;
  v?: unknown;
}

export function encodeEnvelope(
  expiry: number,
  staleUntil: number,
  tags: string[] | undefined,
  payloadJson: string | undefined,
): string {
  let out = '{"e":' + expiry;
  if (staleUntil > expiry) out += ',"s":' + staleUntil;
  if (tags !== undefined) out += ',"t":' + JSON.stringify(tags);
  return payloadJson === undefined ? out + ',"a":1}' : out + ',"v":' + payloadJson + '}';
}

export function decodeEnvelope(raw: string): Envelope | undefined {
  let env: unknown;
  try {
    env = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof env !== 'object' || env === null || typeof (env as Envelope).e !== 'number') return undefined;
  return env as Envelope;
}

/**
 * How one cache turns values into text and back. `payload` returns the JSON text stored in the
 * envelope's v field, or undefined when the value cannot be serialized (BigInt, cycles, a function).
 */
export interface Codec {
  payload(value: unknown): string | undefined;
  fromEnvelope(v: unknown): unknown;
  /** The text L1 keeps when cloneOnL1 is set. */
  toText(value: unknown): string | undefined;
  fromText(text: string): unknown;
  /** L1 text of an envelope's v field. */
  textFromEnvelope(v: unknown): string;
  /** The envelope's v field for an L1 text. */
  payloadFromText(text: string): string;
}

function tryJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

export const jsonCodec: Codec = {
  payload: tryJson,
  fromEnvelope: (v) => v,
  toText: tryJson,
  fromText: (text) => JSON.parse(text),
  textFromEnvelope: (v) => JSON.stringify(v),
  payloadFromText: (text) => text,
};

export function serializerCodec(serializer: Serializer): Codec {
  const toText = (value: unknown): string | undefined => {
    try {
      return serializer.serialize(value);
    } catch {
      return undefined;
    }
  };
  return {
    payload: (value) => {
      const text = toText(value);
      return text === undefined ? undefined : JSON.stringify(text);
    },
    fromEnvelope: (v) => serializer.deserialize(v as string),
    toText,
    fromText: (text) => serializer.deserialize(text),
    textFromEnvelope: (v) => v as string,
    payloadFromText: (text) => JSON.stringify(text),
  };
}
