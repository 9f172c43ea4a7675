#include "gptc/trainer.h"

int main(int argc, char **argv) { return gptc::trainerMain(argc, argv); }
