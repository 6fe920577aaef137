// SPDX-License-Identifier: Apache-2.0
/* Bootstrap and cleanup of the library, and its run directory (the state
 * they leave is in state.c).
 *
 * Loading the library bootstraps it from the environment (as upstream), but
 * a failure never ends the process: it is logged and kept, and the next
 * vaccel_session_init() returns it. */

#include "internal.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* the state this file writes (state.c) */
static struct vaccel__state *const st = &vaccel__state;
/* Set by the library destructor: plugins are not unloaded at exit. */
static bool exiting;
/* Serialises bootstrap and cleanup (not ops: those must not run during a
 * bootstrap or cleanup, as with upstream). */
static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;

/* <base>/XXXXXX where base is $VACCEL_RUNDIR, /run/user/<uid>/vaccel, or
 * $TMPDIR/vaccel-<uid> (TMPDIR defaults to /tmp). A locked-down process
 * may be able to create none of them: then the bootstrap fails with a
 * line naming each place tried and why, and vaccel_session_init() returns
 * the error (nothing crashes). */
static int create_rundir(void)
{
	const char *env = getenv("VACCEL_RUNDIR");
	const char *tmp = getenv("TMPDIR");
	char bases[3][PATH_MAX], why[3 * (PATH_MAX + 48)] = "";
	size_t used = 0;
	int n = 0;

	if (env && *env)
		snprintf(bases[n++], PATH_MAX, "%s", env);
	snprintf(bases[n++], PATH_MAX, "/run/user/%u/vaccel",
		 (unsigned)getuid());
	snprintf(bases[n++], PATH_MAX, "%s/vaccel-%u",
		 tmp && *tmp ? tmp : "/tmp", (unsigned)getuid());

	for (int i = 0; i < n; i++) {
		char tmpl[PATH_MAX];
		int err = VACCEL_ENAMETOOLONG;
		if (snprintf(tmpl, sizeof(tmpl), "%s/XXXXXX", bases[i]) <
			    (int)sizeof(tmpl) &&
		    (err = vaccel__fs_mkdir_p(bases[i], 0700, 0700)) ==
			    VACCEL_OK) {
			if (mkdtemp(tmpl)) {
				snprintf(st->rundir, sizeof(st->rundir), "%s",
					 tmpl);
				return VACCEL_OK;
			}
			err = errno;
		}
		used += (size_t)snprintf(why + used, sizeof(why) - used,
					 "%s%s: %s", i ? "; " : "", bases[i],
					 vaccel_strerror(err));
		if (used >= sizeof(why))
			used = sizeof(why) - 1;
	}
	vaccel_error("Could not create a run directory (%s); set "
		     "VACCEL_RUNDIR to a writable directory",
		     why);
	return VACCEL_EIO;
}

static void do_cleanup(void)
{
	/* at process exit the application's structs may be gone: they are
	 * forgotten, not released */
	if (!exiting)
		vaccel__release_all();
	vaccel__sessions_forget();
	vaccel__resources_forget();
	vaccel__plugins_cleanup(!exiting);
	if (st->rundir[0]) {
		vaccel__fs_rm_rf(st->rundir);
		st->rundir[0] = '\0';
	}
	vaccel__prof_ops_print_release();
	st->initialized = false;
}

static int do_bootstrap(void)
{
	int ret;

	if (st->initialized) {
		vaccel_debug("Reloading vAccel");
		do_cleanup();
	}
	vaccel__log_open(&st->config);
	atomic_store(&vaccel__prof_on, st->config.profiling_enabled);
	vaccel_debug("Initializing vAccel");
	vaccel_info("vAccel %s", VACCEL_VERSION);
	vaccel_config_print_debug(&st->config);

	/* the tables first: do_cleanup() walks them whatever failed */
	ret = vaccel__sessions_bootstrap();
	if (!ret)
		ret = vaccel__resources_bootstrap();
	if (!ret)
		ret = vaccel__plugins_bootstrap();
	if (!ret)
		ret = create_rundir();
	if (!ret && st->config.plugins)
		ret = vaccel_plugin_parse_and_load(st->config.plugins);
	if (ret) {
		vaccel_error("Could not initialize vAccel: %s (code %d)",
			     vaccel_strerror(ret), ret);
		do_cleanup();
		st->bootstrap_status = ret;
		return ret;
	}
	st->initialized = true;
	st->bootstrap_status = VACCEL_OK;
	return VACCEL_OK;
}

static int bootstrap_from(struct vaccel_config *src)
{
	struct vaccel_config fresh;
	int ret = src ? vaccel_config_init_from(&fresh, src)
		      : vaccel_config_init_from_env(&fresh);

	pthread_mutex_lock(&core_lock);
	if (ret) {
		fprintf(stderr,
			"vaccel: could not read the configuration: %s\n",
			vaccel_strerror(ret));
		/* as any failed bootstrap: nothing of the previous one is
		 * left running, and session_init() reports the error */
		if (st->initialized) {
			do_cleanup();
			vaccel__log_close();
			vaccel_config_release(&st->config);
			atomic_store(&vaccel__prof_on, false);
		}
		st->bootstrap_status = ret;
		pthread_mutex_unlock(&core_lock);
		return ret;
	}
	vaccel_config_release(&st->config);
	st->config = fresh;
	ret = do_bootstrap();
	pthread_mutex_unlock(&core_lock);
	return ret;
}

int vaccel_bootstrap(void)
{
	return bootstrap_from(NULL);
}

int vaccel_bootstrap_with_config(struct vaccel_config *cfg)
{
	vaccel__reason_begin();
	if (!cfg)
		return VACCEL_EINVAL;
	return bootstrap_from(cfg);
}

int vaccel_cleanup(void)
{
	pthread_mutex_lock(&core_lock);
	if (st->initialized) {
		do_cleanup();
		vaccel__log_close();
		vaccel_config_release(&st->config);
		atomic_store(&vaccel__prof_on, false);
	}
	st->bootstrap_status = VACCEL_ESESS;
	pthread_mutex_unlock(&core_lock);
	return VACCEL_OK;
}

/* True if `name` is set to a false boolean (0, false, no, off). */
static bool env_is_false(const char *name)
{
	static const char *const no[] = { "0", "false", "no", "off" };
	const char *v = getenv(name);
	for (size_t i = 0; v && i < VACCEL__ARRAY_SIZE(no); i++)
		if (strcasecmp(v, no[i]) == 0)
			return true;
	return false;
}

__attribute__((constructor)) static void vaccel__ctor(void)
{
	if (env_is_false("VACCEL_BOOTSTRAP_ENABLED"))
		return;
	/* Errors are logged and kept for vaccel_session_init(). */
	(void)vaccel_bootstrap();
}

__attribute__((destructor)) static void vaccel__dtor(void)
{
	if (env_is_false("VACCEL_CLEANUP_ENABLED"))
		return;
	exiting = true;
	vaccel_cleanup();
}

int vaccel_log_init(void)
{
	return vaccel__log_open(&st->config);
}

int vaccel_log_shutdown(void)
{
	vaccel__log_close();
	return VACCEL_OK;
}
