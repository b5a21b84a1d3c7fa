/*
 * LZ4 block compression and decompression for WebAssembly (freestanding, no libc), used by
 * kafkats' lz4 codec. Written for kafkats from the LZ4 block format description
 * (lz4_Block_format.md); not derived from the reference implementation's code.
 *
 * Build: packages/protocol/scripts/build-lz4-wasm.sh (clang --target=wasm32 -O3 -mbulk-memory), which
 * regenerates lz4-wasm-binary.ts; the binary is committed so nothing needs clang at install time.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long size_t;

#define MIN_MATCH 4
#define LAST_LITERALS 5
#define MF_LIMIT 12
#define MAX_OFFSET 65535
/* 8192 u16 positions (16 KiB): blocks are at most 64 KiB, so a position fits 16 bits */
#define HASH_LOG 13

static inline u32 read32(const u8 *p) { u32 v; __builtin_memcpy(&v, p, 4); return v; }
static inline u64 read64(const u8 *p) { u64 v; __builtin_memcpy(&v, p, 8); return v; }
static inline void write64(u8 *p, u64 v) { __builtin_memcpy(p, &v, 8); }
static inline u32 hash4(u32 sequence) { return (sequence * 2654435761u) >> (32 - HASH_LOG); }

static inline u8 *write_length(u8 *op, size_t length) {
  while (length >= 255) { *op++ = 255; length -= 255; }
  *op++ = (u8)length;
  return op;
}

/*
 * Compresses src[0, length) as one block into dst (room for length + length/255 + 16 bytes).
 * length <= 65536. table: (1 << HASH_LOG) u16 of scratch. Returns the compressed size.
 */
__attribute__((export_name("lz4_compress")))
int lz4_compress(const u8 *src, int length, u8 *dst, u16 *table) {
  __builtin_memset(table, 0, sizeof(u16) << HASH_LOG);
  const u8 *ip = src;
  const u8 *anchor = src;
  const u8 *const iend = src + length;
  const u8 *const mflimit = iend - MF_LIMIT;
  const u8 *const matchlimit = iend - LAST_LITERALS;
  u8 *op = dst;
  if (length > MF_LIMIT) {
    u32 misses = 0;
    while (ip < mflimit) {
      const u32 sequence = read32(ip);
      const u32 h = hash4(sequence);
      const u8 *ref = src + table[h];
      table[h] = (u16)(ip - src);
      /* an empty slot reads as position 0: the comparison below rejects it unless it really matches */
      if ((u32)(ip - ref - 1) >= MAX_OFFSET || read32(ref) != sequence) {
        ip += 1 + (misses++ >> 6);
        continue;
      }
      misses = 0;
      const u8 *start = ip;
      while (start > anchor && ref > src && start[-1] == ref[-1]) { start--; ref--; }
      const u8 *q = ip + MIN_MATCH;
      const u8 *r = ref + (ip - start) + MIN_MATCH;
      while (q + 4 <= matchlimit) {
        const u32 diff = read32(q) ^ read32(r);
        if (diff) { q += __builtin_ctz(diff) >> 3; goto found; }
        q += 4; r += 4;
      }
      while (q < matchlimit && *q == *r) { q++; r++; }
    found:;
      const size_t literals = (size_t)(start - anchor);
      u8 *token = op++;
      u32 token_value;
      if (literals >= 15) { token_value = 0xf0; op = write_length(op, literals - 15); }
      else token_value = (u32)literals << 4;
      __builtin_memcpy(op, anchor, literals);
      op += literals;
      const u32 offset = (u32)(start - ref);
      *op++ = (u8)offset;
      *op++ = (u8)(offset >> 8);
      const size_t extra = (size_t)(q - start) - MIN_MATCH;
      if (extra >= 15) { token_value |= 15; op = write_length(op, extra - 15); }
      else token_value |= (u32)extra;
      *token = (u8)token_value;
      ip = q;
      anchor = q;
      if (ip < mflimit) table[hash4(read32(ip - 2))] = (u16)(ip - 2 - src);
    }
  }
  const size_t literals = (size_t)(iend - anchor);
  u8 *token = op++;
  if (literals >= 15) { *token = 0xf0; op = write_length(op, literals - 15); }
  else *token = (u8)(literals << 4);
  __builtin_memcpy(op, anchor, literals);
  op += literals;
  return (int)(op - dst);
}

/*
 * Decompresses the block src[0, length) into dst, writing nothing at or past dst + capacity;
 * matches may reach `history` bytes before dst (earlier blocks of a linked frame).
 * Returns the output size, -1 when the output would pass capacity, -2 when the block is malformed.
 */
__attribute__((export_name("lz4_decompress")))
int lz4_decompress(const u8 *src, int length, u8 *dst, int capacity, int history) {
  const u8 *ip = src;
  const u8 *const iend = src + length;
  u8 *op = dst;
  u8 *const oend = dst + capacity;
  const u8 *const lowest = dst - history;
  for (;;) {
    if (ip >= iend) return -2;
    const u32 token = *ip++;
    size_t literals = token >> 4;
    if (literals == 15) {
      u32 byte;
      do {
        if (ip >= iend) return -2;
        byte = *ip++;
        literals += byte;
      } while (byte == 255);
    }
    if (literals) {
      if (literals > (size_t)(iend - ip)) return -2;
      if (literals > (size_t)(oend - op)) return -1;
      if (literals <= 16 && iend - ip >= 16 && oend - op >= 16) {
        write64(op, read64(ip));
        write64(op + 8, read64(ip + 8));
      } else {
        __builtin_memcpy(op, ip, literals);
      }
      ip += literals;
      op += literals;
    }
    if (ip == iend) return (int)(op - dst);
    if (iend - ip < 2) return -2;
    const size_t offset = (size_t)ip[0] | ((size_t)ip[1] << 8);
    ip += 2;
    if (offset == 0 || offset > (size_t)(op - lowest)) return -2;
    size_t match = (token & 15) + MIN_MATCH;
    if ((token & 15) == 15) {
      u32 byte;
      do {
        if (ip >= iend) return -2;
        byte = *ip++;
        match += byte;
      } while (byte == 255);
    }
    if (match > (size_t)(oend - op)) return -1;
    const u8 *from = op - offset;
    if (offset >= 8 && match <= 16 && oend - op >= 16) {
      write64(op, read64(from));
      write64(op + 8, read64(from + 8));
      op += match;
    } else if (offset >= match) {
      __builtin_memcpy(op, from, match);
      op += match;
    } else if (offset >= 8) {
      /* overlapping: copy in steps of 8, each reading bytes already written */
      u8 *const stop = op + match;
      while (op + 8 <= stop) { write64(op, read64(from)); op += 8; from += 8; }
      while (op < stop) *op++ = *from++;
    } else {
      u8 *const stop = op + match;
      while (op < stop) *op++ = *from++;
    }
  }
}
