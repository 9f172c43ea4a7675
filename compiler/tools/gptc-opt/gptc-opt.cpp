// gptc-opt: mlir-opt with the nn dialect, gptc's passes and named pipelines.
#include "compiler/Pipelines/Pipelines.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  gptc::registerGptcDialects(registry);
  gptc::registerGptcPassesAndPipelines();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "gptc optimizer driver\n", registry));
}
