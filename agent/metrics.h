// SPDX-License-Identifier: Apache-2.0
/* --metrics-listen (metrics.c): Prometheus metrics, /healthz, /readyz. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

enum refusal {
	REFUSE_PREAUTH_POOL,
	REFUSE_PREAUTH_PEER,
	REFUSE_HELLO_LATE,
	REFUSE_AUTH,
	REFUSE_ADMISSION,
	REFUSE_MAX
};

/* What the front counts (kept by preauth.c, workers*.c, front.c). */
struct front_counts {
	uint64_t preauth;
	uint64_t refused[REFUSE_MAX];
	bool stopping;
};
extern struct front_counts fcounts;

/* Listen on --metrics-listen, if given (exits on failure). */
int metrics_open(void);
/* Its real address ("tcp://127.0.0.1:40123"), or NULL. */
const char *metrics_uri(void);
void metrics_close(void);
int metrics_pollfds(struct pollfd *pf, int max, int64_t *deadline);
void metrics_event(int fd, short revents);
void metrics_expire(void);
