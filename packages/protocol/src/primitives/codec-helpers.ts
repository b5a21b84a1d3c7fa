import { DecodeError } from '../errors/decode-error.js'
import { EncodeError } from '../errors/encode-error.js'
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

/*
 * Small helpers shared by the generated codecs in ../generated/. `flexible` selects the compact
 * (KIP-482) encodings. Each function is monomorphic in its argument types, so V8 inlines them.
 */

// ---- version and field checks ----

/** Throws unless `version` is an integer in `[min, max]` (encoding). */
export function checkEncodeVersion(message: string, version: number, min: number, max: number): void {
  if (!(version >= min && version <= max && Number.isInteger(version))) {
    throw new EncodeError(`${message} version ${version} is not supported (valid versions: ${min}-${max})`)
  }
}

/** Throws unless `version` is an integer in `[min, max]` (decoding). */
export function checkDecodeVersion(message: string, version: number, min: number, max: number, reader: Reader): void {
  if (!(version >= min && version <= max && Number.isInteger(version))) {
    throw new DecodeError(`${message} version ${version} is not supported (valid versions: ${min}-${max})`, reader.offset)
  }
}

/** A non-default value for a field the version cannot carry (Kafka's UnsupportedVersionException). */
export function unsupportedField(message: string, version: number, field: string): EncodeError {
  return new EncodeError(`${message} version ${version} cannot carry a non-default value for ${field}`)
}

/** Null for a field that is not nullable in this version. */
export function nullNotAllowed(message: string, version: number, field: string): EncodeError {
  return new EncodeError(`${message} version ${version} does not allow null for ${field}`)
}

/** Returns `value`, or throws a DecodeError when it is null (a non-nullable field read as null). */
export function notNull<T>(value: T | null, reader: Reader, field: string): T {
  if (value === null) throw new DecodeError(`non-nullable field ${field} was null`, reader.offset)
  return value
}

/** Returns `value`, or throws a DecodeError when it is null and `allowed` is false. */
export function checkNullable<T>(value: T | null, allowed: boolean, reader: Reader, field: string): T | null {
  if (value === null && !allowed) throw new DecodeError(`field ${field} is not nullable in this version but was null`, reader.offset)
  return value
}

// ---- strings and bytes ----

/** A non-nullable string; null on the wire is a DecodeError. */
export function readString(reader: Reader, flexible: boolean, field: string): string {
  const value = flexible ? reader.compactString() : reader.string()
  if (value === null) throw new DecodeError(`non-nullable string ${field} was null`, reader.offset)
  return value
}

export function readNullableString(reader: Reader, flexible: boolean): string | null {
  return flexible ? reader.compactString() : reader.string()
}

export function writeString(writer: Writer, flexible: boolean, value: string | null): void {
  if (flexible) writer.compactString(value)
  else writer.string(value)
}

/** Non-nullable bytes (a view into the input); null on the wire is a DecodeError. */
export function readBytes(reader: Reader, flexible: boolean, field: string): Uint8Array {
  const value = flexible ? reader.compactBytes() : reader.bytes()
  if (value === null) throw new DecodeError(`non-nullable bytes ${field} were null`, reader.offset)
  return value
}

export function readNullableBytes(reader: Reader, flexible: boolean): Uint8Array | null {
  return flexible ? reader.compactBytes() : reader.bytes()
}

export function writeBytes(writer: Writer, flexible: boolean, value: Uint8Array | null): void {
  if (flexible) writer.compactBytes(value)
  else writer.bytes(value)
}

// ---- arrays ----

/** Element count, or -1 for a null array. */
export function readArrayLength(reader: Reader, flexible: boolean): number {
  return flexible ? reader.compactArrayLength() : reader.arrayLength()
}

/** Element count, or null for a null array. */
export function writeArrayLength(writer: Writer, flexible: boolean, length: number | null): void {
  if (flexible) writer.compactArrayLength(length)
  else writer.arrayLength(length)
}

export function readInt8Array(reader: Reader, flexible: boolean): number[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: number[] = []
  for (let i = 0; i < length; i++) array.push(reader.int8())
  return array
}

export function writeInt8Array(writer: Writer, flexible: boolean, array: readonly number[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.int8(element)
}

export function readInt16Array(reader: Reader, flexible: boolean): number[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: number[] = []
  for (let i = 0; i < length; i++) array.push(reader.int16())
  return array
}

export function writeInt16Array(writer: Writer, flexible: boolean, array: readonly number[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.int16(element)
}

export function readUint16Array(reader: Reader, flexible: boolean): number[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: number[] = []
  for (let i = 0; i < length; i++) array.push(reader.uint16())
  return array
}

export function writeUint16Array(writer: Writer, flexible: boolean, array: readonly number[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.uint16(element)
}

export function readInt32Array(reader: Reader, flexible: boolean): number[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: number[] = []
  for (let i = 0; i < length; i++) array.push(reader.int32())
  return array
}

export function writeInt32Array(writer: Writer, flexible: boolean, array: readonly number[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.int32(element)
}

export function readUint32Array(reader: Reader, flexible: boolean): number[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: number[] = []
  for (let i = 0; i < length; i++) array.push(reader.uint32())
  return array
}

export function writeUint32Array(writer: Writer, flexible: boolean, array: readonly number[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.uint32(element)
}

export function readInt64Array(reader: Reader, flexible: boolean): bigint[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: bigint[] = []
  for (let i = 0; i < length; i++) array.push(reader.int64())
  return array
}

export function writeInt64Array(writer: Writer, flexible: boolean, array: readonly bigint[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.int64(element)
}

export function readFloat64Array(reader: Reader, flexible: boolean): number[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: number[] = []
  for (let i = 0; i < length; i++) array.push(reader.float64())
  return array
}

export function writeFloat64Array(writer: Writer, flexible: boolean, array: readonly number[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.float64(element)
}

export function readBoolArray(reader: Reader, flexible: boolean): boolean[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: boolean[] = []
  for (let i = 0; i < length; i++) array.push(reader.bool())
  return array
}

export function writeBoolArray(writer: Writer, flexible: boolean, array: readonly boolean[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.bool(element)
}

export function readUuidArray(reader: Reader, flexible: boolean): string[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: string[] = []
  for (let i = 0; i < length; i++) array.push(reader.uuid())
  return array
}

export function writeUuidArray(writer: Writer, flexible: boolean, array: readonly string[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) writer.uuid(element)
}

/** Array of non-nullable strings (a null element is a DecodeError). */
export function readStringArray(reader: Reader, flexible: boolean): string[] | null {
  const length = readArrayLength(reader, flexible)
  if (length < 0) return null
  const array: string[] = []
  for (let i = 0; i < length; i++) array.push(readString(reader, flexible, 'array element'))
  return array
}

export function writeStringArray(writer: Writer, flexible: boolean, array: readonly string[] | null): void {
  if (array === null) return writeArrayLength(writer, flexible, null)
  writeArrayLength(writer, flexible, array.length)
  for (const element of array) {
    if (element === null) throw new EncodeError('null element in an array of non-nullable strings')
    writeString(writer, flexible, element)
  }
}

// ---- tagged fields ----

/**
 * Starts a tagged field: writes its tag and a one-byte size placeholder, returns where the size
 * goes. The value is then written in place and `endTaggedField` fills in the size (moving the
 * value when the size needs more than one byte), so tagged values cost no extra buffer.
 */
export function beginTaggedField(writer: Writer, tag: number): number {
  writer.uvarint(tag)
  const start = writer.offset
  writer.uvarint(0)
  writer.beginTagged()
  return start
}

/** Completes a tagged field begun at `start` by `beginTaggedField`. */
export function endTaggedField(writer: Writer, start: number): void {
  writer.endTagged()
  const size = writer.offset - start - 1
  let sizeBytes = 1
  for (let rest = size >>> 7; rest > 0; rest >>>= 7) sizeBytes++
  if (sizeBytes > 1) {
    const end = writer.offset
    writer.ensure(sizeBytes - 1)
    writer.offset = end + sizeBytes - 1
    const buffer = writer.ownBytes()
    buffer.copyWithin(start + sizeBytes, start + 1, end)
  }
  const buffer = writer.ownBytes()
  let position = start
  let rest = size
  while (rest > 0x7f) {
    buffer[position++] = (rest & 0x7f) | 0x80
    rest >>>= 7
  }
  buffer[position] = rest
}

/** Reads a tagged field's size and returns where its value ends (checked against the input). */
export function taggedFieldEnd(reader: Reader): number {
  const size = reader.uvarint()
  reader.need(size, 'tagged field')
  return reader.offset + size
}

/** Throws unless a known tagged field's value ended exactly at its declared size. */
export function checkTaggedFieldEnd(reader: Reader, end: number, field: string): void {
  if (reader.offset !== end) {
    throw new DecodeError(`tagged field ${field} ends at byte ${reader.offset}, its size says ${end}`, reader.offset)
  }
}
