// SPDX-License-Identifier: Apache-2.0
/* vaccel_minmax(), deprecated upstream and still served (blas plugin):
 * declared with the other deprecated names. */
#pragma once

#include "vaccel/deprecated.h"
#include "vaccel/session.h"
