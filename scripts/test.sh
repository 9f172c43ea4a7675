#!/usr/bin/env bash
# Sets everything up (Debian packages, configure, build) and runs every test:
# lit (frontend diagnostics, dialect, autodiff, lowering, gradient checks,
# PyTorch parity, runtime behaviour, end to end) and the runtime unit tests.
# Safe to re-run. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

rm -rf build/test-results
status=0
ctest --test-dir build --output-on-failure || status=$?

# One summary line over every individual test (lit cases and gtest cases).
/usr/bin/python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in glob.glob("build/test-results/*.xml"):
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "skipped":
            skipped += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
