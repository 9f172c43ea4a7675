# RUN: not %gptc %s 2>&1 | FileCheck %s
# An empty program: no model and no train section.

# CHECK: {{.*}}empty-program.dsl: error: missing 'train' section (it gives at least the batch size)
# CHECK: {{.*}}empty-program.dsl: error: no 'model' defined
# CHECK: 2 errors generated.
