#include "gptc/cuda_driver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <link.h>

namespace gptc {
namespace {

// Values from cuda.h.
constexpr CUresult kSuccess = 0;
constexpr CUresult kStubLibrary = 34; // CUDA_ERROR_STUB_LIBRARY
constexpr int kJitErrorLogBuffer = 5; // CU_JIT_ERROR_LOG_BUFFER
constexpr int kJitErrorLogBufferSizeBytes = 6; // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES

/// Enough for the first errors of any PTX; the message shows only a few lines.
constexpr size_t kJitLogBytes = 16 << 10;
constexpr int kJitLogLinesShown = 3;

/// The first non-empty lines of a JIT log joined into one line, and how many
/// were left out: the error stays one line however long the log is.
std::string firstLinesOf(const char *log) {
  std::string shown;
  int lines = 0;
  const char *p = log;
  while (*p) {
    const char *end = p;
    while (*end && *end != '\n')
      ++end;
    const char *last = end;
    while (last > p && (last[-1] == '\r' || last[-1] == ' '))
      --last;
    if (last > p) {
      if (lines < kJitLogLinesShown)
        shown += (lines ? " / " : "") + std::string(p, last);
      ++lines;
    }
    p = *end ? end + 1 : end;
  }
  if (lines > kJitLogLinesShown)
    shown += " / ... (" + std::to_string(lines - kJitLogLinesShown) + " more lines)";
  return shown;
}

} // namespace

SharedLibrary::SharedLibrary(const std::string &path, const char *soname, const char *needs, const char *tooOld)
    : soname_(soname), tooOld_(tooOld), handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (!handle_)
    throw CudaError(std::string(needs) + ": cannot load " + soname_ + " (" + dlerror() + ")");
}

void *SharedLibrary::symbol(const char *name) const {
  if (void *address = dlsym(handle_, name))
    return address;
  // The file the loader actually found, which a bare soname does not say.
  struct link_map *map = nullptr;
  std::string file = dlinfo(handle_, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name ? map->l_name : "?";
  throw CudaError(soname_ + " at " + file + " lacks " + name + " (" + tooOld_ + ")");
}

std::string libraryPath(const char *variable, const std::string &library) {
  const char *override = std::getenv(variable);
  return override && *override ? override : library;
}

/// The driver functions, named as in cuda.h (whose macros map several of them
/// to the `_v2` symbols resolved below).
struct CudaDriver::EntryPoints {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image, unsigned numOptions, int *options,
                                 void **optionValues);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ, unsigned sharedBytes, CUstream stream, void **params,
                             void **extra);
  CUresult (*cuMemAlloc)(CUdeviceptr *address, size_t bytes);
  CUresult (*cuMemFree)(CUdeviceptr address);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr device, const void *host, size_t bytes);
  CUresult (*cuMemcpyDtoH)(void *host, CUdeviceptr device, size_t bytes);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr device, const void *host, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoHAsync)(void *host, CUdeviceptr device, size_t bytes, CUstream stream);
  CUresult (*cuMemsetD32)(CUdeviceptr device, unsigned word, size_t count);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuGetErrorName)(CUresult result, const char **name);
  CUresult (*cuGetErrorString)(CUresult result, const char **text);
  CUresult (*cuMemGetInfo)(size_t *freeBytes, size_t *totalBytes);
  CUresult (*cuEventCreate)(CUevent *event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventElapsedTime)(float *milliseconds, CUevent start, CUevent end);
};

std::unique_ptr<CudaDriver> CudaDriver::open(const std::string &library) {
  return std::unique_ptr<CudaDriver>(new CudaDriver(libraryPath("GPTC_LIBCUDA", library)));
}

CudaDriver::CudaDriver(const std::string &path)
    : library_(path, "libcuda.so.1", "this binary needs a CUDA driver", "driver too old?"),
      cu_(std::make_unique<EntryPoints>()) {
  library_.resolve(cu_->cuInit, "cuInit");
  library_.resolve(cu_->cuDeviceGet, "cuDeviceGet");
  library_.resolve(cu_->cuDeviceGetName, "cuDeviceGetName");
  library_.resolve(cu_->cuDeviceGetAttribute, "cuDeviceGetAttribute");
  library_.resolve(cu_->cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  library_.resolve(cu_->cuCtxSetCurrent, "cuCtxSetCurrent");
  library_.resolve(cu_->cuModuleLoadDataEx, "cuModuleLoadDataEx");
  library_.resolve(cu_->cuModuleGetFunction, "cuModuleGetFunction");
  library_.resolve(cu_->cuLaunchKernel, "cuLaunchKernel");
  library_.resolve(cu_->cuMemAlloc, "cuMemAlloc_v2");
  library_.resolve(cu_->cuMemFree, "cuMemFree_v2");
  library_.resolve(cu_->cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  library_.resolve(cu_->cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  library_.resolve(cu_->cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  library_.resolve(cu_->cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  library_.resolve(cu_->cuMemsetD32, "cuMemsetD32_v2");
  library_.resolve(cu_->cuStreamCreate, "cuStreamCreate");
  library_.resolve(cu_->cuStreamSynchronize, "cuStreamSynchronize");
  library_.resolve(cu_->cuCtxSynchronize, "cuCtxSynchronize");
  library_.resolve(cu_->cuGetErrorName, "cuGetErrorName");
  library_.resolve(cu_->cuGetErrorString, "cuGetErrorString");
  library_.resolve(cu_->cuMemGetInfo, "cuMemGetInfo_v2");
  library_.resolve(cu_->cuEventCreate, "cuEventCreate");
  library_.resolve(cu_->cuEventDestroy, "cuEventDestroy_v2");
  library_.resolve(cu_->cuEventRecord, "cuEventRecord");
  // The first version: every driver has it (cuda.h maps the name to _v2
  // from CUDA 12.8 on, with the same signature).
  library_.resolve(cu_->cuEventElapsedTime, "cuEventElapsedTime");
}

CudaDriver::~CudaDriver() = default;

std::string CudaDriver::describe(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (cu_->cuGetErrorName(result, &name) == kSuccess && name) {
    cu_->cuGetErrorString(result, &text);
    return text ? std::string(name) + " (" + text + ")" : name;
  }
  // The stub answers every call, cuGetErrorName included, with this code.
  if (result == kStubLibrary)
    return "CUDA_ERROR_STUB_LIBRARY (the CUDA toolkit's link-time stub was loaded, not a driver)";
  return "CUresult " + std::to_string(result);
}

void CudaDriver::check(CUresult result, const std::string &what) const {
  if (result != kSuccess)
    throw CudaError(what + ": " + describe(result));
}

void CudaDriver::init(int deviceOrdinal) {
  std::string gpu = "GPU " + std::to_string(deviceOrdinal);
  check(cu_->cuInit(0), "initialising the CUDA driver");
  check(cu_->cuDeviceGet(&device_, deviceOrdinal), "opening " + gpu);
  CUcontext context = nullptr;
  check(cu_->cuDevicePrimaryCtxRetain(&context, device_), "creating the context of " + gpu);
  check(cu_->cuCtxSetCurrent(context), "making the context of " + gpu + " current");
}

std::string CudaDriver::deviceName() const {
  char name[256] = {};
  check(cu_->cuDeviceGetName(name, sizeof name, device_), "asking the GPU's name");
  return name;
}

int CudaDriver::deviceAttribute(DeviceAttribute attribute) const {
  int value = 0;
  check(cu_->cuDeviceGetAttribute(&value, (int)attribute, device_),
        "asking the GPU's attribute " + std::to_string((int)attribute));
  return value;
}

CUmodule CudaDriver::loadModule(const std::string &ptx, const std::string &moduleName) {
  auto log = std::make_unique<char[]>(kJitLogBytes);
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void *values[] = {log.get(), reinterpret_cast<void *>(uintptr_t(kJitLogBytes))};
  CUmodule module = nullptr;
  CUresult result = cu_->cuModuleLoadDataEx(&module, ptx.c_str(), 2, options, values);
  if (result == kSuccess)
    return module;
  log[kJitLogBytes - 1] = '\0';
  std::string jitLog = firstLinesOf(log.get());
  if (!jitLog.empty())
    throw CudaError("PTX rejected by the driver for module '" + moduleName + "': " + jitLog);
  check(result, "loading module '" + moduleName + "'");
  return module;
}

CUfunction CudaDriver::function(CUmodule module, const std::string &kernelName) {
  CUfunction function = nullptr;
  check(cu_->cuModuleGetFunction(&function, module, kernelName.c_str()), "finding kernel '" + kernelName + "'");
  return function;
}

void CudaDriver::launch(CUfunction function, const std::string &kernelName, const unsigned grid[3],
                        const unsigned block[3], unsigned sharedBytes, CUstream stream, void **params) {
  lastKernel_ = kernelName;
  check(cu_->cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], sharedBytes, stream,
                            params, nullptr),
        "launch of kernel '" + kernelName + "'");
}

CUdeviceptr CudaDriver::alloc(size_t bytes) {
  CUdeviceptr address = 0;
  check(cu_->cuMemAlloc(&address, bytes), "allocating " + std::to_string(bytes) + " bytes on the GPU");
  return address;
}

void CudaDriver::free(CUdeviceptr address) { check(cu_->cuMemFree(address), "freeing GPU memory"); }

void CudaDriver::copyToDevice(CUdeviceptr device, const void *host, size_t bytes) {
  check(cu_->cuMemcpyHtoD(device, host, bytes), "copying " + std::to_string(bytes) + " bytes to the GPU");
}

void CudaDriver::copyToHost(void *host, CUdeviceptr device, size_t bytes) {
  check(cu_->cuMemcpyDtoH(host, device, bytes), "copying " + std::to_string(bytes) + " bytes from the GPU");
}

void CudaDriver::copyToDeviceAsync(CUdeviceptr device, const void *host, size_t bytes, CUstream stream) {
  check(cu_->cuMemcpyHtoDAsync(device, host, bytes, stream),
        "queueing a copy of " + std::to_string(bytes) + " bytes to the GPU");
}

void CudaDriver::copyToHostAsync(void *host, CUdeviceptr device, size_t bytes, CUstream stream) {
  check(cu_->cuMemcpyDtoHAsync(host, device, bytes, stream),
        "queueing a copy of " + std::to_string(bytes) + " bytes from the GPU");
}

void CudaDriver::fill32(CUdeviceptr device, uint32_t word, size_t count) {
  check(cu_->cuMemsetD32(device, word, count), "filling " + std::to_string(count) + " words of GPU memory");
}

CUstream CudaDriver::createStream() {
  CUstream stream = nullptr;
  check(cu_->cuStreamCreate(&stream, 0), "creating a stream");
  return stream;
}

std::string CudaDriver::lastKernelNote() const {
  return lastKernel_.empty() ? "" : " (last kernel launched: '" + lastKernel_ + "')";
}

void CudaDriver::synchronize(CUstream stream) {
  check(cu_->cuStreamSynchronize(stream), "waiting for the stream" + lastKernelNote());
}

void CudaDriver::synchronize() { check(cu_->cuCtxSynchronize(), "waiting for the GPU" + lastKernelNote()); }

CUevent CudaDriver::createEvent() {
  CUevent event = nullptr;
  check(cu_->cuEventCreate(&event, 0), "creating a timing event");
  return event;
}

void CudaDriver::destroyEvent(CUevent event) { check(cu_->cuEventDestroy(event), "destroying a timing event"); }

void CudaDriver::recordEvent(CUevent event, CUstream stream) {
  check(cu_->cuEventRecord(event, stream), "recording a timing event");
}

float CudaDriver::elapsedMilliseconds(CUevent start, CUevent end) {
  float ms = 0;
  check(cu_->cuEventElapsedTime(&ms, start, end), "reading a timing event" + lastKernelNote());
  return ms;
}

CudaDriver::MemoryInfo CudaDriver::memInfo() const {
  MemoryInfo info{};
  check(cu_->cuMemGetInfo(&info.freeBytes, &info.totalBytes), "asking the GPU's free memory");
  return info;
}

} // namespace gptc
