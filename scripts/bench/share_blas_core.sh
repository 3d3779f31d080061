# Sourced by the benchmark scripts: where OpenBLAS fell back to kernels
# without AVX2 for this CPU, cnn switches to a vector set at start (README,
# "OpenBLAS's kernels"); this exports that set as OPENBLAS_CORETYPE so the
# other programs of a run that load the same OpenBLAS (PyTorch, sgemm_peak)
# use it too and every figure of the run shares one BLAS. Sets blas_note to
# a line saying so, or "". Usage: share_blas_core PATH_TO_CNN
share_blas_core() {
  blas_note=
  [ -z "${OPENBLAS_CORETYPE+set}" ] || return 0
  local line core
  line=$("$1" version | grep '^BLAS:')
  core=$(sed -n 's/.*; core \([A-Za-z0-9]*\) (chosen by cnn: .*/\1/p' <<< "$line")
  [ -n "$core" ] || return 0
  export OPENBLAS_CORETYPE=$core
  blas_note="OPENBLAS_CORETYPE=$core for every tool (cnn's choice: OpenBLAS $(sed -n 's/.*\(detected [A-Za-z0-9]*\).*/\1/p' <<< "$line"))"
}
