// SPDX-License-Identifier: Apache-2.0
/* Bootstrap and cleanup of the library, and its run directory.
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

static struct vaccel_config config = { .log_level = VACCEL_LOG_ERROR };
static char rundir[PATH_MAX];
static bool initialized;
static int bootstrap_status = VACCEL_ESESS;
/* Set by the library destructor: plugins are not unloaded at exit. */
static bool exiting;
/* Serialises bootstrap and cleanup (not ops: those must not run during a
 * bootstrap or cleanup, as with upstream). */
static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;

const struct vaccel_config *vaccel_config(void)
{
	return &config;
}

struct vaccel_config *vaccel__config_mut(void)
{
	return &config;
}

const char *vaccel_version(void)
{
	return VACCEL_VERSION;
}

bool vaccel_is_initialized(void)
{
	return initialized;
}

const char *vaccel_rundir(void)
{
	return rundir;
}

int vaccel__bootstrap_status(void)
{
	return initialized ? VACCEL_OK : bootstrap_status;
}

int vaccel__check_ready(const char *what)
{
	int st = vaccel__bootstrap_status();
	if (vaccel__unlikely(st)) {
		vaccel_error("%s: vAccel is not initialized (%s)", what,
			     st == VACCEL_ESESS
				     ? "bootstrap disabled or not done"
				     : vaccel_strerror(st));
	}
	return st;
}

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
		    (err = vaccel__fs_mkdir_p(bases[i], 0700)) == VACCEL_OK) {
			if (mkdtemp(tmpl)) {
				snprintf(rundir, sizeof(rundir), "%s", tmpl);
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
	vaccel__sessions_cleanup(!exiting);
	vaccel__resources_cleanup(!exiting);
	vaccel__plugins_cleanup(!exiting);
	if (rundir[0]) {
		vaccel__fs_rm_rf(rundir);
		rundir[0] = '\0';
	}
	vaccel__prof_ops_print_release();
	initialized = false;
}

static int do_bootstrap(void)
{
	int ret;

	if (initialized) {
		vaccel_debug("Reloading vAccel");
		do_cleanup();
	}
	vaccel__log_open(&config);
	atomic_store(&vaccel__prof_on, config.profiling_enabled);
	vaccel_debug("Initializing vAccel");
	vaccel_info("vAccel %s", VACCEL_VERSION);
	vaccel_config_print_debug(&config);

	/* the tables first: do_cleanup() walks them whatever failed */
	ret = vaccel__sessions_bootstrap();
	if (!ret)
		ret = vaccel__resources_bootstrap();
	if (!ret)
		ret = vaccel__plugins_bootstrap();
	if (!ret)
		ret = create_rundir();
	if (!ret && config.plugins)
		ret = vaccel_plugin_parse_and_load(config.plugins);
	if (ret) {
		vaccel_error("Could not initialize vAccel: %s (code %d)",
			     vaccel_strerror(ret), ret);
		do_cleanup();
		bootstrap_status = ret;
		return ret;
	}
	initialized = true;
	bootstrap_status = VACCEL_OK;
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
		if (initialized) {
			do_cleanup();
			vaccel__log_close();
			vaccel_config_release(&config);
			atomic_store(&vaccel__prof_on, false);
		}
		bootstrap_status = ret;
		pthread_mutex_unlock(&core_lock);
		return ret;
	}
	vaccel_config_release(&config);
	config = fresh;
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
	if (!cfg)
		return VACCEL_EINVAL;
	return bootstrap_from(cfg);
}

int vaccel_cleanup(void)
{
	pthread_mutex_lock(&core_lock);
	if (initialized) {
		do_cleanup();
		vaccel__log_close();
		vaccel_config_release(&config);
		atomic_store(&vaccel__prof_on, false);
	}
	bootstrap_status = VACCEL_ESESS;
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
