// SPDX-License-Identifier: Apache-2.0
/* segment_generic <image_file> [iterations] [model_path]
 * Image segmentation through vaccel_genop(). */
#include "common/image_example.h"

int main(int argc, char **argv)
{
	static const struct image_example ex = {
		.op = VACCEL_OP_IMAGE_SEGMENT,
		.what = "segmentation",
		.generic = true,
	};

	return image_example_main(argc, argv, &ex);
}
