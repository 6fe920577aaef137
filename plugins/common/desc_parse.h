// SPDX-License-Identifier: Apache-2.0
/* Inside the model-description parser: desc.c reads lines, desc_keys.c
 * parses each key's value. Not an interface of plugins/common. */
#pragma once

#include "vpc_desc.h"
#include <stdbool.h>

#define VPC__MAX_WORDS 256

/* One line being parsed: its words after the '='. */
struct vpc__line {
	const char *origin;
	int nr;
	const char *key;
	char *words[VPC__MAX_WORDS];
	int nr_words;
	/* the raw value (for free text) */
	char *value;
};

/* Parse state beyond the struct: normalisation given as mean/std or as
 * scale/offset, combined at the end. */
struct vpc__desc_state {
	struct vpc_desc *d;
	float mean[3], std[3], scale[3], offset[3];
	bool has_mean, has_std, has_scale, has_offset, has_size;
	bool has_decoder, has_task;
};

/* Set the key of `l` from its raw `value` (split into l->words first):
 * VACCEL_EINVAL with the line number for an unknown key or a bad value. */
int vpc__desc_key(struct vpc__desc_state *s, struct vpc__line *l, char *value);
