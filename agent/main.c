// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent: the front, or (started by the front, with the internal
 * option --worker) a tenant's worker. */

#include "front.h"
#include "serve.h"
#include "worker.h"
#include <unistd.h>

int main(int argc, char **argv)
{
	/* a worker's parent is the front: it ends with it */
	pid_t parent = getppid();
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
