// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent: the front, or (started by the front, with the internal
 * option --worker) a tenant's worker. */

#include "front.h"
#include "serve.h"
#include "worker.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* OpenBLAS starts its thread pool when it is loaded, before the blas
 * plugin can size it (VACCEL_BLAS_THREADS, 1 by default): sized by
 * OPENBLAS_NUM_THREADS or else the CPU count, and its unused threads spun
 * ~0.1 s of CPU at every worker's start (11 ticks of a 2-vCPU machine
 * shared by every tenant). Unless the operator chose, size it as the
 * plugin will; workers inherit it. */
static void blas_threads_default(void)
{
	if (getenv("OPENBLAS_NUM_THREADS"))
		return;
	const char *v = getenv("VACCEL_BLAS_THREADS");
	char *end = NULL;
	long n = v ? strtol(v, &end, 10) : 1;
	if (!v || end == v || *end || n < 1 || n > 256)
		n = 1;
	char buf[8];
	snprintf(buf, sizeof(buf), "%ld", n);
	setenv("OPENBLAS_NUM_THREADS", buf, 0);
}

int main(int argc, char **argv)
{
	/* a worker's parent is the front: it ends with it */
	pid_t parent = getppid();
	blas_threads_default();
	options_parse(argc, argv);
	if (cfg.worker_fd >= 0)
		return worker_main(parent);
	int ret = front_main();
	if (cfg.isolation == ISOLATION_NONE) {
		vaccel_cleanup();
		tenants_fini();
	}
	return ret;
}
