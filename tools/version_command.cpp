// `cnn version`: what was built, with which options and libraries, so a
// benchmark or bug report can say exactly what ran.
#include <cblas.h>
#include <google/protobuf/stubs/common.h>

#include <cstdio>
#include <string>
#include <vector>

#ifdef CNN_WITH_OPENCV
#include <opencv2/core/version.hpp>
#endif
#ifdef CNN_WITH_CUDA
#include <cublas_api.h>
#include <cuda_runtime_api.h>
#ifdef CNN_WITH_CUDNN
#include <cudnn.h>
#endif
#endif

#ifdef CNN_WITH_DNNL
#include <dnnl.h>
#endif

#include "cnn/core/blas_core.hpp"
#include "commands.hpp"

// The build may pass its own (from the project version or git); this is the fallback.
#ifndef CNN_VERSION
#define CNN_VERSION "0.1.0-dev"
#endif

namespace cnn {
namespace tool {

const char* VersionString() { return CNN_VERSION; }

#ifdef CNN_WITH_DNNL
namespace {
// The widest instruction set oneDNN dispatches to on this CPU (its kernels'
// names in ONEDNN_VERBOSE say which one each primitive took: f32
// convolutions run avx512_core even where amx is the ceiling).
const char* DnnlIsaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "baseline";
  }
}
}  // namespace
#endif

int VersionCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("version", args);
  std::printf("cnn %s\n", VersionString());
  std::printf("compiler: %s, C++ %ld\n", __VERSION__, static_cast<long>(__cplusplus));
  std::printf("protobuf: %s\n", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION).c_str());
  // Where OpenBLAS had fallen back to kernels without AVX2, the tool
  // switched to a vector set at start (cnn/core/blas_core.hpp): say so.
  const std::string& detected = OpenBlasCoreDetected();
  const std::string chosen =
      detected.empty() ? "" : " (chosen by cnn: OpenBLAS detected " + detected + " for this CPU)";
  std::printf("BLAS: OpenBLAS (%s; core %s%s; %d threads)\n", openblas_get_config(), openblas_get_corename(),
              chosen.c_str(), openblas_get_num_threads());
#ifdef CNN_WITH_CUDA
  std::printf("CUDA: on (built with runtime %d.%d, cuBLAS %d.%d.%d)\n", CUDART_VERSION / 1000,
              CUDART_VERSION % 1000 / 10, CUBLAS_VER_MAJOR, CUBLAS_VER_MINOR, CUBLAS_VER_PATCH);
#ifdef CNN_WITH_CUDNN
  std::printf("cuDNN: on (built with %d.%d.%d)\n", CUDNN_MAJOR, CUDNN_MINOR, CUDNN_PATCHLEVEL);
#else
  std::printf("cuDNN: off\n");
#endif
#else
  std::printf("CUDA: off\ncuDNN: off\n");
#endif
#ifdef CNN_WITH_DNNL
  const dnnl_version_t* dnnl = dnnl_version();
  std::printf("oneDNN: on (%d.%d.%d, CPU runtime %s, ISA up to %s)\n", dnnl->major, dnnl->minor, dnnl->patch,
              dnnl->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other", DnnlIsaName(dnnl_get_effective_cpu_isa()));
#else
  std::printf("oneDNN: off\n");
#endif
#ifdef CNN_WITH_OPENCV
  std::printf("OpenCV: on (%s)\n", CV_VERSION);
#else
  std::printf("OpenCV: off\n");
#endif
#ifdef CNN_WITH_MPI
  std::printf("MPI: on\n");
#else
  std::printf("MPI: off\n");
#endif
#ifdef CNN_WITH_NCCL
  std::printf("NCCL: on (loaded when training on several GPUs)\n");
#else
  std::printf("NCCL: off\n");
#endif
#ifdef CNN_TOOL_PYTHON_LAYERS
  std::printf("Python layers: on (Python %s, started when a net has one)\n", PY_VERSION_SHORT);
#else
  std::printf("Python layers: off\n");
#endif
  return 0;
}

}  // namespace tool
}  // namespace cnn
