// SPDX-License-Identifier: Apache-2.0
/* pose_generic <image_file> [iterations] [model_path]
 * Pose estimation through vaccel_genop(). */
#include "common/image_example.h"

int main(int argc, char **argv)
{
	static const struct image_example ex = {
		.op = VACCEL_OP_IMAGE_POSE,
		.what = "pose estimation",
		.generic = true,
	};

	return image_example_main(argc, argv, &ex);
}
