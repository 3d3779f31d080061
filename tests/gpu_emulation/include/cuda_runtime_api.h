// See cuda_runtime.h (tests/gpu_emulation).
#pragma once

#include "cuda_runtime.h"
