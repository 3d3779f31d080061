// The emulated device's cuBLAS version (tests/gpu_emulation).
#pragma once

#include "cublas_v2.h"

#define CUBLAS_VER_MAJOR 12
#define CUBLAS_VER_MINOR 0
#define CUBLAS_VER_PATCH 0
