// The generated `train` executable's main program: command line, data, the
// training loop, evaluation, checkpoints, gradient check and parity dumps.
#ifndef GPTC_RUNTIME_TRAINER_H
#define GPTC_RUNTIME_TRAINER_H

namespace gptc {

int trainerMain(int argc, char **argv);

} // namespace gptc

#endif
