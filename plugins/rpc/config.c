// SPDX-License-Identifier: Apache-2.0
/* The transport's configuration, read once from the environment at plugin
 * load (docs/protocol.md, "Client configuration"). */

#include "rpc.h"
#include "token.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rpc_config rpc_cfg;

static int64_t env_ms(const char *name, int64_t dflt)
{
	const char *v = getenv(name);
	char *end;
	if (!v || !*v)
		return dflt;
	long long n = strtoll(v, &end, 10);
	if (*end || n < 0) {
		rpc_warn(
			"%s=%s is not a number of milliseconds: using %" PRId64,
			name, v, dflt);
		return dflt;
	}
	return n;
}

static void read_token(void)
{
	const char *t = getenv("VACCEL_RPC_TOKEN");
	const char *f = getenv("VACCEL_RPC_TOKEN_FILE");
	size_t n = 0;
	if (t) {
		n = strlen(t);
		if (n > VRPC_MAX_TOKEN)
			n = 0;
		memcpy(rpc_cfg.token, t, n);
	} else if (f) {
		/* a connection without the token the user meant to send
		 * would fail later with a less useful reason: connections
		 * fail with this one (link.c) */
		errno = 0;
		int ret = vrpc_token_read(f, rpc_cfg.token, &n);
		if (ret == VACCEL_EIO)
			snprintf(rpc_cfg.token_error,
				 sizeof(rpc_cfg.token_error),
				 "cannot read VACCEL_RPC_TOKEN_FILE %s: %s", f,
				 errno ? strerror(errno) : "read error");
		else if (ret)
			snprintf(rpc_cfg.token_error,
				 sizeof(rpc_cfg.token_error),
				 "VACCEL_RPC_TOKEN_FILE %s holds more than %u "
				 "bytes",
				 f, VRPC_MAX_TOKEN);
		rpc_cfg.token_err =
			ret == VACCEL_EIO && errno == ENOENT ? VACCEL_ENOENT
			: ret == VACCEL_EIO &&
					(errno == EACCES || errno == EPERM)
				? VACCEL_EACCES
				: ret;
		if (ret)
			n = 0;
	}
	rpc_cfg.token_len = n;
}

int rpc_config_read(void)
{
	const char *a = getenv("VACCEL_RPC_ADDRESS");
	if (!a || !*a)
		a = getenv("VACCEL_RPC_ADDR");
	if (!a || !*a)
		a = access("/dev/virtio-ports/org.vaccel.agent.0", F_OK) == 0
			    ? "vport://org.vaccel.agent.0"
			    : "unix:///run/vaccel/agent.sock";
	if (vrpc_addr_parse(a, &rpc_cfg.addr)) {
		rpc_err("VACCEL_RPC_ADDRESS=%s: expected unix://PATH, "
			"tcp://HOST:PORT, vsock://CID:PORT or vport://NAME",
			a);
		return VACCEL_EINVAL;
	}
	snprintf(rpc_cfg.uri, sizeof(rpc_cfg.uri), "%s", a);
	rpc_cfg.timeout_ms = env_ms("VACCEL_RPC_TIMEOUT_MS", 60000);
	rpc_cfg.connect_timeout_ms =
		env_ms("VACCEL_RPC_CONNECT_TIMEOUT_MS", 5000);
	const char *shm = getenv("VACCEL_RPC_SHM");
	rpc_cfg.shm = !shm || strcmp(shm, "0");
	rpc_cfg.shm_threshold =
		(uint64_t)env_ms("VACCEL_RPC_SHM_THRESHOLD", 64 << 10);
	/* one CPU: nothing answers on it while we spin (a local agent waits
	 * for it); in a one-vCPU TCG guest spinning made small calls 1.5x
	 * slower (docs/benchmarks.md, "Client inside a VM") */
	rpc_cfg.spin_us = env_ms("VACCEL_RPC_SPIN_US",
				 sysconf(_SC_NPROCESSORS_ONLN) == 1 ? 0 : 200);
	const char *ring = getenv("VACCEL_RPC_RING");
	rpc_cfg.ring = !ring || strcmp(ring, "0");
	rpc_cfg.ring_spin_us = env_ms("VACCEL_RPC_RING_SPIN_US", 100);
	const char *near = getenv("VACCEL_RPC_NEAR");
	rpc_cfg.near = !near || strcmp(near, "0");
	read_token();
	char host[64] = "?";
	gethostname(host, sizeof(host) - 1);
	snprintf(rpc_cfg.identity, sizeof(rpc_cfg.identity), "%s[%d]@%s",
		 program_invocation_short_name, (int)getpid(), host);
	return 0;
}
