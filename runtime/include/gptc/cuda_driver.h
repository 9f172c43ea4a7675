// The CUDA driver API, opened at run time with dlopen: one `train` binary
// runs on machines with and without a GPU, and without one it says in one
// line that it needs a CUDA driver. The runtime never includes cuda.h; the
// few driver types it needs are declared here with the driver's ABI.
#ifndef GPTC_RUNTIME_CUDA_DRIVER_H
#define GPTC_RUNTIME_CUDA_DRIVER_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace gptc {

// The driver's types (cuda.h): handles are pointers to opaque structs, enums
// are ints, and device addresses are 64-bit integers.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
struct CUctx_st;
using CUcontext = CUctx_st *;
struct CUmod_st;
using CUmodule = CUmod_st *;
struct CUfunc_st;
using CUfunction = CUfunc_st *;
struct CUstream_st;
using CUstream = CUstream_st *;
struct CUevent_st;
using CUevent = CUevent_st *;

/// Everything that goes wrong on the GPU path: a missing library or symbol, a
/// failing driver or cuBLAS call. The message is one line naming the operation
/// (and the kernel or module) and the driver's own name for the error.
class CudaError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A shared library opened with dlopen, for the driver and cuBLAS alike. It
/// stays loaded for the life of the process: the driver's threads and exit
/// handlers outlive any object here.
class SharedLibrary {
public:
  /// Opens `path`; throws CudaError "<needs>: cannot load <soname> (<dlerror>)",
  /// e.g. "this binary needs a CUDA driver: cannot load libcuda.so.1 (...)".
  SharedLibrary(const std::string &path, const char *soname, const char *needs, const char *tooOld);

  /// Points `fn` at the exported function `name`; throws CudaError
  /// "<soname> at <file> lacks <name> (<tooOld>)" when it is not there.
  template <typename Function> void resolve(Function *&fn, const char *name) const {
    fn = reinterpret_cast<Function *>(symbol(name));
  }

private:
  void *symbol(const char *name) const;

  std::string soname_;
  std::string tooOld_;
  void *handle_;
};

/// The library named by the environment variable `variable` if it is set and
/// not empty, else `library`.
std::string libraryPath(const char *variable, const std::string &library);

/// The driver's device attributes this runtime asks about (CUdevice_attribute).
enum class DeviceAttribute : int {
  MultiprocessorCount = 16,
  ComputeCapabilityMajor = 75,
  ComputeCapabilityMinor = 76,
};

class CudaDriver {
public:
  /// Loads the driver (GPTC_LIBCUDA, if set, overrides `library`) and resolves
  /// every entry point the GPU backend uses, so a missing one is reported here
  /// rather than in the middle of a run.
  static std::unique_ptr<CudaDriver> open(const std::string &library = "libcuda.so.1");
  ~CudaDriver();

  /// cuInit, the device of `deviceOrdinal`, and its primary context made
  /// current on the calling thread.
  void init(int deviceOrdinal = 0);
  std::string deviceName() const;
  int deviceAttribute(DeviceAttribute attribute) const;

  /// Loads NUL-terminated PTX; throws with the driver's JIT log when the PTX
  /// is rejected: "PTX rejected by the driver for module '<name>': <log>".
  CUmodule loadModule(const std::string &ptx, const std::string &moduleName);
  CUfunction function(CUmodule module, const std::string &kernelName);
  /// `params` points at one pointer per kernel parameter, each to its value.
  void launch(CUfunction function, const std::string &kernelName, const unsigned grid[3], const unsigned block[3],
              unsigned sharedBytes, CUstream stream, void **params);

  CUdeviceptr alloc(size_t bytes);
  void free(CUdeviceptr address);
  void copyToDevice(CUdeviceptr device, const void *host, size_t bytes);
  void copyToHost(void *host, CUdeviceptr device, size_t bytes);
  void copyToDeviceAsync(CUdeviceptr device, const void *host, size_t bytes, CUstream stream);
  void copyToHostAsync(void *host, CUdeviceptr device, size_t bytes, CUstream stream);
  /// Sets `count` 32-bit words at `device` to `word` (0 zeroes floats).
  void fill32(CUdeviceptr device, uint32_t word, size_t count);

  CUstream createStream();
  /// A kernel's failure often surfaces only here; the message then names the
  /// last kernel launched.
  void synchronize(CUstream stream);
  void synchronize();

  /// Timing events (GPTC_CUDA_PROFILE): recorded on a stream around a
  /// launch; the time between two is known once the second has completed.
  CUevent createEvent();
  void destroyEvent(CUevent event);
  void recordEvent(CUevent event, CUstream stream);
  float elapsedMilliseconds(CUevent start, CUevent end);

  struct MemoryInfo {
    size_t freeBytes;
    size_t totalBytes;
  };
  MemoryInfo memInfo() const;

  /// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)", from the driver's own tables.
  std::string describe(CUresult result) const;

private:
  struct EntryPoints;
  CudaDriver(const std::string &path);
  /// Throws CudaError "<what>: <describe(result)>" unless `result` is success.
  void check(CUresult result, const std::string &what) const;
  /// " (last kernel launched: '<name>')" for errors that surface at a sync.
  std::string lastKernelNote() const;

  SharedLibrary library_;
  std::unique_ptr<EntryPoints> cu_;
  CUdevice device_ = 0;
  std::string lastKernel_;
};

} // namespace gptc

#endif
