// SPDX-License-Identifier: Apache-2.0
/* Upstream's FPGA demo ops, deprecated upstream (CPU implementations in the
 * blas plugin): declared with the other deprecated names. */
#pragma once

#include "vaccel/deprecated.h"
#include "vaccel/session.h"
