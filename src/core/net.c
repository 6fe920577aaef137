// SPDX-License-Identifier: Apache-2.0
/* Download of http(s)/ftp resources with libcurl, loaded with dlopen on
 * first use: libvaccel itself does not depend on libcurl (a guest image or
 * container needs it only if it uses URL resources). */

#include "internal.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef VACCEL_HAVE_CURL_H
#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode);
};

static struct curl_api curl;
static int curl_state; /* 0 untried, 1 loaded, -1 unavailable */
static pthread_mutex_t curl_lock = PTHREAD_MUTEX_INITIALIZER;

#define CURL_SYM(h, field, name) \
	(*(void **)(&curl.field) = dlsym((h), (name)), curl.field != NULL)

static int curl_load(void)
{
	pthread_mutex_lock(&curl_lock);
	if (curl_state == 0) {
		void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
		bool ok = h && CURL_SYM(h, global_init, "curl_global_init") &&
			  CURL_SYM(h, easy_init, "curl_easy_init") &&
			  CURL_SYM(h, easy_setopt, "curl_easy_setopt") &&
			  CURL_SYM(h, easy_perform, "curl_easy_perform") &&
			  CURL_SYM(h, easy_getinfo, "curl_easy_getinfo") &&
			  CURL_SYM(h, easy_cleanup, "curl_easy_cleanup") &&
			  CURL_SYM(h, easy_strerror, "curl_easy_strerror");
		if (ok && curl.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {
			curl_state = 1;
		} else {
			vaccel_error("Loading remote data requires libcurl "
				     "(libcurl.so.4): %s",
				     h ? "incomplete library" : dlerror());
			curl_state = -1;
		}
	}
	pthread_mutex_unlock(&curl_lock);
	return curl_state == 1 ? VACCEL_OK : VACCEL_ENOTSUP;
}

static int curl_fetch(const char *url, FILE *out)
{
	CURL *c = curl.easy_init();
	if (!c)
		return VACCEL_ENOMEM;
	curl.easy_setopt(c, CURLOPT_URL, url);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	CURLcode rc = curl.easy_perform(c);
	curl.easy_cleanup(c);
	if (rc != CURLE_OK) {
		vaccel_error("Could not download %s: %s", url,
			     curl.easy_strerror(rc));
		return VACCEL_EREMOTEIO;
	}
	return VACCEL_OK;
}
#endif

bool vaccel__net_is_url(const char *path)
{
	static const char *const schemes[] = { "http", "https", "ftp" };
	const char *sep = strstr(path, "://");
	if (!sep)
		return false;
	for (size_t i = 0; i < VACCEL__ARRAY_SIZE(schemes); i++) {
		size_t n = strlen(schemes[i]);
		if ((size_t)(sep - path) == n && !strncmp(path, schemes[i], n))
			return sep[3] != '\0';
	}
	return false;
}

int vaccel__net_download(const char *url, const char *dest)
{
#ifdef VACCEL_HAVE_CURL_H
	int ret = curl_load();
	if (ret)
		return ret;
	if (access(dest, F_OK) == 0) {
		vaccel_error("Cannot download %s: %s exists", url, dest);
		return VACCEL_EEXIST;
	}
	FILE *out = fopen(dest, "wxe");
	if (!out) {
		vaccel_error("Cannot create %s: %s", dest, strerror(errno));
		return VACCEL_EIO;
	}
	ret = curl_fetch(url, out);
	if (fclose(out) && !ret)
		ret = VACCEL_EIO;
	if (ret)
		unlink(dest);
	return ret;
#else
	(void)dest;
	vaccel_error("Loading remote data (%s) requires building with libcurl",
		     url);
	return VACCEL_ENOTSUP;
#endif
}
