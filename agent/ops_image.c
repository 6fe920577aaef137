// SPDX-License-Identifier: Apache-2.0
/* The image ops: classify, detect, segment, pose, depth (their output
 * string buffers cut to what the backend wrote). */
#include "ops_int.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Whether the page at `page` (aligned) was ever touched. */
static bool resident(uintptr_t page)
{
	unsigned char in = 1;
	return mincore((void *)page, 1, &in) != 0 || (in & 1);
}

/* Buffers up to this size are scanned without asking which pages were
 * touched: reading a few untouched pages maps the zero page, cheaper than
 * a mincore call per page (the common output buffers are 4 KiB). */
#define SCAN_ALL 16384

/* The written part of an output string buffer: up to the last non-zero
 * byte plus one terminating zero (the rest is the agent's zero fill). */
static uint64_t used_len(const unsigned char *p, uint64_t cap)
{
	uintptr_t mask = ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
	uint64_t n = cap;
	while (n) {
		/* a page the backend never touched is zero: skipped without
		 * reading it (a read would fault it in: a client's capacity of
		 * 1 GiB would cost seconds and, here, resident memory) */
		uintptr_t page = (uintptr_t)(p + n - 1) & mask;
		uint64_t from = page > (uintptr_t)p ? page - (uintptr_t)p : 0;
		if (cap > SCAN_ALL && !resident(page)) {
			n = from;
			continue;
		}
		while (n > from && !p[n - 1])
			n--;
		if (n > from)
			break;
	}
	return n < cap ? n + 1 : cap;
}

void op_image(struct req *r, unsigned op)
{
	struct vrpc_image *im = &r->msg.u.image;
	struct vaccel_session *s = hold_sess(r);
	if (!s)
		return;
	uint64_t max = cfg.lim.max_bulk;
	if (im->len_text > max || im->len_name > max ||
	    im->len_text + im->len_name > max) {
		reply_err(r, VRPC_E_TOOBIG, "output buffers over max_bulk");
		return;
	}
	/* capacities the client claims: charged to its budget, committed
	 * only as the backend writes */
	unsigned char *text = im->len_text ? req_alloc(r, im->len_text) : NULL;
	unsigned char *name = req_alloc(r, im->len_name);
	if ((im->len_text && !text) || !name)
		return;
	const void *img = im->image.data;
	size_t len = (size_t)im->image.len, ln = (size_t)im->len_name;
	int ret;
	switch (op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		ret = vaccel_image_classification(s, img, text, name, len,
						  (size_t)im->len_text, ln);
		break;
	case VACCEL_OP_IMAGE_DETECT:
		ret = vaccel_image_detection(s, img, name, len, ln);
		break;
	case VACCEL_OP_IMAGE_SEGMENT:
		ret = vaccel_image_segmentation(s, img, name, len, ln);
		break;
	case VACCEL_OP_IMAGE_POSE:
		ret = vaccel_image_pose(s, img, name, len, ln);
		break;
	default:
		ret = vaccel_image_depth(s, img, name, len, ln);
		break;
	}
	if (ret) {
		reply_ret(r, ret);
		return;
	}
	r->rep.u.image.text =
		(struct vrpc_buf){ VRPC_BUF_INLINE,
				   text ? used_len(text, im->len_text) : 0, 0,
				   0, text };
	r->rep.u.image.name =
		(struct vrpc_buf){ VRPC_BUF_INLINE,
				   used_len(name, im->len_name), 0, 0, name };
}
