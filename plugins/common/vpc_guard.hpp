// SPDX-License-Identifier: Apache-2.0
/* For the one C++ file of a plugin that wraps a C++ library behind a C
 * face (opencv, tflite): no exception may cross into C. Header only. */
#pragma once

#include "vaccel/error.h"

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <new>

/* printf into err (err_len bytes, NUL-terminated); nothing if err is NULL */
inline void vpc_say(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
inline void vpc_say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Run f (it returns a VACCEL_* code) and turn every exception into a code
 * and "<what>: <reason>" in err: the library's own exceptions (LibError:
 * what it refuses) are VACCEL_EINVAL, std::bad_alloc VACCEL_ENOMEM, any
 * other VACCEL_EBACKEND. */
template <typename LibError, typename F>
int vpc_guard(const char *what, char *err, size_t len, F f)
{
	try {
		return f();
	} catch (const LibError &e) {
		vpc_say(err, len, "%s: %s", what, e.what());
		return VACCEL_EINVAL;
	} catch (const std::bad_alloc &) {
		vpc_say(err, len, "%s: out of memory", what);
		return VACCEL_ENOMEM;
	} catch (const std::exception &e) {
		vpc_say(err, len, "%s: %s", what, e.what());
		return VACCEL_EBACKEND;
	} catch (...) {
		vpc_say(err, len, "%s: unknown exception", what);
		return VACCEL_EBACKEND;
	}
}
