// SPDX-License-Identifier: Apache-2.0
/* segment <image_file> [iterations] [model_path]
 * Image segmentation with vaccel_image_segmentation(). */
#include "common/image_example.h"

int main(int argc, char **argv)
{
	static const struct image_example ex = {
		.op = VACCEL_OP_IMAGE_SEGMENT,
		.what = "segmentation",
		.generic = false,
	};

	return image_example_main(argc, argv, &ex);
}
