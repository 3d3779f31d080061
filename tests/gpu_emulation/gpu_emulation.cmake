# CUDA emulation build (tests/gpu_emulation/README.md): -DCNN_CUDA_EMULATION=ON
# compiles the library's CUDA code, kernels included, as C++ against the
# headers in include/ and runs it on the CPU, so the GPU tests can run on a
# machine without a GPU. Never a build to ship: everything GPU-side is slow.
#
# cnn_emulated_cuda_sources(<out-var> <.cu and .cuh files>...) sets <out-var>
# to their rewritten copies (launches turned into calls) under
# emulated/src, which comes first on the include path so that a .cu file's
# #include of a .cuh header reads the rewritten header.
set(CNN_EMU_DIR ${CMAKE_CURRENT_LIST_DIR})
find_package(Python3 REQUIRED COMPONENTS Interpreter)

function(cnn_emulated_cuda_sources out_var)
  set(outputs)
  foreach(cu ${ARGN})
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${cu})
    if(cu MATCHES "\\.cuh$")
      set(out ${CMAKE_BINARY_DIR}/emulated/${rel})
    else()
      set(out ${CMAKE_BINARY_DIR}/emulated/${rel}.cpp)
    endif()
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${Python3_EXECUTABLE} ${CNN_EMU_DIR}/rewrite_launches.py ${cu} ${out}
      DEPENDS ${cu} ${CNN_EMU_DIR}/rewrite_launches.py
      COMMENT "Rewriting ${rel} for the CUDA emulator")
    # The emulated kernels round every float operation, as __fadd_rn and
    # friends ask and as the CPU kernels they are compared with do.
    set_source_files_properties(${out} PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
    list(APPEND outputs ${out})
  endforeach()
  set(${out_var} ${outputs} PARENT_SCOPE)
endfunction()

# The emulated runtime, cuBLAS and cuDNN, a shared library named as cuBLAS
# is, so the dlopen in src/cnn/gpu/cublas_api.cpp finds it already loaded
# (cuDNN is linked, not opened).
add_library(cnn_cuda_emu SHARED ${CNN_EMU_DIR}/emu_memory.cpp ${CNN_EMU_DIR}/emu_launch.cpp
            ${CNN_EMU_DIR}/emu_runtime.cpp ${CNN_EMU_DIR}/emu_cublas.cpp ${CNN_EMU_DIR}/emu_cudnn.cpp)
target_include_directories(cnn_cuda_emu BEFORE PUBLIC ${CNN_EMU_DIR}/include)
target_include_directories(cnn_cuda_emu PRIVATE ${OPENBLAS_INCLUDE_DIR})
target_link_libraries(cnn_cuda_emu PRIVATE ${BLAS_LIBRARIES})
set_target_properties(cnn_cuda_emu PROPERTIES OUTPUT_NAME cublas SOVERSION 12)
target_compile_options(cnn_cuda_emu PRIVATE -Wall -Wextra)

# The emulated NCCL, its own shared library with NCCL's soname, so that the
# dlopen in src/cnn/parallel/nccl_api.cpp finds it (linked, or beside
# libcublas.so.12 on the executables' run path).
add_library(cnn_nccl_emu SHARED ${CNN_EMU_DIR}/emu_nccl.cpp ${CNN_EMU_DIR}/emu_nccl_processes.cpp)
target_link_libraries(cnn_nccl_emu PRIVATE cnn_cuda_emu Threads::Threads)
set_target_properties(cnn_nccl_emu PROPERTIES OUTPUT_NAME nccl SOVERSION 2)
target_compile_options(cnn_nccl_emu PRIVATE -Wall -Wextra)
