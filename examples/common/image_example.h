// SPDX-License-Identifier: Apache-2.0
/* The body shared by the ten image examples (classify, detect, segment,
 * pose, depth and their _generic twins):
 *   <prog> <image_file> [iterations] [model_path] [labels_path | png_out]
 * labels_path (classify only) turns a class number that the plugin returns
 * into its label; png_out (segment and depth) saves the PNG of the map
 * that the op returns after its records; model_path "-" registers none.
 * Each program's main() is one call. */
#pragma once

#include <vaccel.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct image_example {
	/* VACCEL_OP_IMAGE_{CLASSIFY,DETECT,SEGMENT,POSE,DEPTH} */
	vaccel_op_type_t op;
	/* what the output lines say: "classification", "detection", ... */
	const char *what;
	/* call the op through vaccel_genop() instead of its typed function */
	bool generic;
};

int image_example_main(int argc, char **argv, const struct image_example *ex);

#ifdef __cplusplus
}
#endif
