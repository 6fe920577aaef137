// SPDX-License-Identifier: Apache-2.0
/* cmocka fixtures and helpers of the tests: a temporary directory per
 * program and per test, output capture, child processes with a deadline,
 * a throw-away HTTP server, bootstrapping libvaccel, sessions. */
#include "tu.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vaccel.h>

static char *group_dir, *saved_tmpdir;

int tu_group_setup(void **state)
{
	const char *t = getenv("TMPDIR");
	saved_tmpdir = t ? strdup(t) : NULL;
	group_dir = tu_mkdtemp();
	if (!group_dir)
		return -1;
	setenv("TMPDIR", group_dir, 1);
	return 0;
}

int tu_group_teardown(void **state)
{
	if (saved_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	tu_rm_rf(group_dir);
	free(group_dir);
	free(saved_tmpdir);
	group_dir = saved_tmpdir = NULL;
	return 0;
}

int tu_dir_setup(void **state)
{
	struct tu_dir *d = calloc(1, sizeof(*d));
	if (!d)
		return -1;
	*state = d;
	d->dir = tu_mkdtemp();
	d->log = d->dir ? tu_strf("%s/vaccel.log", d->dir) : NULL;
	return d->log ? 0 : -1;
}

int tu_dir_teardown(void **state)
{
	struct tu_dir *d = *state;
	vaccel_cleanup();
	if (!d)
		return 0;
	if (d->dir)
		tu_rm_rf(d->dir);
	free(d->dir);
	free(d->log);
	free(d);
	return 0;
}

void tu_capture_start(struct tu_capture *c, int fd)
{
	char *dir = tu_mkdtemp();
	assert_non_null(dir);
	c->path = tu_strf("%s/capture", dir);
	free(dir);
	fflush(fd == 1 ? stdout : stderr);
	int f = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(f >= 0);
	c->fd = fd;
	c->saved = dup(fd);
	dup2(f, fd);
	close(f);
}

char *tu_capture_stop(struct tu_capture *c)
{
	fflush(c->fd == 1 ? stdout : stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	char *text = tu_read_file(c->path, NULL);
	unlink(c->path);
	char *slash = strrchr(c->path, '/');
	*slash = '\0';
	rmdir(c->path);
	free(c->path);
	c->path = NULL;
	return text;
}

int tu_run_in_child(int (*fn)(void *), void *arg, unsigned timeout_s)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* cmocka catches these to go on with the next test: in the
		 * child, a crash must end the child */
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
					    SIGABRT };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		_exit(fn(arg));
	}

	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : TU_CHILD_SIGNAL;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= (time_t)timeout_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return TU_CHILD_TIMEOUT;
		}
		usleep(10000);
	}
}

/* "Serving HTTP on 127.0.0.1 port 41234 (...)" */
static int read_port(int fd)
{
	char buf[512];
	size_t n = 0;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) > 0) {
			ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
			if (r <= 0)
				return -1;
			n += (size_t)r;
			buf[n] = '\0';
			const char *s = strstr(buf, " port ");
			if (s && strchr(s, '\n'))
				return atoi(s + 6);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 10)
			return -1;
	}
	return -1;
}

int tu_http_start(struct tu_http *h, const char *dir)
{
	static const char python[] = "/usr/bin/python3";
	h->pid = -1;
	h->port = -1;
	h->out_fd = -1;
	if (access(python, X_OK)) {
		print_message("%s not found\n", python);
		return -1;
	}
	int pfd[2];
	if (pipe(pfd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		execl(python, python, "-u", "-m", "http.server", "0", "--bind",
		      "127.0.0.1", "--directory", dir, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	h->pid = pid;
	h->out_fd = pfd[0];
	h->port = read_port(pfd[0]);
	if (h->port <= 0) {
		tu_http_stop(h);
		return -1;
	}
	return 0;
}

void tu_http_stop(struct tu_http *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, NULL, 0);
	}
	if (h->out_fd >= 0)
		close(h->out_fd);
	h->out_fd = -1;
	h->pid = -1;
}

int tu_bootstrap(const char *plugins, int log_level, const char *log_file,
		 bool profiling)
{
	struct vaccel_config cfg;
	int ret =
		vaccel_config_init(&cfg, plugins, (vaccel_log_level_t)log_level,
				   log_file, profiling, false);
	if (ret)
		return ret;
	ret = vaccel_bootstrap_with_config(&cfg);
	vaccel_config_release(&cfg);
	return ret;
}

struct tp_state *tu_plugin_state(const char *plugin_path)
{
	void *h = dlopen(plugin_path, RTLD_NOW | RTLD_NOLOAD);
	if (!h)
		return NULL;
	struct tp_state *st = dlsym(h, "tp_state");
	dlclose(h);
	return st;
}

void *tu_read_all(const char *path, size_t *len)
{
	char *buf = tu_read_file(path, len);
	if (!buf)
		fail_msg("cannot read %s", path);
	return buf;
}

struct vaccel_session *tu_new_sess(const char *plugin)
{
	struct vaccel_session *s = NULL;
	assert_int_equal(vaccel_session_new(&s, 0), VACCEL_OK);
	assert_string_equal(s->plugin->info->name, plugin);
	return s;
}
