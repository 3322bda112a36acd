#!/usr/bin/python3
"""The README's five-minute tour, run as written (docs a user can follow):
every ```sh block of the "A five-minute tour" section, in order, in one
bash session in an empty directory, against the real binary. Only what a
reader does by hand is replaced: `bash scripts/run.sh ARGS` (which installs
and builds) starts the built binary with ARGS, the restart the tour asks
for in a comment is made, the port is a free one, and each `scitt register`
is followed by a wait until the evidence index has read it (the tour says
the index may take a moment).

Checked: the tour runs to its end, and the only commands that exit non-zero
are the ones the tour says do (the appraisals that answer DENY, exit 1);
the appraisals answer ALLOW, DENY, ALLOW in that order; the Pod is
admitted; the admission verdict is found in the log.

Usage: readme_tour_test.py PATH/TO/scitt   (needs umoci, skopeo, curl)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SCITT = os.path.abspath(sys.argv[1])
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
VECTORS = os.environ.get("SCITT_VECTORS", os.path.join(ROOT, "..", "shared", "vectors"))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from scitt_testlib import free_port  # noqa: E402

PRELUDE = r"""
set -uo pipefail
trap 'rc=$?; [[ $BASH_COMMAND == *SCITT_BIN* || $BASH_COMMAND == "return \$rc" ]] || echo "TOUR-EXIT $rc $BASH_COMMAND"' ERR
scitt() {
  "$SCITT_BIN" "$@"
  local rc=$?
  [[ $rc -eq 0 ]] || echo "TOUR-EXIT $rc scitt $*"
  return $rc
}
start_service() {
  "$SCITT_BIN" serve --listen "127.0.0.1:$PORT" "$@" >>service.log 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.05; done
  echo "the service did not start"; cat service.log; exit 1
}
stop_service() { kill "$SERVICE_PID"; wait "$SERVICE_PID"; }
wait_indexed() {
  local size indexed
  size=$(curl -s "http://127.0.0.1:$PORT/checkpoint" | sed -n 2p)
  for _ in $(seq 400); do
    indexed=$(curl -s "http://127.0.0.1:$PORT/statements?limit=1" | sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p')
    [[ -n $indexed && $indexed -ge $size ]] && return 0
    sleep 0.05
  done
  echo "the index did not reach $size"; exit 1
}
"""


def tour_script(port):
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    section = readme[readme.index("## A five-minute tour"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) >= 3, blocks
    lines = []
    for block in blocks:
        # Continuation lines join first, so that a command is one line.
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith("alias scitt="):
                continue
            restart = re.search(r"\(in the first terminal: Ctrl-C, then\s+bash scripts/run\.sh (.*)\)", line)
            if restart:
                lines += ["stop_service", "start_service " + restart.group(1)]
                continue
            run = re.match(r"bash scripts/run\.sh (.*?)\s*(#.*)?$", line)
            if run:
                lines.append("start_service " + run.group(1))
                continue
            line = line.replace("127.0.0.1:8080", f"127.0.0.1:{port}").replace("../shared/vectors", VECTORS)
            if re.match(r"scitt (query|appraise) ", line):
                lines.append("wait_indexed")  # what reads the evidence index reads all that was registered
            lines.append(line)
    return PRELUDE + "\n".join(lines) + "\nstop_service\n"


def main():
    work = tempfile.mkdtemp(prefix="scitt-tour-")
    port = free_port()
    script = tour_script(port)
    with open(os.path.join(work, "tour.sh"), "w") as f:
        f.write(script)
    result = subprocess.run(["bash", "tour.sh"], cwd=work, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, SCITT_BIN=SCITT, PORT=str(port)))
    output = result.stdout + result.stderr
    failed = re.findall(r"TOUR-EXIT (\d+) (.*)", output)
    verdicts = re.findall(r"^(ALLOW|DENY) ", output, re.M)
    problems = []
    if result.returncode != 0:
        problems.append(f"the tour exited {result.returncode}")
    unexpected = [(code, command) for code, command in failed
                  if not (code == "1" and command.startswith("scitt appraise"))]
    if unexpected:
        problems.append(f"commands failed: {unexpected}")
    if verdicts != ["ALLOW", "DENY", "ALLOW"]:
        problems.append(f"appraisals answered {verdicts}, the tour says ALLOW, DENY, ALLOW")
    if len(failed) != 1:
        problems.append(f"one appraisal should deny (exit 1): {failed}")
    if '"allowed":true' not in output.replace(" ", ""):
        problems.append("the Pod was not admitted")
    if "application/vnd.scitt.admission-verdict+json" not in output:
        problems.append("the admission verdict was not found in the log")
    if problems:
        print(output[-20000:])
        print("work directory kept:", work)
        for problem in problems:
            print("FAIL", problem)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("ok   the README tour runs as written")
    return 0


sys.exit(main())
