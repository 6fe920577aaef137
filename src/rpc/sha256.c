// SPDX-License-Identifier: Apache-2.0
/* SHA-256 after FIPS 180-4. On x86-64 CPUs with the SHA extensions the block
 * function uses them (about 5x faster: models are hashed on every
 * registration); otherwise portable C. */

#include "sha256.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <vaccel/error.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void blocks_c(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	for (; nblocks--; p += 64) {
		uint32_t w[64], a, b, c, d, e, f, g, hh;
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 |
			       (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
				      (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
				      (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = h[0], b = h[1], c = h[2], d = h[3];
		e = h[4], f = h[5], g = h[6], hh = h[7];
		for (int i = 0; i < 64; i++) {
			uint32_t t1 = hh +
				      (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
				      ((e & f) ^ (~e & g)) + K[i] + w[i];
			uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
				      ((a & b) ^ (a & c) ^ (b & c));
			hh = g, g = f, f = e, e = d + t1;
			d = c, c = b, b = a, a = t1 + t2;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d;
		h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
	}
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1")))

SHA_TARGET static void blocks_ni(uint32_t h[8], const uint8_t *p,
				 size_t nblocks)
{
	const __m128i bswap =
		_mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i st1 = _mm_loadu_si128((const __m128i *)&h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);	    /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);	    /* EFGH */
	__m128i st0 = _mm_alignr_epi8(tmp, st1, 8); /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);	    /* CDGH */

	for (; nblocks--; p += 64) {
		__m128i save0 = st0, save1 = st1, m[4], msg;
		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(
				_mm_loadu_si128((const __m128i *)(p + 16 * i)),
				bswap);
		/* 16 groups of 4 rounds; m[] holds the next 16 schedule
		 * words, extended in place (Intel's SHA-NI pattern) */
		for (int r = 0; r < 16; r++) {
			msg = _mm_add_epi32(
				m[r & 3],
				_mm_loadu_si128((const __m128i *)&K[4 * r]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
			if (r >= 3 && r <= 14) {
				__m128i t = _mm_alignr_epi8(m[r & 3],
							    m[(r - 1) & 3], 4);
				__m128i *n = &m[(r + 1) & 3];
				*n = _mm_sha256msg2_epu32(_mm_add_epi32(*n, t),
							  m[r & 3]);
			}
			st0 = _mm_sha256rnds2_epu32(
				st0, st1, _mm_shuffle_epi32(msg, 0x0E));
			if (r >= 1 && r <= 12)
				m[(r - 1) & 3] = _mm_sha256msg1_epu32(
					m[(r - 1) & 3], m[r & 3]);
		}
		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
	}
	tmp = _mm_shuffle_epi32(st0, 0x1B);    /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);    /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);    /* HGFE */
	_mm_storeu_si128((__m128i *)&h[0], st0);
	_mm_storeu_si128((__m128i *)&h[4], st1);
}

static int have_sha_ni(void)
{
	static int cached = -1;
	unsigned a, b, c, d;
	if (cached >= 0)
		return cached;
	int ok = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
	if (ok)
		ok = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) &&
		     (c & (1u << 9));
	cached = ok;
	return ok;
}

static void blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	if (have_sha_ni())
		blocks_ni(h, p, nblocks);
	else
		blocks_c(h, p, nblocks);
}
#else
static void blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	blocks_c(h, p, nblocks);
}
#endif

void vrpc_sha256_init(struct vrpc_sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };
	memcpy(c->h, iv, sizeof(iv));
	c->nbytes = 0;
	c->nbuf = 0;
}

void vrpc_sha256_update(struct vrpc_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	c->nbytes += len;
	if (c->nbuf) {
		size_t n = 64 - c->nbuf < len ? 64 - c->nbuf : len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n, p += n, len -= n;
		if (c->nbuf < 64)
			return;
		blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	if (len >= 64) {
		blocks(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len)
		memcpy(c->buf, p, len);
	c->nbuf = len;
}

void vrpc_sha256_final(struct vrpc_sha256 *c, uint8_t out[VRPC_SHA256_LEN])
{
	uint64_t bits = c->nbytes * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (c->nbuf < 56 ? 56 : 120) - c->nbuf;
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	uint64_t keep = c->nbytes;
	vrpc_sha256_update(c, pad, padlen + 8);
	c->nbytes = keep;
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void vrpc_sha256(const void *data, size_t len, uint8_t out[VRPC_SHA256_LEN])
{
	struct vrpc_sha256 c;
	vrpc_sha256_init(&c);
	vrpc_sha256_update(&c, data, len);
	vrpc_sha256_final(&c, out);
}

int vrpc_sha256_fd(int fd, uint8_t out[VRPC_SHA256_LEN])
{
	struct vrpc_sha256 c;
	uint8_t buf[65536];
	ssize_t n;
	vrpc_sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return VACCEL_EIO;
		vrpc_sha256_update(&c, buf, (size_t)n);
	}
	vrpc_sha256_final(&c, out);
	return 0;
}

int vrpc_sha256_file(const char *path, uint8_t out[VRPC_SHA256_LEN])
{
	/* O_NONBLOCK: a file another process holds a lease on fails at
	 * once, where open waited for the lease's break (45 s) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return VACCEL_EIO;
	int ret = vrpc_sha256_fd(fd, out);
	close(fd);
	return ret;
}

void vrpc_sha256_hex(const uint8_t digest[VRPC_SHA256_LEN], char hex[65])
{
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < VRPC_SHA256_LEN; i++) {
		hex[2 * i] = d[digest[i] >> 4];
		hex[2 * i + 1] = d[digest[i] & 15];
	}
	hex[64] = 0;
}
