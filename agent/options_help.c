// SPDX-License-Identifier: Apache-2.0
/* vaccel-agent's --help text and the table of its options (getopt_long);
 * options.c parses them. */

#include "options_int.h"
#include <stddef.h>

const char options_usage[] =
	"Usage: vaccel-agent --listen URI [--listen URI]... [options]\n"
	"\n"
	"Serve vAccel calls of remote clients (the libvaccel-rpc.so transport\n"
	"plugin in VMs, containers or host processes) with this host's "
	"backend\n"
	"plugins. Each tenant's calls run in a sandboxed worker process of "
	"its own;\n"
	"this process (the front) only accepts, authenticates and admits.\n"
	"Protocol: docs/protocol.md; threat model: docs/security.md.\n"
	"\n"
	"Endpoints and tenants:\n"
	"  -l, --listen URI          unix://PATH, tcp://HOST:PORT (port 0: any "
	"free\n"
	"                            port, see --ready-file) or "
	"vsock://CID:PORT (CID\n"
	"                            'any' to accept from every VM); "
	"repeatable, at\n"
	"                            most 8. A suffix ?tenant=conn (UNIX "
	"sockets only)\n"
	"                            makes every connection a tenant of its "
	"own (a\n"
	"                            socket given to QEMU for a virtio-serial "
	"port:\n"
	"                            one VM),\n"
	"                            ?tenant=NAME makes every connection "
	"tenant NAME\n"
	"                            (a listener dedicated to one tenant). "
	"Otherwise\n"
	"                            the tenant is the peer's uid on UNIX "
	"sockets,\n"
	"                            the token's name on TCP, the CID on "
	"vsock.\n"
	"                            Sockets passed by a service manager "
	"(systemd\n"
	"                            socket activation: LISTEN_FDS, "
	"LISTEN_PID) are\n"
	"                            used for the --listen of their address, "
	"or as they\n"
	"                            are when no --listen names them.\n"
	"      --socket-mode MODE    file mode of UNIX sockets (octal, default "
	"0660)\n"
	"      --token-file FILE     shared secret clients send in HELLO "
	"(tenant\n"
	"                            'default' on TCP); required on TCP and "
	"vsock\n"
	"                            endpoints (checked on UNIX ones if a "
	"client\n"
	"                            sends one)\n"
	"      --tokens FILE         several named tokens, one 'NAME TOKEN' a "
	"line\n"
	"                            ('#' comments): on TCP the name is the "
	"tenant\n"
	"                            A token file the workers (tenants' code) "
	"could\n"
	"                            read is refused: as root, one others may "
	"read\n"
	"                            (o+r); without root (workers share its "
	"uid), one\n"
	"                            under a path their Landlock rules let "
	"them read\n"
	"                            (/etc, /usr, /opt, /proc, /sys, /lib*, "
	"/bin,\n"
	"                            /sbin, plugin, --exec-allow and "
	"--worker-read\n"
	"                            directories)\n"
	"      --insecure            allow TCP/vsock endpoints without a "
	"token\n"
	"      --no-shm              never accept shared memory (memfd) from "
	"clients\n"
	"      --ring on|off         let a client on this host move its calls "
	"to a\n"
	"                            shared-memory ring served by its worker "
	"(default\n"
	"                            on; UNIX sockets only)\n"
	"      --near on|off         a ring's worker thread waits for the next "
	"request\n"
	"                            on the CPU its client asks for (default "
	"on)\n"
	"\n"
	"Backends:\n"
	"  -p, --plugins LIST        ':'-separated backend plugins (paths or "
	"sonames),\n"
	"                            default $VACCEL_PLUGINS; loaded by the "
	"workers\n"
	"                            only (checked once at start)\n"
	"      --backend-log-level N libvaccel's log level for the backends "
	"(1-4,\n"
	"                            default 1: errors)\n"
	"      --exec-allow DIR      enable exec ops, for libraries under DIR "
	"only\n"
	"                            (repeatable). vaccel_exec(lib) resolves "
	"lib's base\n"
	"                            name (or relative path) under these "
	"directories;\n"
	"                            exec_with_resource runs an uploaded "
	"library only\n"
	"                            if its SHA-256 equals a file's under "
	"them. Only\n"
	"                            functions the library itself defines "
	"run.\n"
	"                            Without this option exec ops are refused "
	"(EPERM).\n"
	"      --exec-allow-uploads  DANGEROUS: also run libraries that "
	"clients upload\n"
	"                            (in the tenant's sandboxed worker)\n"
	"\n"
	"Isolation (docs/security.md):\n"
	"      --isolation MODE      process (default): a sandboxed worker "
	"process per\n"
	"                            tenant; none: every tenant in this "
	"process (a\n"
	"                            single-tenant host, benchmarks)\n"
	"      --worker-idle MS      a worker without connections ends after "
	"(30000;\n"
	"                            a ?tenant=conn tenant's at once)\n"
	"      --call-timeout MS     a call running longer ends its tenant's "
	"worker,\n"
	"                            failing that tenant's calls with the "
	"reason\n"
	"                            (600000; 0: no limit)\n"
	"      --worker-memory N     memory limit of a worker (default "
	"16G; 0: none):\n"
	"                            its address space, and with a memory "
	"cgroup all\n"
	"                            it holds (memfd, tmpfs files)\n"
	"      --worker-cgroups MODE a memory, pids and cpu cgroup per tenant "
	"under\n"
	"                            the agent's own (tenants share the "
	"CPU equally):\n"
	"                            auto (default: where the agent can "
	"make them, as\n"
	"                            root or delegated), on (required), "
	"off\n"
	"      --worker-cpu-share on|off  with --worker-cgroups, a cpu group "
	"per tenant\n"
	"                            (default on); off: one scheduling "
	"group level less\n"
	"                            per wake-up (~1 us a call across CPUs), "
	"and a\n"
	"                            tenant's threads compete one by one "
	"with others'\n"
	"      --worker-files N      open-file limit of a worker (default "
	"4096)\n"
	"      --worker-uid-base UID as root, workers run as UID+slot, a uid "
	"per live\n"
	"                            tenant (default 70000; each owns its "
	"directories\n"
	"                            only while its worker runs). At start the "
	"agent\n"
	"                            kills the processes of these uids that no "
	"running\n"
	"                            vaccel-agent started: one range per "
	"agent\n"
	"      --worker-read DIR     workers may also read DIR (repeatable; "
	"models\n"
	"                            outside /usr, /opt, the plugins' "
	"directories)\n"
	"      --worker-env NAME[=VALUE]\n"
	"                            give workers NAME from the agent's "
	"environment,\n"
	"                            or set to VALUE (repeatable, up to 32; a "
	"VALUE\n"
	"                            is on the command line, which every local "
	"user\n"
	"                            reads). Otherwise workers get only PATH,\n"
	"                            LD_LIBRARY_PATH, LD_PRELOAD, LANG, "
	"LANGUAGE, TZ,\n"
	"                            LC_*, GLIBC_TUNABLES, MALLOC_*, the "
	"sanitizers'\n"
	"                            and coverage's settings, VACCEL_* (not\n"
	"                            VACCEL_RPC_TOKEN*), OPENBLAS_*, GOTO_*, "
	"OMP_*,\n"
	"                            GOMP_*, KMP_*, MKL_*, POCL_*, OCL_ICD_*, "
	"CUDA_*,\n"
	"                            NVIDIA_*, HIP_*, ROCR_*, HSA_*, ARMNN_*\n"
	"      --worker-exec         let workers start programs (fork, exec: "
	"pocl\n"
	"                            runs a linker to build OpenCL kernels); "
	"they run\n"
	"                            in the worker's sandbox, with its uid, "
	"filter,\n"
	"                            Landlock rules and limits\n"
	"      --no-sandbox          debugging: workers without seccomp and "
	"Landlock\n"
	"\n"
	"Storage:\n"
	"      --rundir DIR          per-tenant files (default "
	"/run/vaccel/agent as\n"
	"                            root, else $XDG_RUNTIME_DIR/vaccel-agent "
	"or\n"
	"                            /tmp/vaccel-agent-UID); its parents must "
	"be\n"
	"                            searchable (o+x) by the workers' uids\n"
	"      --cache-dir DIR       content-addressed caches of uploaded "
	"blobs, one\n"
	"                            per tenant, kept across restarts "
	"(default\n"
	"                            RUNDIR/cache)\n"
	"      --cache-max-bytes N   each tenant's cache budget; unused "
	"entries are\n"
	"                            evicted, least recently used first "
	"(default 8G)\n"
	"      --cache-shared        share uploads between tenants (one "
	"tenant's\n"
	"                            upload is not sent again by another; "
	"tenants can\n"
	"                            then tell what others uploaded; each "
	"keeps "
	"its own\n"
	"                            copy of another's entry; needs root)\n"
	"\n"
	"Admission:\n"
	"      --max-connections N   authenticated connections at once, all "
	"tenants\n"
	"                            (default 64)\n"
	"      --max-connections-per-peer N\n"
	"                            of them from one peer (uid, CID, TCP "
	"address:\n"
	"                            127/8 is one, IPv6 counts by /64; "
	"default half\n"
	"                            of --max-connections)\n"
	"      --max-connections-per-tenant N\n"
	"                            of them of one tenant, from any peers "
	"(default\n"
	"                            half of --max-connections)\n"
	"      --max-preauth N       connections still before their HELLO "
	"(32)\n"
	"      --max-preauth-per-peer N\n"
	"                            of them from one peer (8)\n"
	"      --max-tenants N       tenants with a worker at once (32); when "
	"full, the\n"
	"                            worker idle the longest leaves for a new "
	"tenant\n"
	"      --hello-timeout MS    a connection must complete its HELLO "
	"within this\n"
	"                            long of being accepted (5000)\n"
	"      --frame-timeout MS    a started message must arrive whole "
	"within this\n"
	"                            long (60000)\n"
	"\n"
	"Limits and quotas (per connection unless said; sizes take K, M, G):\n"
	"      --max-sessions N      sessions (default 64)\n"
	"      --max-resources N     resources (default 256)\n"
	"      --max-stored-bytes N  bytes uploaded to the cache (default 4G)\n"
	"      --max-inflight N      requests executing at once; more wait in "
	"the\n"
	"                            socket (default 4)\n"
	"      --max-shm-bytes N     shared memory attached (default 1G)\n"
	"      --max-conn-memory N   agent memory of requests in flight: "
	"bytes\n"
	"                            received and outputs (default 2G)\n"
	"      --max-message-bytes N bulk bytes of one message (default 1G)\n"
	"      --max-fields-bytes N  fields bytes of one message (default 4M)\n"
	"      --max-blob-bytes N    bytes of one blob (default 1G)\n"
	"      --max-args N          args of an op, tensors of a run, blobs of "
	"a\n"
	"                            resource (default 1024)\n"
	"      --max-dims N          dimensions of a tensor (default 32)\n"
	"      --shm-threshold N     buffers from this size should go through "
	"shared\n"
	"                            memory (advice to clients, default 64K)\n"
	"      --send-timeout MS     a client that does not read a reply for "
	"this long\n"
	"                            is disconnected (30000)\n"
	"      --shutdown-timeout MS on SIGTERM, wait this long for calls in "
	"flight\n"
	"                            (30000); then exit 1\n"
	"\n"
	"Operations:\n"
	"      --metrics-listen URI  serve Prometheus metrics (/metrics) and "
	"health\n"
	"                            (/healthz, /readyz) over HTTP on "
	"tcp://HOST:PORT\n"
	"                            or unix://PATH\n"
	"      --log-format FORMAT   text (default) or json (one object a "
	"line)\n"
	"      --ready-file FILE     once listening, write the endpoints (one "
	"URI a\n"
	"                            line, real ports; 'metrics URI') and "
	"'pid N'\n"
	"                            to FILE\n"
	"\n"
	"Other:\n"
	"  -v, --verbose             log each connection's start and each "
	"refused\n"
	"                            request (debug level)\n"
	"      --log-level N         1 error, 2 warn, 3 info (default), 4 "
	"debug\n"
	"  -h, --help                this text\n"
	"      --version             the version\n"
	"\n"
	"Logs go to stderr: one line per connection when it ends (endpoint, "
	"tenant,\n"
	"peer credentials on UNIX sockets, client identity, requests, bytes, "
	"reason),\n"
	"one per worker start and end. What a worker writes (its own lines "
	"too) comes\n"
	"through the front, marked 'worker[PID TENANT] output:', at most 64 "
	"KiB a\n"
	"second a tenant (what is left out is counted); after 3 abnormal ends "
	"in a\n"
	"row a tenant's next worker waits 100 ms, doubling to 5 s, and its "
	"connections\n"
	"meanwhile are refused with the reason. SIGTERM or SIGINT: stop\n"
	"accepting, finish calls in flight, release every connection's "
	"sessions and\n"
	"resources, exit 0.\n";

const struct option options_table[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "plugins", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "tokens", required_argument, NULL, OPT_TOKENS },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "no-shm", no_argument, NULL, OPT_NO_SHM },
	{ "ring", required_argument, NULL, OPT_RING },
	{ "near", required_argument, NULL, OPT_NEAR },
	{ "backend-log-level", required_argument, NULL, OPT_BACKEND_LOG },
	{ "exec-allow", required_argument, NULL, OPT_EXEC_ALLOW },
	{ "exec-allow-uploads", no_argument, NULL, OPT_EXEC_UPLOADS },
	{ "isolation", required_argument, NULL, OPT_ISOLATION },
	{ "worker-idle", required_argument, NULL, OPT_WORKER_IDLE },
	{ "call-timeout", required_argument, NULL, OPT_CALL_TIMEOUT },
	{ "worker-memory", required_argument, NULL, OPT_WORKER_MEMORY },
	{ "worker-cgroups", required_argument, NULL, OPT_WORKER_CGROUPS },
	{ "worker-cpu-share", required_argument, NULL, OPT_WORKER_CPU_SHARE },
	{ "worker-files", required_argument, NULL, OPT_WORKER_FILES },
	{ "worker-uid-base", required_argument, NULL, OPT_WORKER_UID_BASE },
	{ "worker-read", required_argument, NULL, OPT_WORKER_READ },
	{ "worker-env", required_argument, NULL, OPT_WORKER_ENV },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "worker-exec", no_argument, NULL, OPT_WORKER_EXEC },
	{ "rundir", required_argument, NULL, OPT_RUNDIR },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "cache-max-bytes", required_argument, NULL, OPT_CACHE_MAX },
	{ "cache-shared", no_argument, NULL, OPT_CACHE_SHARED },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-connections-per-peer", required_argument, NULL,
	  OPT_MAX_CONNS_PEER },
	{ "max-connections-per-tenant", required_argument, NULL,
	  OPT_MAX_CONNS_TENANT },
	{ "max-preauth", required_argument, NULL, OPT_MAX_PREAUTH },
	{ "max-preauth-per-peer", required_argument, NULL,
	  OPT_MAX_PREAUTH_PEER },
	{ "max-tenants", required_argument, NULL, OPT_MAX_TENANTS },
	{ "hello-timeout", required_argument, NULL, OPT_HELLO_TIMEOUT },
	{ "frame-timeout", required_argument, NULL, OPT_FRAME_TIMEOUT },
	{ "max-conn-memory", required_argument, NULL, OPT_CONN_MEMORY },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "max-resources", required_argument, NULL, OPT_MAX_RESOURCES },
	{ "max-stored-bytes", required_argument, NULL, OPT_MAX_STORED },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "max-shm-bytes", required_argument, NULL, OPT_MAX_SHM },
	{ "max-message-bytes", required_argument, NULL, OPT_MAX_MESSAGE },
	{ "max-fields-bytes", required_argument, NULL, OPT_MAX_FIELDS },
	{ "max-blob-bytes", required_argument, NULL, OPT_MAX_BLOB },
	{ "max-args", required_argument, NULL, OPT_MAX_ARGS },
	{ "max-dims", required_argument, NULL, OPT_MAX_DIMS },
	{ "shm-threshold", required_argument, NULL, OPT_SHM_THRESHOLD },
	{ "send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT },
	{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "worker", required_argument, NULL, OPT_WORKER },
	{ "worker-dir", required_argument, NULL, OPT_WORKER_DIR },
	{ "worker-cache", required_argument, NULL, OPT_WORKER_CACHE },
	{ "worker-uid", required_argument, NULL, OPT_WORKER_UID },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ NULL, 0, NULL, 0 },
};
